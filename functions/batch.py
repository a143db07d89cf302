"""SQS batches with partial failures, one function per record.

Chalice passes the handler's return value to Lambda unchanged (aws/chalice#2029), and
the merge template sets ``FunctionResponseTypes: [ReportBatchItemFailures]`` on every
SQS event source, so returning ``batchItemFailures`` retries only the failed records;
after ``maxReceiveCount`` attempts SQS moves them to the queue's dead-letter queue.

A failed record is retried with **exponential backoff**: before the batch returns, its
visibility is set to ``QUEUE_RETRY_BASE_SECONDS`` x 2^(receives - 1) (30, 60, 120, 240 s in
production; 1, 2, 4, 8 s on the local stack), so a throttled Mailchimp gets room instead of
the same load again after the queue's fixed visibility timeout.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable, Iterable

from functions.logs import log_event


def process_batch(records: Iterable[dict[str, Any]], handle: Callable[[dict[str, Any]], Any],
                  consumer: str, backoff: Callable[[dict[str, Any]], Any] | None = None
                  ) -> dict[str, list[dict[str, str]]]:
    """Run ``handle(message)`` per record; report the records that raised, each made to wait
    ``backoff(record)`` (``wiring.retry_backoff()`` in the handlers) before its retry."""
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
            if backoff is not None:
                _back_off(backoff, record, consumer)
        else:
            log_event("sqs.record_done", consumer=consumer, message_id=message_id)
    return {"batchItemFailures": failures}


def _back_off(backoff: Callable[[dict[str, Any]], Any], record: dict[str, Any],
              consumer: str) -> None:
    """Make a failed record wait longer before each retry (best effort: without it, SQS
    retries after the queue's visibility timeout)."""
    try:
        backoff(record)
    except Exception as exc:  # noqa: BLE001 - the retry happens anyway, only later
        log_event("sqs.backoff_failed", consumer=consumer, error=type(exc).__name__)
