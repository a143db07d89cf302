"""The branch plan's measurable goals and their progress, recorded by the werkgroepen.

The goals and their yearly targets are data (the afdeling file, section ``doelen``): for Den
Haag at least 5 demonstrations, 3 own actions, 10 network conversations, 1x speaking in the
gemeenteraad, 12 newsletters. A werkgroep (its token) records an entry for a goal of its
own, the board for any; the newsletter records itself when it is sent. Entries are public
(the goals page, the newsletter): what was done, never who was met in person.

Items: ``DOELEN#<jaar>`` / ``VOORTGANG#<datum>#<id>`` (doel, datum, omschrijving, who, role,
at). An entry is put only if new; removing one is kept as ``WEG#<id>`` (who removed it).
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping

from functions import afdeling
from functions import fields as kinds
from functions.adapters.dynamo import TransactionConditionFailed, TxDelete, TxPut
from functions.config import BESTUUR
from functions.errors import AlreadyExists, Forbidden, NotFound, ValidationError
from functions.logs import log_event

FIELDS = {"doel": kinds.TEXT, "datum": kinds.TEXT, "omschrijving": kinds.TEXT}
MAX_OMSCHRIJVING = 300
MAX_DAYS_AGO = 400
NIEUWSBRIEVEN = "nieuwsbrieven"  # the goal the newsletter records by itself when sent
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID_RE = re.compile(r"^(\d{4})-[a-z0-9-]{1,40}$")


@dataclass(frozen=True)
class Doel:
    code: str
    werkgroep: str
    per_jaar: int
    naam: Mapping[str, str]


def doelen() -> tuple[Doel, ...]:
    """The afdeling's goals, in the order of the plan."""
    out = []
    for raw in afdeling.current().section("doelen").get("doelen") or []:
        out.append(Doel(code=str(raw["code"]), werkgroep=str(raw["werkgroep"]),
                        per_jaar=int(raw["per_jaar"]), naam=dict(raw["naam"])))
    return tuple(out)


def _doel(code: str) -> Doel | None:
    return next((d for d in doelen() if d.code == code), None)


@dataclass(frozen=True)
class Entry:
    doel: str
    datum: date
    omschrijving: str


def parse_entry(form: Any, today: date) -> Entry:
    """``doel``, ``datum`` (YYYY-MM-DD, not in the future, at most ~13 months back) and
    ``omschrijving`` (1-300 characters)."""
    problems: dict[str, str] = {}
    code = form.first("doel").strip()
    if _doel(code) is None:
        problems["doel"] = "doelen.fout.doel"
    raw = form.first("datum").strip()
    datum = None
    if not _DATE_RE.match(raw):
        problems["datum"] = "doelen.fout.datum"
    else:
        try:
            datum = date.fromisoformat(raw)
        except ValueError:
            problems["datum"] = "doelen.fout.datum"
    if datum and datum > today:
        problems["datum"] = "doelen.fout.toekomst"
    elif datum and datum < today - timedelta(days=MAX_DAYS_AGO):
        problems["datum"] = "doelen.fout.te_oud"
    text = " ".join(form.first("omschrijving").split())
    if not text:
        problems["omschrijving"] = "doelen.fout.omschrijving"
    elif len(text) > MAX_OMSCHRIJVING:
        problems["omschrijving"] = "error.too_long"
    if problems:
        raise ValidationError(problems)
    assert datum is not None
    return Entry(doel=code, datum=datum, omschrijving=text)


def _pk(jaar: int) -> str:
    return f"DOELEN#{jaar:04d}"


