"""The local queue pump behaves like Lambda's SQS event source (against moto, template queues)."""
from __future__ import annotations

import copy
import json
import re
import threading
import time

import pytest
from chalice import Chalice

from infra.local.provision import load_template
from infra.local.pump import ConsumerWithoutQueue, QueuePump, discover_consumers


def make_app(decide, batch_size: int = 3, name: str = "nieuwsbrief_aanmelden_consumer"):
    """A test-only app whose consumer (named like the real one, so the template maps it to
    SignupQueue) records every batch and answers with ``decide(records)``."""
    app = Chalice(app_name="pump-test")
    app.batches = []

    def consumer(event):
        records = event.to_dict()["Records"]
        app.batches.append(records)
        return decide(records)

    consumer.__name__ = name
    app.on_sqs_message(queue="nieuwsbrief-aanmelden", batch_size=batch_size)(consumer)
    return app


def all_succeed(records):
    return {"batchItemFailures": []}


def fail_bodies(*bad):
    def decide(records):
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                      for r in records if json.loads(r["body"])["n"] in bad]}
    return decide


def raise_always(records):
    raise RuntimeError("consumer broke")


def pump_for(aws, app, template=None, **kwargs):
    template = template or load_template()
    consumers = discover_consumers(app, template, aws.physical, aws.sqs)
    kwargs.setdefault("retry_visibility", 0)
    return QueuePump(consumers, aws.sqs, **kwargs), consumers[0]


def send(aws, *numbers):
    for n in numbers:
        aws.sqs.send_message(QueueUrl=aws.physical["SignupQueue"], MessageBody=json.dumps({"n": n}))


def depth(aws, queue):
    attrs = aws.sqs.get_queue_attributes(
        QueueUrl=aws.physical[queue],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def numbers(records):
    return sorted(json.loads(r["body"])["n"] for r in records)


def drain(pump, consumer, max_polls=20):
    results = []
    for _ in range(max_polls):
        result = pump.poll_once(consumer)
        if not result.received:
            break
        results.append(result)
    return results


def test_consumer_is_mapped_to_its_queue_through_the_merge_template(aws):
    _, consumer = pump_for(aws, make_app(all_succeed))
    assert consumer.logical_id == "NieuwsbriefAanmeldenConsumer"
    assert consumer.queue_logical_id == "SignupQueue"
    assert consumer.queue_url == aws.physical["SignupQueue"]
    assert consumer.queue_arn.endswith(":" + aws.physical["SignupQueue"].rsplit("/", 1)[-1])
    assert consumer.reports_item_failures


def test_a_consumer_the_template_does_not_know_is_an_error_not_silently_ignored(aws):
    app = make_app(all_succeed, name="onbekende_consumer")
    with pytest.raises(ConsumerWithoutQueue, match="OnbekendeConsumer"):
        discover_consumers(app, load_template(), aws.physical, aws.sqs)


def test_batches_never_exceed_the_declared_batch_size_and_every_message_is_handled_once(aws):
    app = make_app(all_succeed, batch_size=3)
    pump, consumer = pump_for(aws, app)
    send(aws, *range(8))

    results = drain(pump, consumer)

    assert all(1 <= len(batch) <= 3 for batch in app.batches)
    assert len(app.batches) >= 3
    assert numbers([r for batch in app.batches for r in batch]) == list(range(8))
    assert sum(len(r.succeeded) for r in results) == 8


def test_records_look_like_lambdas_with_unique_message_ids(aws):
    app = make_app(all_succeed, batch_size=10)
    pump, consumer = pump_for(aws, app)
    send(aws, *range(5))

    drain(pump, consumer)

    records = [r for batch in app.batches for r in batch]
    ids = [r["messageId"] for r in records]
    assert len(ids) == 5 and len(set(ids)) == 5
    for record in records:
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"] == consumer.queue_arn
        assert record["awsRegion"] == "eu-west-1"
        assert record["receiptHandle"]
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
        assert "SentTimestamp" in record["attributes"]
        assert json.loads(record["body"])["n"] in range(5)


def test_successful_records_are_deleted(aws):
    pump, consumer = pump_for(aws, make_app(all_succeed))
    send(aws, 1, 2, 3)

    result = pump.poll_once(consumer)

    assert len(result.succeeded) == 3 and not result.failed
    assert depth(aws, "SignupQueue") == (0, 0)


def test_partial_batch_failure_redelivers_only_the_failed_record(aws):
    app = make_app(fail_bodies(2), batch_size=3)
    pump, consumer = pump_for(aws, app)
    send(aws, 1, 2, 3)

    first = pump.poll_once(consumer)
    assert first.received == 3 and len(first.failed) == 1 and len(first.succeeded) == 2

    second = pump.poll_once(consumer)
    assert second.received == 1
    (again,) = app.batches[-1]
    assert json.loads(again["body"])["n"] == 2
    assert again["messageId"] == first.failed[0]
    assert again["attributes"]["ApproximateReceiveCount"] == "2"


def test_a_handler_that_raises_fails_the_whole_batch(aws):
    app = make_app(raise_always)
    pump, consumer = pump_for(aws, app)
    send(aws, 1, 2)

    result = pump.poll_once(consumer)

    assert result.error == "RuntimeError" and len(result.failed) == 2 and not result.succeeded
    assert depth(aws, "SignupQueue") == (2, 0)


def test_an_unknown_item_identifier_fails_the_whole_batch_as_in_lambda(aws):
    app = make_app(lambda records: {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]})
    pump, consumer = pump_for(aws, app)
    send(aws, 1, 2)

    result = pump.poll_once(consumer)

    assert len(result.failed) == 2


