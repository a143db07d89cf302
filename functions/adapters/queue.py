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
