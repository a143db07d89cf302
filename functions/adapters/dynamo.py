"""The one DynamoDB table (single-table design): a small typed wrapper and its fake.

Keys: ``pk`` (partition) and ``sk`` (sort), both strings; a general-purpose index
``gsi1`` on ``gsi1pk``/``gsi1sk``; ``expires_at`` (epoch seconds) is the TTL attribute.
Item layouts per area are documented in ``docs/data-model.md``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Protocol

from functions import errors
from functions.adapters import aws

TTL_ATTRIBUTE = "expires_at"


class Table(Protocol):
    def get(self, pk: str, sk: str) -> dict[str, Any] | None: ...
    def put(self, item: dict[str, Any], *, if_new: bool = False) -> None: ...
    def delete(self, pk: str, sk: str) -> None: ...
    def query(self, pk: str, *, sk_prefix: str | None = None, index: str | None = None,
              limit: int | None = None, start_after: dict | None = None,
              descending: bool = False) -> tuple[list[dict[str, Any]], dict | None]: ...
    def add(self, pk: str, sk: str, counts: dict[str, int], extra: dict[str, Any] | None = None) -> None: ...


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

    def delete(self, pk: str, sk: str) -> None:
        self._call("delete_item", Key=self._ser({"pk": pk, "sk": sk}))

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

    def delete(self, pk: str, sk: str) -> None:
        self._check()
        self.items.pop((pk, sk), None)

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

    def scan_all(self) -> Iterable[dict[str, Any]]:
        return list(self.items.values())
