import json

from functions.batch import process_batch
from tests.conftest import sqs_records


def test_only_failed_records_are_reported():
    records = sqs_records(json.dumps({"n": 1}), json.dumps({"n": 2}), json.dumps({"n": 3}))
    seen = []

    def handle(message):
        seen.append(message["n"])
        if message["n"] == 2:
            raise RuntimeError("boom")

    result = process_batch(records, handle, consumer="test")
    assert seen == [1, 2, 3]
    assert result == {"batchItemFailures": [{"itemIdentifier": records[1]["messageId"]}]}


def test_unreadable_bodies_are_failures_not_crashes():
    records = sqs_records("not json", "[1]")
    result = process_batch(records, lambda m: None, consumer="test")
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [r["messageId"] for r in records]


def test_failure_logs_carry_no_message_content(caplog):
    records = sqs_records(json.dumps({"email": "geheim@example.org"}))

    def handle(message):
        raise ValueError(f"bad address {message['email']}")

    with caplog.at_level("DEBUG"):
        process_batch(records, handle, consumer="test")
    assert "geheim@example.org" not in caplog.text
    assert "ValueError" in caplog.text
