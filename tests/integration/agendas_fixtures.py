"""Fixtures of the agenda archive's integration tests: tokens, uploads and the queue pump."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from functions import tokens, wiring

NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)


@pytest.fixture
def bestuur(aws):
    return {"authorization": "Bearer " + tokens.issue("bestuur", "Tim Kies", wiring.table(), NOW)[0]}


@pytest.fixture
def communicatie(aws):
    return {"authorization": "Bearer " + tokens.issue("communicatie", "Sam", wiring.table(), NOW)[0]}


def deliver(client, aws) -> list[dict]:
    """What Lambda's event source does: every message on the upload queue to the consumer.
    Returns the messages' bodies (the S3 events, the s3:TestEvent among them)."""
    url = aws.physical["AgendaUploadQueue"]
    bodies = []
    while True:
        messages = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return bodies
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": "",
                    "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:q",
                    "awsRegion": "eu-west-1"} for m in messages]
        response = client.lambda_.invoke("agendas_upload_consumer", {"Records": records})
        failed = {f["itemIdentifier"] for f in response.payload["batchItemFailures"]}
        assert not failed, f"consumer failed {failed}"
        for m in messages:
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            bodies.append(json.loads(m["Body"]))


def put(client, path, body: bytes, token, content_type="text/markdown; charset=utf-8", **headers):
    return client.http.request("PUT", path, body=body,
                               headers={**token, "content-type": content_type, **headers})