def _iso(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(table: Any, entry: Entry, principal: Mapping[str, str], now: datetime,
           entry_id: str | None = None) -> dict[str, Any]:
    """Record one entry; a werkgroep only for its own goals (403 otherwise)."""
    goal = _doel(entry.doel)
    assert goal is not None
    role = principal.get("role", "")
    if role not in (BESTUUR, goal.werkgroep, "systeem"):
        raise Forbidden(f"role {role} may not record goal {goal.code}")
    entry_id = entry_id or f"{entry.datum.year:04d}-{secrets.token_hex(6)}"
    item = {"pk": _pk(entry.datum.year), "sk": f"VOORTGANG#{entry.datum.isoformat()}#{entry_id}",
            "id": entry_id, "doel": entry.doel, "datum": entry.datum.isoformat(),
            "omschrijving": entry.omschrijving, "who": principal.get("name", ""), "role": role,
            "at": _iso(now)}
    table.put(item, if_new=True)
    log_event("doelen.recorded", doel=entry.doel, id=entry_id, role=role)
    return view(item)


def record_newsletter(table: Any, maand: str, sent: datetime) -> bool:
    """The newsletter of ``maand`` was sent: its goal entry, once (False when it was there)."""
    datum = sent.astimezone(timezone.utc).date()
    entry = Entry(doel=NIEUWSBRIEVEN, datum=datum, omschrijving=f"Nieuwsbrief {maand}")
    try:
        record(table, entry, {"name": "nieuwsbrief", "role": "systeem"}, sent,
               entry_id=f"{datum.year:04d}-nieuwsbrief-{maand}")
    except AlreadyExists:
        return False
    return True


def remove(table: Any, entry_id: str, principal: Mapping[str, str], now: datetime) -> None:
    """Take an entry back (a mistake): the board, or the werkgroep of its goal."""
    match = _ID_RE.match(entry_id or "")
    if not match:
        raise NotFound("no such entry")
    jaar = int(match.group(1))
    items, _ = table.query(_pk(jaar), sk_prefix="VOORTGANG#")
    item = next((i for i in items if i.get("id") == entry_id), None)
    if item is None:
        raise NotFound("no such entry")
    goal = _doel(item["doel"])
    role = principal.get("role", "")
    if role != BESTUUR and (goal is None or role != goal.werkgroep):
        raise Forbidden(f"role {role} may not remove this entry")
    try:
        table.transact_write([
            TxDelete(item["pk"], item["sk"]),
            TxPut({"pk": item["pk"], "sk": f"WEG#{entry_id}", "doel": item["doel"],
                   "datum": item["datum"], "who": principal.get("name", ""), "role": role,
                   "at": _iso(now)}, if_new=True)])
    except TransactionConditionFailed as exc:
        raise NotFound("already removed") from exc
    log_event("doelen.removed", id=entry_id, role=role)


def view(item: Mapping[str, Any]) -> dict[str, Any]:
    """What anyone may see of an entry (not who recorded it)."""
    return {"id": item["id"], "doel": item["doel"], "datum": item["datum"],
            "omschrijving": item["omschrijving"]}


def overzicht(table: Any, jaar: int) -> dict[str, Any]:
    """Every goal of the year with its target, how far along it is, and its entries."""
    items, _ = table.query(_pk(jaar), sk_prefix="VOORTGANG#")
    per_goal: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        per_goal.setdefault(item["doel"], []).append(view(item))
    out = []
    for goal in doelen():
        entries = sorted(per_goal.get(goal.code, []), key=lambda e: e["datum"], reverse=True)
        out.append({"code": goal.code, "naam": dict(goal.naam), "werkgroep": goal.werkgroep,
                    "doel": goal.per_jaar, "bereikt": len(entries),
                    "procent": min(100, round(100 * len(entries) / goal.per_jaar)) if goal.per_jaar else 100,
                    "voortgang": entries})
    return {"jaar": jaar, "doelen": out}


def parse_jaar(params: Mapping[str, str], today: date) -> int:
    raw = (params.get("jaar") or "").strip()
    if not raw:
        return today.year
    if not (raw.isdigit() and len(raw) == 4 and 2020 <= int(raw) <= today.year):
        raise ValidationError({"jaar": "doelen.fout.jaar"})
    return int(raw)
