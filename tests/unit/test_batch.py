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


def test_a_failed_record_waits_longer_before_each_retry():
    from functions.adapters.queue import RetryBackoff

    class Sqs:
        def __init__(self):
            self.calls = []

        def change_message_visibility(self, **kwargs):
            self.calls.append(kwargs)

    sqs = Sqs()
    backoff = RetryBackoff(30, queue_urls=["http://127.0.0.1:5000/123456789012/nieuwsbrief-q"],
                           sqs_client=sqs)
    records = sqs_records("{}", "{}", "{}")
    for n, record in enumerate(records, 1):
        record["attributes"]["ApproximateReceiveCount"] = str(n)
        record["eventSourceARN"] = "arn:aws:sqs:eu-west-1:123456789012:nieuwsbrief-q"
    result = process_batch(records, lambda m: 1 / 0, consumer="test", backoff=backoff)
    assert len(result["batchItemFailures"]) == 3
    assert [c["VisibilityTimeout"] for c in sqs.calls] == [30, 60, 120]
    assert {c["QueueUrl"] for c in sqs.calls} == {"http://127.0.0.1:5000/123456789012/nieuwsbrief-q"}
    assert backoff.delay(10) == 900  # capped
    assert backoff.url_for("arn:aws:sqs:eu-west-1:1:other") == "https://sqs.eu-west-1.amazonaws.com/1/other"


def test_a_failing_backoff_does_not_hide_the_failure():
    def broken(record):
        raise RuntimeError("sqs down")

    result = process_batch(sqs_records("{}"), lambda m: 1 / 0, consumer="test", backoff=broken)
    assert len(result["batchItemFailures"]) == 1
