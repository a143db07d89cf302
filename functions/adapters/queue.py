"""Sending messages to SQS: the real queue and an in-memory fake."""
from __future__ import annotations

import json
from typing import Any, Protocol

from functions import errors
from functions.adapters import aws


class Queue(Protocol):
    def send(self, message: dict[str, Any]) -> str:
        """Enqueue one JSON message durably; return its message id.
        Raise TemporarilyUnavailable when the queue cannot take it."""


class SqsQueue:
    def __init__(self, url: str, sqs_client: Any = None):
        self.url = url
        self._client = sqs_client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("sqs")
        return self._client

    def send(self, message: dict[str, Any]) -> str:
        try:
            response = self.client.send_message(QueueUrl=self.url, MessageBody=json.dumps(message))
        except Exception as exc:  # ClientError or connection failure: both mean "not queued"
            if aws.is_client_error(exc) or aws.is_connection_error(exc):
                raise errors.TemporarilyUnavailable("queue unavailable") from exc
            raise
        return response["MessageId"]


class FakeQueue:
    """Keeps sent messages in ``self.sent``; ``fail = True`` simulates an outage."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail = False

    def send(self, message: dict[str, Any]) -> str:
        if self.fail:
            raise errors.TemporarilyUnavailable("fake queue down")
        self.sent.append(json.loads(json.dumps(message)))
        return f"fake-{len(self.sent)}"


class RetryBackoff:
    """Exponential backoff for a failed SQS record: ChangeMessageVisibility to
    ``base`` x 2^(receives - 1) seconds, at most ``maximum``."""

    def __init__(self, base_seconds: int, queue_urls: Any = (), maximum: int = 900,
                 sqs_client: Any = None):
        self.base = int(base_seconds)
        self.maximum = int(maximum)
        self.queue_urls = [u for u in queue_urls if u]
        self._client = sqs_client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("sqs")
        return self._client

    def delay(self, receives: int) -> int:
        return min(self.maximum, self.base * 2 ** max(0, receives - 1))

    def url_for(self, arn: str) -> str:
        """The queue URL of an event source ARN (arn:aws:sqs:<region>:<account>:<name>): one of
        ours by its name, else the public SQS endpoint's form."""
        _, _, _, region, account, name = arn.split(":", 5)
        for url in self.queue_urls:
            if url.rstrip("/").rsplit("/", 1)[-1] == name:
                return url
        return f"https://sqs.{region}.amazonaws.com/{account}/{name}"

    def __call__(self, record: dict[str, Any]) -> int:
        receives = int((record.get("attributes") or {}).get("ApproximateReceiveCount") or 1)
        seconds = self.delay(receives)
        self.client.change_message_visibility(QueueUrl=self.url_for(record["eventSourceARN"]),
                                              ReceiptHandle=record["receiptHandle"],
                                              VisibilityTimeout=seconds)
        return seconds
