"""Where moto 5.2.5 does not hold up under the local stack's load, made to answer as AWS does.

Local tooling only (``LocalStack`` installs this before moto's server starts; production
never imports it). What was wrong, found under 8 concurrent clients (issue #6, item 13):

1. **TransactWriteItems deep-copied the whole table**, once per action, to be able to roll
   back (``moto.dynamodb.models.DynamoDBBackend.transact_write_items``). Every transaction
   cost O(table size) in time and memory: with a few thousand items a five-action
   transaction copied the table five times, the queue drained in minutes and the process
   grew to gigabytes. The rollback also *replaced* the table with that copy, so a write
   another request made meanwhile was silently undone.
2. **moto's server is threaded, its DynamoDB backend is not thread-safe.** The copy iterated
   the table's dicts while another request added items: ``RuntimeError: dictionary changed
   size during iteration``, answered as a 500.
3. **ClientRequestToken was ignored.** botocore sends one with every TransactWriteItems and
   keeps it when it retries (after a 500 or a read timeout, both frequent while moto was
   copying); DynamoDB answers a repeated token with success without writing again, moto ran
   the transaction again, so a report stored by the first attempt came back as "condition
   failed" and the consumer logged its first delivery as a duplicate.
4. **SQS DeleteMessage rebuilt a queue's message list without the queue's lock** while
   SendMessage appended to it under that lock: a message sent in that window was lost.
5. **SQS walked the whole queue, expensively, several times per message**: every send
   computed every queue attribute (three passes over all messages), every received message
   was checked for retention through get_queue_attributes (every attribute again), and each
   pass asked each message for its visibility through a clock built from two datetimes. With
   a backlog of a thousand messages, receiving cost tens of ms per message: the backlog fed
   itself.
6. **The server listed moto's package directory** (~150 stat calls) on every request, under
   its dispatcher's global lock.

The fixes, at the depth of each:

- every DynamoDB request is served under one lock (DynamoDB itself is atomic per item and
  per transaction; serialising a local emulator is the simple way to be at least that);
- ``transact_write_items`` keeps an undo log of the items it touches (a copy of each item
  before its write) and restores only those: all or nothing, at O(actions) cost; a failed
  condition is reported as DynamoDB reports it (``TransactionCanceledException`` with one
  ``CancellationReasons`` entry per action, ``ConditionalCheckFailed`` where it failed);
- a ClientRequestToken is remembered for 10 minutes after a successful transaction: the same
  token with the same request succeeds without writing, with a different request it is an
  ``IdempotentParameterMismatchException`` (DynamoDB's documented behaviour);
- SQS ``Queue.delete_message`` holds the queue's own lock;
- SQS message visibility and delay read the same UTC clock through ``time.time()``, the
  retention check reads the queue's retention period directly;
- moto's list of its own modules is read once.

The patch replaces one moto function with a copy that differs only where said above, so it
is tied to the moto version it was written for: :func:`install` refuses another version.
"""
from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Iterator

import moto
from moto import backends
from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    ConditionalCheckFailed,
    DynamodbException,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend, get_filter_expression
from moto.dynamodb.responses import DynamoHandler
from moto.sqs.models import Message, Queue, SQSBackend

PATCHED_FOR = "5.2.5"  # re-read moto's transact_write_items before changing this
TOKEN_WINDOW_SECONDS = 600  # DynamoDB: a client request token is valid for 10 minutes

_dynamodb_lock = threading.RLock()
_installed: dict[tuple[Any, str], Any] = {}  # (class, attribute) -> original, while installed
# (account, region, token) -> (request fingerprint, when); used under _dynamodb_lock only
_tokens: "OrderedDict[tuple[str, str, str], tuple[str, float]]" = OrderedDict()
# moto's own code that the replacements call (taken before anything is patched)
_moto_call_action = DynamoHandler.__dict__["call_action"]
_moto_transact_response = DynamoHandler.__dict__["transact_write_items"]
_moto_delete_message = Queue.__dict__["delete_message"]


class MotoVersionMismatch(RuntimeError):
    """moto is not the version these patches were checked against."""


def install() -> None:
    """Patch moto's classes (process-wide, idempotent)."""
    if moto.__version__ != PATCHED_FOR:
        raise MotoVersionMismatch(
            f"infra/local/moto_patches.py was written for moto {PATCHED_FOR}, found "
            f"{moto.__version__}: compare each moto function replaced here (above all "
            "DynamoDBBackend.transact_write_items, copied) with the new version, then update "
            "PATCHED_FOR")
    if _installed:
        return
    _replace(DynamoHandler, "call_action", _serialised_call_action)
    _replace(DynamoHandler, "transact_write_items", _idempotent_transact_write_items)
    _replace(DynamoDBBackend, "transact_write_items", transact_write_items)
    _replace(Queue, "delete_message", _locked_delete_message)
    _replace(Message, "visible", property(_visible))
    _replace(Message, "delayed", property(_delayed))
    _replace(SQSBackend, "is_message_valid_based_on_retention_period", _retained)
    modules = tuple(backends.list_of_moto_modules())
    _replace(backends, "list_of_moto_modules", lambda: modules)


def uninstall() -> None:
    """Put moto's originals back (for tests)."""
    for (cls, name), original in _installed.items():
        setattr(cls, name, original)
    _installed.clear()
    _tokens.clear()


@contextmanager
def installed() -> Iterator[None]:
    already = bool(_installed)
    install()
    try:
        yield
    finally:
        if not already:
            uninstall()


