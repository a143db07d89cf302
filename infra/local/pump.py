"""The queue pump: what Lambda's SQS event source mapping does, for the local stack.

For every ``@app.on_sqs_message`` consumer it long-polls the consumer's queue on moto,
calls the handler with a Lambda-shaped SQS event of up to ``batch_size`` records,
deletes the records that succeeded and leaves the failed ones on the queue, so SQS
retries them and, after ``maxReceiveCount`` receives, moves them to the dead-letter
queue (moto implements the redrive).

The queue of a consumer is not configured here: the consumer's function logical id
(chalice's CamelCase name) is looked up in the merge template, whose event source
names the queue (``provision.queue_logical_ids``).

Where it differs from Lambda, on purpose:
- Failed records are made visible again after ``retry_visibility`` seconds (default 2) with
  ChangeMessageVisibility, instead of after the queue's visibility timeout (180 s), so
  retries happen within seconds. With ``handler_backoff`` (the local stack), records a
  handler *reports* as failed are left as the handler left them, as in Lambda: ours set their
  own exponential backoff (functions/batch.py; QUEUE_RETRY_BASE_SECONDS, 1 s locally).
- One poller per consumer, one batch at a time (Lambda scales out to many concurrent
  batches); no batching window.
- ``batchItemFailures`` is honoured only when the template sets
  ``FunctionResponseTypes: [ReportBatchItemFailures]`` on the event source, as in Lambda;
  an unknown or empty ``itemIdentifier`` fails the whole batch, as in Lambda.
"""
from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from chalice.app import SQSEventConfig
from chalice.utils import to_cfn_resource_name

from infra.local.provision import queue_logical_ids

SQS_RECEIVE_MAX = 10  # ReceiveMessage returns at most 10 messages per call
Log = Callable[[str], None]


class ConsumerWithoutQueue(RuntimeError):
    """An ``@app.on_sqs_message`` handler whose queue the merge template does not name."""


@dataclass(frozen=True)
class Consumer:
    name: str                  # chalice handler name, e.g. nieuwsbrief_aanmelden_consumer
    logical_id: str            # CloudFormation function id, e.g. NieuwsbriefAanmeldenConsumer
    queue_logical_id: str
    queue_url: str
    queue_arn: str
    batch_size: int
    handler: Callable[[dict[str, Any], Any], Any] = field(repr=False)
    reports_item_failures: bool = True


@dataclass
class BatchResult:
    received: int = 0
    succeeded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    error: Optional[str] = None  # exception type when the handler raised


def discover_consumers(app: Any, template: dict[str, Any], physical: dict[str, str],
                       sqs: Any) -> list[Consumer]:
    """Every SQS consumer of the Chalice app, with the queue the merge template gives it."""
    queues = queue_logical_ids(template)
    consumers = []
    for source in app.event_sources:
        if not isinstance(source, SQSEventConfig):
            continue
        logical_id = to_cfn_resource_name(source.name)
        queue_id = queues.get(logical_id)
        if queue_id is None or queue_id not in physical:
            raise ConsumerWithoutQueue(
                f"@app.on_sqs_message {source.name}: infra/template.json does not name its queue "
                f"(Resources.{logical_id}.Properties.Events.{logical_id}SqsEventSource"
                f".Properties.Queue = {{\"Fn::Sub\": \"${{<Queue>.Arn}}\"}})")
        url = physical[queue_id]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        consumers.append(Consumer(
            name=source.name, logical_id=logical_id, queue_logical_id=queue_id, queue_url=url,
            queue_arn=arn, batch_size=max(1, int(source.batch_size)),
            handler=app.handler_map[source.name],
            reports_item_failures=_reports_item_failures(template, logical_id)))
    return consumers


def _reports_item_failures(template: dict[str, Any], logical_id: str) -> bool:
    events = template["Resources"].get(logical_id, {}).get("Properties", {}).get("Events", {})
    return any("ReportBatchItemFailures" in e.get("Properties", {}).get("FunctionResponseTypes", [])
               for e in events.values())


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One SQS message as Lambda hands it to a function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {name: _lambda_attribute(value)
                              for name, value in message.get("MessageAttributes", {}).items()},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType")}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return out


