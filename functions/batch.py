"""SQS batches with partial failures, one function per record.

Chalice passes the handler's return value to Lambda unchanged (aws/chalice#2029), and
the merge template sets ``FunctionResponseTypes: [ReportBatchItemFailures]`` on every
SQS event source, so returning ``batchItemFailures`` retries only the failed records;
after ``maxReceiveCount`` attempts SQS moves them to the queue's dead-letter queue.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable, Iterable

from functions.logs import log_event


def process_batch(records: Iterable[dict[str, Any]], handle: Callable[[dict[str, Any]], Any],
                  consumer: str) -> dict[str, list[dict[str, str]]]:
    """Run ``handle(message)`` per record; report the records that raised."""
    failures = []
    for record in records:
        message_id = record.get("messageId", "")
        try:
            message = json.loads(record.get("body") or "")
            if not isinstance(message, dict):
                raise ValueError("message body is not a JSON object")
            handle(message)
        except Exception as exc:  # noqa: BLE001 - reported to SQS, not swallowed
            log_event("sqs.record_failed", level=logging.ERROR, consumer=consumer,
                      message_id=message_id, error=type(exc).__name__,
                      receive_count=record.get("attributes", {}).get("ApproximateReceiveCount"))
            failures.append({"itemIdentifier": message_id})
        else:
            log_event("sqs.record_done", consumer=consumer, message_id=message_id)
    return {"batchItemFailures": failures}