def _replace(owner: Any, name: str, replacement: Any) -> None:
    _installed[(owner, name)] = owner.__dict__[name]
    setattr(owner, name, replacement)


# --- 2. one DynamoDB request at a time -----------------------------------------------------

def _serialised_call_action(self: Any) -> Any:
    with _dynamodb_lock:
        return _moto_call_action(self)


# --- 3. ClientRequestToken --------------------------------------------------------------------

def _idempotent_transact_write_items(self: Any) -> Any:
    """DynamoHandler.transact_write_items, honouring ClientRequestToken as DynamoDB does."""
    original = _moto_transact_response
    token = (self.body or {}).get("ClientRequestToken")
    if not token:
        return original(self)
    request = {k: v for k, v in self.body.items() if k != "ClientRequestToken"}
    fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True, default=str)
                                 .encode("utf-8")).hexdigest()
    key = (str(self.current_account), str(self.region), str(token))
    now = time.monotonic()
    while _tokens and next(iter(_tokens.values()))[1] < now - TOKEN_WINDOW_SECONDS:
        _tokens.popitem(last=False)
    seen = _tokens.get(key)
    if seen is not None:
        if seen[0] != fingerprint:
            raise IdempotentParameterMismatchException()
        # the same request again: it succeeded before; nothing is written twice
        return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
    response = original(self)  # raises when the transaction is cancelled: not remembered
    _tokens[key] = (fingerprint, now)
    return response


class IdempotentParameterMismatchException(DynamodbException):
    error_type = ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException"

    def __init__(self) -> None:
        super().__init__(self.error_type,
                         "DynamoDB rejected the request because you retried a request with a "
                         "different payload but with an idempotent token that was already used.")


# --- 1. transactions with an undo log ---------------------------------------------------------

def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2.5's DynamoDBBackend.transact_write_items with an item-level undo log instead
    of a deep copy of every table involved; the checks and errors are moto's."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    # moto raised this in the middle of the writes, leaving the earlier ones applied
    if any(len(list(item.keys())) > 1 for item in transact_items):
        raise TransactWriteSingleOpException

    undo: list[tuple[Any, Any, Any, Any]] = []  # (table, hash, range, the item before) in order
    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[Any, Any, Any]] = []  # [(Code, Message, Item), ..]
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")

            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            expression_attribute_names = op.get("ExpressionAttributeNames")
            expression_attribute_values = op.get("ExpressionAttributeValues")
            return_values_on_condition_check_failure = op.get("ReturnValuesOnConditionCheckFailure")

            table = self.get_table(table_name)
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]

            check_unicity(table_name, key)

            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(
                    condition_expression, expression_attribute_names, expression_attribute_values)
                if not condition_op.expr(current):
                    if return_values_on_condition_check_failure == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)

            if op_type != "ConditionCheck" and not any(code for code, _, _ in errors):
                # (once an action failed nothing more is written; conditions are still checked
                # so that every failed one is reported, as DynamoDB does)
                hash_value, range_value = self.get_keys_value(table, key)
                undo.append((table, hash_value, range_value, copy.deepcopy(current)))
                if op_type == "Put":
                    self.put_item(table_name, op["Item"], condition_expression=condition_expression,
                                  expression_attribute_names=expression_attribute_names,
                                  expression_attribute_values=expression_attribute_values)
                elif op_type == "Delete":
                    self.delete_item(table_name, key, condition_expression=condition_expression,
                                     expression_attribute_names=expression_attribute_names,
                                     expression_attribute_values=expression_attribute_values)
                else:
                    self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                     condition_expression=condition_expression,
                                     expression_attribute_names=expression_attribute_names,
                                     expression_attribute_values=expression_attribute_values)
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            _roll_back(undo)
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))
        except Exception as e:  # noqa: BLE001 - moto reports any other failure per action
            errors.append((type(e).__name__, str(e), original_item))

    if any(code is not None for code, _, _ in errors):
        _roll_back(undo)
        raise TransactionCanceledException(errors)


def _roll_back(undo: list[tuple[Any, Any, Any, Any]]) -> None:
    """Put every touched item back as it was, newest write first."""
    for table, hash_value, range_value, before in reversed(undo):
        if range_value is not None:
            if before is None:
                table.items[hash_value].pop(range_value, None)
            else:
                table.items[hash_value][range_value] = before
        elif before is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = before


# --- 4. SQS DeleteMessage under the queue's lock -----------------------------------------------

def _locked_delete_message(self: Any, receipt_handle: str) -> None:
    with self._messages_lock:
        return _moto_delete_message(self, receipt_handle)


# --- 5. SQS: the same clock, cheaper -------------------------------------------------------------

def _now_millis() -> float:
    # moto's unix_time_millis() is this same UTC epoch clock, computed through two datetime
    # objects (so that freezegun can stop it); the local stack does not freeze time
    return time.time() * 1000.0


def _visible(self: Any) -> bool:
    return _now_millis() > self.visible_at


def _delayed(self: Any) -> bool:
    return _now_millis() < self.delayed_until


def _retained(self: Any, queue_name: str, message: Any) -> bool:
    # moto read the retention period through get_queue_attributes, which computes every
    # attribute, three message counts over the whole queue among them, for every message
    # received; the queue holds the same value as a plain attribute
    retention_period = int(self.get_queue(queue_name).message_retention_period)
    return retention_period + message.sent_timestamp / 1000 > time.time()