def test_item_failures_are_ignored_when_the_template_does_not_enable_them(aws):
    template = copy.deepcopy(load_template())
    source = template["Resources"]["NieuwsbriefAanmeldenConsumer"]["Properties"]["Events"][
        "NieuwsbriefAanmeldenConsumerSqsEventSource"]["Properties"]
    del source["FunctionResponseTypes"]
    lines = []
    app = make_app(fail_bodies(1))
    pump, consumer = pump_for(aws, app, template=template, log=lines.append)
    send(aws, 1)

    result = pump.poll_once(consumer)

    assert not consumer.reports_item_failures
    assert result.succeeded and not result.failed
    assert any("ReportBatchItemFailures" in line for line in lines)


def test_a_message_failing_max_receive_count_times_lands_in_the_dead_letter_queue(aws):
    app = make_app(fail_bodies(7), batch_size=1)
    pump, consumer = pump_for(aws, app)
    redrive = json.loads(aws.sqs.get_queue_attributes(
        QueueUrl=aws.physical["SignupQueue"], AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    max_receives = int(redrive["maxReceiveCount"])
    send(aws, 7)

    drain(pump, consumer, max_polls=max_receives + 3)

    counts = [batch[0]["attributes"]["ApproximateReceiveCount"] for batch in app.batches]
    assert counts == [str(n) for n in range(1, max_receives + 1)]
    assert depth(aws, "SignupQueue") == (0, 0)
    assert depth(aws, "SignupDeadLetterQueue") == (1, 0)
    dead = aws.sqs.receive_message(QueueUrl=aws.physical["SignupDeadLetterQueue"])["Messages"][0]
    assert json.loads(dead["Body"]) == {"n": 7}


def test_failed_records_become_visible_again_after_the_short_local_retry_delay(aws):
    app = make_app(raise_always)
    pump, consumer = pump_for(aws, app, retry_visibility=1)
    send(aws, 1)

    pump.poll_once(consumer)
    assert pump.poll_once(consumer).received == 0  # still invisible
    time.sleep(1.0)
    deadline = time.monotonic() + 5
    while (received := pump.poll_once(consumer).received) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert received == 1


def test_the_threaded_pump_processes_messages_and_stops_promptly(aws):
    done = threading.Event()

    def decide(records):
        if sum(len(b) for b in app.batches) >= 4:
            done.set()
        return {"batchItemFailures": []}

    app = make_app(decide, batch_size=2)
    lines = []
    pump, _ = pump_for(aws, app, wait_seconds=1, log=lines.append)
    send(aws, 1, 2, 3, 4)
    pump.start()
    try:
        assert done.wait(10), "the pump did not process the messages"
    finally:
        started = time.monotonic()
        pump.stop()
    assert time.monotonic() - started < 5
    assert not pump.running
    assert not [t for t in threading.enumerate() if t.name.startswith("pump-")]
    batches = [re.search(r"batch of (\d+) in \d+ ms: (\d+) done, 0 failed", line) for line in lines]
    assert sum(int(b.group(2)) for b in batches if b) == 4
    assert not any('"n"' in line for line in lines), "message contents must not be logged"


def test_the_pump_logs_each_batch_and_each_failed_message_by_id(aws):
    lines = []
    app = make_app(fail_bodies(2), batch_size=3)
    pump, consumer = pump_for(aws, app, log=lines.append, retry_visibility=7)
    send(aws, 1, 2, 3)

    result = pump.poll_once(consumer)

    assert len(lines) == 2, lines
    assert re.fullmatch(r"pump NieuwsbriefAanmeldenConsumer: batch of 3 in \d+ ms: "
                        r"2 done, 1 failed \(receive 1\)", lines[0])
    assert lines[1] == (f"pump NieuwsbriefAanmeldenConsumer: message {result.failed[0]} failed "
                        "(receive 1); visible again after 7 s")
