"""The one DynamoDB table (single-table design): a small typed wrapper and its fake.

Keys: ``pk`` (partition) and ``sk`` (sort), both strings; a general-purpose index
``gsi1`` on ``gsi1pk``/``gsi1sk``; ``expires_at`` (epoch seconds) is the TTL attribute.
Item layouts per area are documented in ``docs/data-model.md``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, Sequence, Union

from functions import errors
from functions.adapters import aws

# --- Transactions: all actions or none (one TransactWriteItems, at most 100 actions) ---

@dataclass(frozen=True)
class TxPut:
    item: dict[str, Any]
    if_new: bool = False  # condition attribute_not_exists(pk)


@dataclass(frozen=True)
class TxAdd:
    """ADD to numeric attributes (counters); creates the item if needed."""
    pk: str
    sk: str
    counts: dict[str, int]


@dataclass(frozen=True)
class TxUpdate:
    """SET/REMOVE attributes of an existing item; ``unless`` names attributes that must be absent,
    ``when`` attributes that must hold exactly these values (a compare-and-swap)."""
    pk: str
    sk: str
    set: dict[str, Any] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    when: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TxDelete:
    pk: str
    sk: str


@dataclass(frozen=True)
class TxCheck:
    """Writes nothing; fails the transaction unless the item exists (or is absent)."""
    pk: str
    sk: str
    exists: bool = False


TxAction = Union[TxPut, TxAdd, TxUpdate, TxDelete, TxCheck]


class TransactionConditionFailed(errors.AlreadyExists):
    """A condition in a transaction failed; nothing was written. ``failed``: action indexes."""

    def __init__(self, failed: Sequence[int]):
        super().__init__(f"transaction condition failed at {list(failed)}")
        self.failed = list(failed)


class Table(Protocol):
    def get(self, pk: str, sk: str) -> dict[str, Any] | None: ...
    def put(self, item: dict[str, Any], *, if_new: bool = False) -> None: ...
    def query(self, pk: str, *, sk_prefix: str | None = None, index: str | None = None,
              limit: int | None = None, start_after: dict | None = None,
              descending: bool = False) -> tuple[list[dict[str, Any]], dict | None]: ...
    def add(self, pk: str, sk: str, counts: dict[str, int], extra: dict[str, Any] | None = None) -> None: ...
    def transact_write(self, actions: Sequence[TxAction]) -> None: ...


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; give the services ints/floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return {_plain(v) for v in value}
    return value


def _dynamo_value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dynamo_value(v) for v in value]
    return value


class DynamoTable:
    """The real table, through the low-level client (lighter than boto3.resource)."""

    def __init__(self, name: str, dynamodb_client: Any = None):
        self.name = name
        self._client = dynamodb_client
        self.reads = 0  # items read, for tests and benchmarks that prove "no scan"

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("dynamodb")
        return self._client

    @staticmethod
    def _ser(item: dict[str, Any]) -> dict[str, Any]:
        from boto3.dynamodb.types import TypeSerializer

        s = TypeSerializer()
        return {k: s.serialize(_dynamo_value(v)) for k, v in item.items() if v is not None}

    @staticmethod
    def _de(item: dict[str, Any]) -> dict[str, Any]:
        from boto3.dynamodb.types import TypeDeserializer

        d = TypeDeserializer()
        return {k: _plain(d.deserialize(v)) for k, v in item.items()}

    def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(TableName=self.name, **kwargs)
        except Exception as exc:
            if aws.is_client_error(exc):
                if aws.error_code(exc) == "ConditionalCheckFailedException":
                    raise errors.AlreadyExists("conditional write failed") from exc
                raise errors.TemporarilyUnavailable(f"dynamodb {method} failed: {aws.error_code(exc)}") from exc
            if aws.is_connection_error(exc):
                raise errors.TemporarilyUnavailable(f"dynamodb {method} unreachable") from exc
            raise

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._call("get_item", Key=self._ser({"pk": pk, "sk": sk}), ConsistentRead=True)
        item = response.get("Item")
        self.reads += 1 if item else 0
        return self._de(item) if item else None

    def put(self, item: dict[str, Any], *, if_new: bool = False) -> None:
        kwargs: dict[str, Any] = {"Item": self._ser(item)}
        if if_new:
            kwargs["ConditionExpression"] = "attribute_not_exists(pk)"
        self._call("put_item", **kwargs)

    def query(self, pk: str, *, sk_prefix: str | None = None, index: str | None = None,
              limit: int | None = None, start_after: dict | None = None,
              descending: bool = False) -> tuple[list[dict[str, Any]], dict | None]:
        pk_name, sk_name = ("gsi1pk", "gsi1sk") if index == "gsi1" else ("pk", "sk")
        expr = "#p = :p"
        names = {"#p": pk_name}
        values: dict[str, Any] = {":p": pk}
        if sk_prefix:
            expr += " AND begins_with(#s, :s)"
            names["#s"] = sk_name
            values[":s"] = sk_prefix
        kwargs: dict[str, Any] = {"KeyConditionExpression": expr, "ExpressionAttributeNames": names,
                                  "ExpressionAttributeValues": self._ser(values),
                                  "ScanIndexForward": not descending}
        if index:
            kwargs["IndexName"] = index
        if limit:
            kwargs["Limit"] = limit
        if start_after:
            kwargs["ExclusiveStartKey"] = self._ser(start_after)
        items: list[dict[str, Any]] = []
        while True:
            response = self._call("query", **kwargs)
            items.extend(self._de(i) for i in response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last or (limit and len(items) >= limit):
                break
            kwargs["ExclusiveStartKey"] = last
        self.reads += len(items)
        return items, (self._de(last) if last else None)

    def add(self, pk: str, sk: str, counts: dict[str, int], extra: dict[str, Any] | None = None) -> None:
        """Atomically add to numeric attributes (counters), creating the item if needed."""
        names, values, parts = {}, {}, []
        for i, (attr, n) in enumerate(sorted(counts.items())):
            names[f"#a{i}"] = attr
            values[f":a{i}"] = n
            parts.append(f"#a{i} :a{i}")
        sets = []
        for i, (attr, v) in enumerate(sorted((extra or {}).items())):
            names[f"#e{i}"] = attr
            values[f":e{i}"] = v
            sets.append(f"#e{i} = :e{i}")
        expr = "ADD " + ", ".join(parts)
        if sets:
            expr += " SET " + ", ".join(sets)
        self._call("update_item", Key=self._ser({"pk": pk, "sk": sk}), UpdateExpression=expr,
                   ExpressionAttributeNames=names, ExpressionAttributeValues=self._ser(values))

    def transact_write(self, actions: Sequence[TxAction]) -> None:
        """Write all actions or none. A failed condition raises TransactionConditionFailed
        (an AlreadyExists); any other cancellation or outage, TemporarilyUnavailable."""
        items = [self._tx_item(a) for a in actions]
        try:
            self.client.transact_write_items(TransactItems=items)
        except Exception as exc:
            if aws.is_client_error(exc):
                if aws.error_code(exc) == "TransactionCanceledException":
                    reasons = exc.response.get("CancellationReasons") or []
                    failed = [i for i, r in enumerate(reasons)
                              if r.get("Code") == "ConditionalCheckFailed"]
                    if failed:
                        raise TransactionConditionFailed(failed) from exc
                raise errors.TemporarilyUnavailable(
                    f"dynamodb transact_write_items failed: {aws.error_code(exc)}") from exc
            if aws.is_connection_error(exc):
                raise errors.TemporarilyUnavailable("dynamodb transact_write_items unreachable") from exc
            raise

    def _tx_item(self, action: TxAction) -> dict[str, Any]:
        if isinstance(action, TxPut):
            body: dict[str, Any] = {"TableName": self.name, "Item": self._ser(action.item)}
            if action.if_new:
                body["ConditionExpression"] = "attribute_not_exists(pk)"
            return {"Put": body}
        body = {"TableName": self.name, "Key": self._ser({"pk": action.pk, "sk": action.sk})}
        if isinstance(action, TxDelete):
            return {"Delete": body}
        if isinstance(action, TxCheck):
            body["ConditionExpression"] = "attribute_exists(pk)" if action.exists else "attribute_not_exists(pk)"
            return {"ConditionCheck": body}
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        if isinstance(action, TxAdd):
            parts = []
            for i, (attr, n) in enumerate(sorted(action.counts.items())):
                names[f"#a{i}"], values[f":a{i}"] = attr, n
                parts.append(f"#a{i} :a{i}")
            body["UpdateExpression"] = "ADD " + ", ".join(parts)
        elif isinstance(action, TxUpdate):
            sets, removes = [], [a for a in action.remove]
            for i, (attr, v) in enumerate(sorted(action.set.items())):
                if v is None:
                    removes.append(attr)
                    continue
                names[f"#s{i}"], values[f":s{i}"] = attr, v
                sets.append(f"#s{i} = :s{i}")
            expr = ("SET " + ", ".join(sets)) if sets else ""
            if removes:
                for i, attr in enumerate(removes):
                    names[f"#r{i}"] = attr
                expr += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
            body["UpdateExpression"] = expr.strip()
            conditions = ["attribute_exists(pk)"]
            for i, attr in enumerate(action.unless):
                names[f"#u{i}"] = attr
                conditions.append(f"attribute_not_exists(#u{i})")
            for i, (attr, v) in enumerate(sorted(action.when.items())):
                names[f"#w{i}"], values[f":w{i}"] = attr, v
                conditions.append(f"#w{i} = :w{i}")
            body["ConditionExpression"] = " AND ".join(conditions)
        else:
            raise TypeError(f"not a transaction action: {action!r}")
        body["ExpressionAttributeNames"] = names
        if values:
            body["ExpressionAttributeValues"] = self._ser(values)
        return {"Update": body}


class FakeTable:
    """In-memory table with the same semantics (conditional put, prefix query, paging)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.reads = 0
        self.fail = False

    def _check(self) -> None:
        if self.fail:
            raise errors.TemporarilyUnavailable("fake table down")

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        self._check()
        item = self.items.get((pk, sk))
        self.reads += 1 if item else 0
        return _plain(_dynamo_value(dict(item))) if item else None

    def put(self, item: dict[str, Any], *, if_new: bool = False) -> None:
        self._check()
        key = (item["pk"], item["sk"])
        if if_new and key in self.items:
            raise errors.AlreadyExists("conditional write failed")
        self.items[key] = {k: v for k, v in item.items() if v is not None}

    def query(self, pk: str, *, sk_prefix: str | None = None, index: str | None = None,
              limit: int | None = None, start_after: dict | None = None,
              descending: bool = False) -> tuple[list[dict[str, Any]], dict | None]:
        self._check()
        pk_name, sk_name = ("gsi1pk", "gsi1sk") if index == "gsi1" else ("pk", "sk")
        rows = [i for i in self.items.values()
                if i.get(pk_name) == pk and sk_name in i
                and (not sk_prefix or str(i[sk_name]).startswith(sk_prefix))]
        rows.sort(key=lambda i: (i[sk_name], i["pk"], i["sk"]), reverse=descending)
        if start_after:
            marker = (start_after[sk_name], start_after["pk"], start_after["sk"])
            rows = [r for r in rows if ((r[sk_name], r["pk"], r["sk"]) < marker if descending
                                        else (r[sk_name], r["pk"], r["sk"]) > marker)]
        last = None
        if limit and len(rows) > limit:
            rows = rows[:limit]
            r = rows[-1]
            last = {"pk": r["pk"], "sk": r["sk"], **({sk_name: r[sk_name], pk_name: r[pk_name]}
                                                     if index else {})}
        self.reads += len(rows)
        return [_plain(_dynamo_value(dict(r))) for r in rows], last

    def add(self, pk: str, sk: str, counts: dict[str, int], extra: dict[str, Any] | None = None) -> None:
        self._check()
        item = self.items.setdefault((pk, sk), {"pk": pk, "sk": sk})
        for attr, n in counts.items():
            item[attr] = item.get(attr, 0) + n
        item.update(extra or {})

    def transact_write(self, actions: Sequence[TxAction]) -> None:
        """Same all-or-nothing semantics as DynamoTable.transact_write."""
        self._check()
        keys = [(a.item["pk"], a.item["sk"]) if isinstance(a, TxPut) else (a.pk, a.sk) for a in actions]
        if len(set(keys)) != len(keys):
            raise ValueError("a transaction cannot touch one item twice")
        failed = []
        for i, (action, key) in enumerate(zip(actions, keys)):
            exists = key in self.items
            if isinstance(action, TxPut) and action.if_new and exists:
                failed.append(i)
            elif isinstance(action, TxCheck) and exists != action.exists:
                failed.append(i)
            elif isinstance(action, TxUpdate) and (
                    not exists or any(u in self.items[key] for u in action.unless)
                    or any(self.items[key].get(a) != v for a, v in action.when.items())):
                failed.append(i)
        if failed:
            raise TransactionConditionFailed(failed)
        for action, key in zip(actions, keys):
            if isinstance(action, TxPut):
                self.items[key] = {k: v for k, v in action.item.items() if v is not None}
            elif isinstance(action, TxAdd):
                item = self.items.setdefault(key, {"pk": key[0], "sk": key[1]})
                for attr, n in action.counts.items():
                    item[attr] = item.get(attr, 0) + n
            elif isinstance(action, TxUpdate):
                item = self.items[key]
                for attr, v in action.set.items():
                    if v is None:
                        item.pop(attr, None)
                    else:
                        item[attr] = v
                for attr in action.remove:
                    item.pop(attr, None)
            elif isinstance(action, TxDelete):
                self.items.pop(key, None)