class QueuePump:
    """Polls every consumer's queue in its own thread; ``poll_once`` runs one batch."""

    def __init__(self, consumers: list[Consumer], sqs: Any, *, region: str = "eu-west-1",
                 wait_seconds: int = 1, retry_visibility: int = 2, handler_backoff: bool = False,
                 context_factory: Optional[Callable[[str], Any]] = None,
                 log: Optional[Log] = None):
        self.consumers = list(consumers)
        self.sqs = sqs
        self.region = region
        self.wait_seconds = wait_seconds
        self.retry_visibility = retry_visibility
        self.handler_backoff = handler_backoff  # leave reported failures as the handler left them
        self._context_factory = context_factory or _default_context
        self._log = log or (lambda line: None)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        for consumer in self.consumers:
            thread = threading.Thread(target=self._run, args=(consumer,), daemon=True,
                                      name=f"pump-{consumer.logical_id}")
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 15.0) -> None:
        """Finish the batch in hand, then stop; returns when every poller has ended."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _run(self, consumer: Consumer) -> None:
        failures_in_a_row = 0
        while not self._stop.is_set():
            try:
                self.poll_once(consumer, self.wait_seconds)
                failures_in_a_row = 0
            except Exception as exc:  # noqa: BLE001 - moto unreachable, stopping, ...
                failures_in_a_row += 1
                if failures_in_a_row in (1, 10) or failures_in_a_row % 100 == 0:
                    self._log(f"pump {consumer.logical_id}: polling failed ({type(exc).__name__})")
                self._stop.wait(min(5.0, 0.5 * failures_in_a_row))

    # --- one batch -----------------------------------------------------------------------

    def poll_once(self, consumer: Consumer, wait_seconds: int = 0) -> BatchResult:
        """Receive up to ``batch_size`` messages, invoke the handler once, settle the records."""
        messages = self._receive(consumer, wait_seconds)
        result = BatchResult(received=len(messages))
        if not messages:
            return result
        started = time.monotonic()
        records = [lambda_record(m, consumer.queue_arn, self.region) for m in messages]
        by_id = {r["messageId"]: r for r in records}
        try:
            response = consumer.handler({"Records": records}, self._context_factory(consumer.name))
        except Exception as exc:  # noqa: BLE001 - Lambda: an error fails the whole batch
            failed = set(by_id)
            result.error = type(exc).__name__
        else:
            failed = self._failed_ids(consumer, response, set(by_id))
        result.failed = [r["messageId"] for r in records if r["messageId"] in failed]
        result.succeeded = [r["messageId"] for r in records if r["messageId"] not in failed]
        left_to_handler = self.handler_backoff and not result.error
        self._settle(consumer, [by_id[i] for i in result.succeeded],
                     [] if left_to_handler else [by_id[i] for i in result.failed])
        self._log_batch(consumer, records, result, time.monotonic() - started)
        return result

    def _log_batch(self, consumer: Consumer, records: list[dict[str, Any]], result: BatchResult,
                   seconds: float) -> None:
        """One line per batch (size, outcome, receive counts, time); one more per failed
        message, with its id, so a retry or a trip to the dead-letter queue can be followed.
        The handler logs each record it finished itself (``sqs.record_done``)."""
        def receives(record: dict[str, Any]) -> str:
            return str(record["attributes"].get("ApproximateReceiveCount", "?"))

        counts = sorted({receives(r) for r in records}, key=lambda c: (len(c), c))
        error = f", {result.error}" if result.error else ""
        self._log(f"pump {consumer.logical_id}: batch of {len(records)} in {seconds * 1000:.0f} ms: "
                  f"{len(result.succeeded)} done, {len(result.failed)} failed "
                  f"(receive {'/'.join(counts)}{error})")
        for record in records:
            if record["messageId"] in result.failed:
                again = ("its handler's backoff" if self.handler_backoff and not result.error
                         else f"{self.retry_visibility} s")
                self._log(f"pump {consumer.logical_id}: message {record['messageId']} failed "
                          f"(receive {receives(record)}{error}); visible again after {again}")

    def _receive(self, consumer: Consumer, wait_seconds: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        wait = wait_seconds
        while len(messages) < consumer.batch_size:
            response = self.sqs.receive_message(
                QueueUrl=consumer.queue_url, WaitTimeSeconds=wait,
                MaxNumberOfMessages=min(SQS_RECEIVE_MAX, consumer.batch_size - len(messages)),
                MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])
            batch = response.get("Messages", [])
            messages.extend(batch)
            if len(batch) < SQS_RECEIVE_MAX:
                break
            wait = 0  # fill a batch larger than 10 only with what is there already
        return messages

    def _failed_ids(self, consumer: Consumer, response: Any, batch_ids: set[str]) -> set[str]:
        if not isinstance(response, dict) or "batchItemFailures" not in response:
            return set()
        items = response.get("batchItemFailures") or []
        if not consumer.reports_item_failures:
            if items:
                self._log(f"pump {consumer.logical_id}: batchItemFailures ignored: the template does "
                          "not set FunctionResponseTypes [ReportBatchItemFailures] (as in Lambda)")
            return set()
        failed = set()
        for item in items:
            identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
            if not identifier or identifier not in batch_ids:
                # Lambda treats an unknown or empty identifier as a failure of the whole batch
                self._log(f"pump {consumer.logical_id}: invalid itemIdentifier, whole batch failed")
                return set(batch_ids)
            failed.add(identifier)
        return failed

    def _settle(self, consumer: Consumer, succeeded: list[dict[str, Any]],
                failed: list[dict[str, Any]]) -> None:
        for chunk in _chunks(succeeded):
            self.sqs.delete_message_batch(QueueUrl=consumer.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)])
        if self.retry_visibility is None:
            return
        for chunk in _chunks(failed):
            self.sqs.change_message_visibility_batch(QueueUrl=consumer.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": r["receiptHandle"],
                 "VisibilityTimeout": self.retry_visibility} for i, r in enumerate(chunk)])


def _chunks(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The batch APIs take at most 10 entries per call."""
    return [records[i:i + SQS_RECEIVE_MAX] for i in range(0, len(records), SQS_RECEIVE_MAX)]


def _default_context(name: str) -> Any:
    from chalice.local import LambdaContext

    return LambdaContext(name, memory_size=256, max_runtime_ms=30_000)
