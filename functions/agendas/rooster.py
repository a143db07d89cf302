"""The board roster (rooster van aftreden): kept in the table, edited by the board from scripts.

Until the board first changes it, the roster *is* the afdeling file's ``bestuur`` section
(validated by :func:`seed`); the first change writes the whole seed and the change in one
transaction, after which the table is the only source. Every change is kept as a history
item with who made it and when.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Mapping

from functions import afdeling as afdeling_module
from functions.adapters.dynamo import Table, TransactionConditionFailed, TxDelete, TxPut
from functions.agendas.stukken import iso
from functions.errors import NotFound, ValidationError
from functions.fields import TEXT

PK = "ROOSTER"
MARKER_SK = "BRON"
FIELDS = {"naam": TEXT, "functie": TEXT, "portefeuille": TEXT, "werkgroep": TEXT, "start": TEXT,
          "einde": TEXT, "herbenoemd": TEXT}
_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?")
MAX_TEXT = 80
ATTEMPTS = 3


def _date(raw: Any, field: str, problems: dict[str, str]) -> str:
    value = str(raw or "").strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        problems[field] = "agendas.fout.rooster_datum"
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        problems[field] = "agendas.fout.rooster_datum"
        return ""


def parse_id(raw: Any) -> str:
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        raise ValidationError({"lid": "agendas.fout.rooster_id"})
    return raw


def validate(lid_id: str, values: Mapping[str, Any], werkgroepen: tuple[str, ...]) -> dict[str, Any]:
    """One member, checked: naam, functie, start and einde required; einde after start."""
    problems: dict[str, str] = {}
    out: dict[str, Any] = {"id": parse_id(lid_id)}
    for field in ("naam", "functie", "portefeuille"):
        value = " ".join(str(values.get(field) or "").split())
        if len(value) > MAX_TEXT:
            problems[field] = "error.too_long"
        elif not value and field != "portefeuille":
            problems[field] = "error.required"
        out[field] = value
    werkgroep = str(values.get("werkgroep") or "").strip()
    if werkgroep and werkgroep not in werkgroepen:
        problems["werkgroep"] = "error.unknown_choice"
    out["werkgroep"] = werkgroep
    out["start"] = _date(values.get("start"), "start", problems)
    out["einde"] = _date(values.get("einde"), "einde", problems)
    if out["start"] and out["einde"] and out["einde"] <= out["start"]:
        problems["einde"] = "agendas.fout.rooster_einde"
    raw = str(values.get("herbenoemd") if values.get("herbenoemd") is not None else "0").strip()
    if not (raw.isascii() and raw.isdigit() and int(raw) <= 20):
        problems["herbenoemd"] = "agendas.fout.rooster_herbenoemd"
    else:
        out["herbenoemd"] = int(raw)
    if problems:
        raise ValidationError(problems)
    return out


def seed(afdeling: Any = None) -> list[dict[str, Any]]:
    """The afdeling file's ``bestuur.leden``, validated (a broken file is a deployment error)."""
    afdeling = afdeling or afdeling_module.current()
    leden = afdeling.section("bestuur").get("leden") or []
    out = []
    for raw in leden:
        try:
            out.append(validate(str(raw.get("id")), raw, afdeling.werkgroep_codes))
        except ValidationError as exc:
            raise afdeling_module.AfdelingError(
                f"bestuur.leden {raw.get('id')!r}: {', '.join(sorted(exc.errors))}") from exc
    if len({m["id"] for m in out}) != len(out):
        raise afdeling_module.AfdelingError("bestuur.leden: an id appears twice")
    return out


def _item(member: Mapping[str, Any]) -> dict[str, Any]:
    return {"pk": PK, "sk": f"LID#{member['id']}", **member}


def _public(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: item.get(k) for k in ("id", "naam", "functie", "portefeuille", "werkgroep", "start",
                                     "einde", "herbenoemd", "gewijzigd_door", "gewijzigd_op")
            if item.get(k) is not None}


def lijst(table: Table, afdeling: Any = None) -> list[dict[str, Any]]:
    """The roster, ordered by start of term, then name."""
    if table.get(PK, MARKER_SK) is None:
        members = seed(afdeling)
    else:
        members, _ = table.query(PK, sk_prefix="LID#")
    return sorted((_public(m) for m in members), key=lambda m: (m["start"], m["naam"]))


def zet(table: Table, lid_id: str, values: Mapping[str, Any], principal: Mapping[str, str],
        now: datetime, afdeling: Any = None) -> dict[str, Any]:
    """Add or replace one member (a PUT: every field as sent)."""
    afdeling = afdeling or afdeling_module.current()
    member = validate(lid_id, values, afdeling.werkgroep_codes)
    member.update(gewijzigd_door=str(principal.get("name") or ""), gewijzigd_op=iso(now))
    _write(table, [TxPut(_item(member))], member["id"], "gezet", principal, now, afdeling)
    return _public(member)


def verwijder(table: Table, lid_id: str, principal: Mapping[str, str], now: datetime,
              afdeling: Any = None) -> dict[str, Any]:
    lid_id = parse_id(lid_id)
    if not any(m["id"] == lid_id for m in lijst(table, afdeling)):
        raise NotFound(f"no member {lid_id}")
    _write(table, [TxDelete(PK, f"LID#{lid_id}")], lid_id, "verwijderd", principal, now, afdeling)
    return {"id": lid_id, "verwijderd": True}


def _write(table: Table, actions: list[Any], lid_id: str, actie: str, principal: Mapping[str, str],
           now: datetime, afdeling: Any) -> None:
    history = TxPut({"pk": PK, "sk": f"HIST#{iso(now)}#{lid_id}#{actie}", "lid": lid_id,
                     "actie": actie, "wie": str(principal.get("name") or ""),
                     "token_id": str(principal.get("token_id") or ""), "op": iso(now)})
    for _ in range(ATTEMPTS):
        if table.get(PK, MARKER_SK) is not None:
            table.transact_write([*actions, history])
            return
        touched = {lid_id}
        seeding = [TxPut(_item(m)) for m in seed(afdeling) if m["id"] not in touched]
        try:
            table.transact_write([TxPut({"pk": PK, "sk": MARKER_SK, "bron": "afdeling", "op": iso(now)},
                                        if_new=True), *seeding, *actions, history])
            return
        except TransactionConditionFailed:
            continue  # someone else seeded it first: write as usual
    raise ValidationError({"_body": "agendas.fout.rooster_bezig"})


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def aftreden(members: list[dict[str, Any]], datum: date, months: int = 6) -> list[dict[str, Any]]:
    """Each member with ``signaal``: ``afgelopen`` (term ended before ``datum``), ``binnenkort``
    (ends within ``months``), or None."""
    horizon = add_months(datum, months)
    out = []
    for m in members:
        einde = date.fromisoformat(m["einde"])
        signaal = "afgelopen" if einde <= datum else "binnenkort" if einde <= horizon else None
        out.append({**m, "signaal": signaal})
    return out
