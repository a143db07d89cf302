"""Review of meldpunt reports by werkgroep Politieke agenda and the board.

List (filters, opaque cursor), one report with its description and history, status
changes along the allowed transitions, a CSV export, and the contact details (role
``politieke-agenda`` only; every viewing is written to the history *before* they are
returned). The list, the CSV and the report view never carry contact details; the list
and the CSV carry no description either.

History is append-only: every entry is a new item written with a conditional put, so an
entry can never be overwritten; a change and its entry are one transaction. Reports are
changed with partial updates (SET/REMOVE of named attributes), never rewritten whole, so
a status change cannot bring back a description or a contact detail that a withdrawal or
the retention job removed at the same moment.
"""
from __future__ import annotations

import base64
import binascii
import calendar
import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator, Mapping, Protocol, Sequence

from functions import fields as kinds
from functions.adapters.dynamo import Table, TransactionConditionFailed, TxPut, TxUpdate
from functions.errors import Conflict, NotFound, ValidationError
from functions.logs import log_event
from functions.meldpunt import opties, telling

STATUSSEN = ("nieuw", "in_behandeling", "afgehandeld", "geannuleerd")
# what the list can be filtered on: the review's statuses and the reporter's withdrawal
FILTER_STATUSSEN = STATUSSEN + (opties.STATUS_INGETROKKEN,)
GEANNULEERD = "geannuleerd"
IN_BEHANDELING = "in_behandeling"
EINDSTATUSSEN = frozenset({"afgehandeld", GEANNULEERD})
OVERGANGEN: Mapping[str, frozenset[str]] = {
    "nieuw": frozenset({"in_behandeling", "geannuleerd"}),
    "in_behandeling": frozenset({"afgehandeld", "geannuleerd"}),
}
STATUS_FIELDS = {"status": kinds.TEXT, "notitie": kinds.TEXT}
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_NOTITIE = 2000
GSI_PK = "MELDINGEN"
PURPOSE_TEXT = "meldpunt-beschrijving"
PURPOSE_CONTACT = "meldpunt-contact"
# The TTL on a contact item lags the retention deadline: the daily job deletes first
# (and writes the history); DynamoDB's TTL only catches what the job missed.
TTL_SLACK_DAYS = 7

# What a reviewer sees of a report in the list, the CSV and the detail view (an allowlist:
# ciphertexts, the receipt hash and index keys never leave the service).
REPORT_FIELDS = ("id", "status", "categorieen", "gronden", "rol", "wijk", "stadsdeel", "datum",
                 "maand", "dagdeel", "created_at", "contact_gewenst", "heeft_contact",
                 "closed_at", "text_deleted_at", "contact_deleted_at", "withdrawn_at")
CSV_COLUMNS = ("id", "status", "created_at", "datum", "maand", "dagdeel", "wijk", "stadsdeel",
               "rol", "categorieen", "gronden", "contact_gewenst", "heeft_contact", "closed_at",
               "text_deleted_at", "withdrawn_at")
CSV_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADERS = {"Content-Disposition": 'attachment; filename="meldingen.csv"',
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Crypto(Protocol):
    """The part of ``functions.adapters.crypto.Crypto`` that review needs."""

    def decrypt(self, ciphertext: str, context: Mapping[str, str]) -> str: ...


def context(purpose: str, melding_id: str) -> dict[str, str]:
    """The KMS encryption context a meldpunt field was encrypted under."""
    return {"purpose": purpose, "melding": melding_id}


# --- queries ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Filter:
    """Which reports to list; ``van``/``tot`` bound the day of receipt (``created_at``)."""

    status: str | None = None
    wijk: str | None = None
    stadsdeel: str | None = None
    van: str | None = None  # YYYY-MM-DD, inclusive
    tot: str | None = None  # YYYY-MM-DD, inclusive

    def matches(self, item: Mapping[str, Any]) -> bool:
        day = str(item.get("created_at", ""))[:10]
        return ((self.status is None or opties.status_van(item) == self.status)
                and (self.wijk is None or item.get("wijk") == self.wijk)
                and (self.stadsdeel is None or item.get("stadsdeel") == self.stadsdeel)
                and (self.van is None or day >= self.van)
                and (self.tot is None or day <= self.tot))

    def before_range(self, item: Mapping[str, Any]) -> bool:
        """Newest first: once a report is older than ``van``, all the next ones are too."""
        return self.van is not None and str(item.get("created_at", ""))[:10] < self.van


def parse_filter(params: Mapping[str, str] | None) -> Filter:
    """Read ``status``, ``wijk``, ``stadsdeel``, ``van``, ``tot`` (YYYY-MM or YYYY-MM-DD)."""
    params = params or {}
    problems: dict[str, str] = {}
    status = params.get("status") or None
    if status is not None and status not in FILTER_STATUSSEN:
        problems["status"] = "meldpunt_review.fout.filter_status"
    codes = {}
    for name in ("wijk", "stadsdeel"):
        value = params.get(name) or None
        if value is not None and not _CODE_RE.match(value):
            problems[name] = "meldpunt_review.fout.code"
        codes[name] = value
    van = _day(params.get("van"), first=True)
    tot = _day(params.get("tot"), first=False)
    if van is False:
        problems["van"] = "meldpunt_review.fout.periode"
    if tot is False:
        problems["tot"] = "meldpunt_review.fout.periode"
    if isinstance(van, str) and isinstance(tot, str) and van > tot:
        problems["tot"] = "meldpunt_review.fout.volgorde"
    if problems:
        raise ValidationError(problems)
    return Filter(status=status, wijk=codes["wijk"], stadsdeel=codes["stadsdeel"],
                  van=van or None, tot=tot or None)


def parse_page(params: Mapping[str, str] | None) -> tuple[int, dict[str, str] | None]:
    """``limit`` (1..100, default 25) and the decoded ``cursor`` of the previous page."""
    params = params or {}
    raw = params.get("limit") or ""
    problems = {}
    limit = DEFAULT_LIMIT
    if raw:
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
            problems["limit"] = "meldpunt_review.fout.limit"
        else:
            limit = int(raw)
    cursor = None
    if params.get("cursor"):
        cursor = decode_cursor(params["cursor"])
        if cursor is None:
            problems["cursor"] = "meldpunt_review.fout.cursor"
    if problems:
        raise ValidationError(problems)
    return limit, cursor


def encode_cursor(item: Mapping[str, Any]) -> str:
    key = {"pk": item["pk"], "sk": item["sk"], "gsi1pk": item["gsi1pk"], "gsi1sk": item["gsi1sk"]}
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> dict[str, str] | None:
    """The index key a cursor stands for, or None when it is not one of ours."""
    if len(cursor) > 600:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if (not isinstance(key, dict) or set(key) != {"pk", "sk", "gsi1pk", "gsi1sk"}
            or not all(isinstance(v, str) for v in key.values())
            or key["gsi1pk"] != GSI_PK or key["sk"] != "MELDING"
            or not key["pk"].startswith("MELDING#")):
        return None
    return key


def list_reports(table: Table, flt: Filter, limit: int = DEFAULT_LIMIT,
                 cursor: dict[str, str] | None = None) -> dict[str, Any]:
    """One page of reports, newest first, and the cursor of the next page (or None)."""
    found: list[dict[str, Any]] = []
    start = cursor
    while True:
        items, last = table.query(GSI_PK, index="gsi1", limit=limit, start_after=start,
                                  descending=True)
        for i, item in enumerate(items):
            if flt.before_range(item):
                return _page(found, None)
            if item.get("sk") != "MELDING" or not flt.matches(item):
                continue
            found.append(item)
            if len(found) == limit:
                more = i + 1 < len(items) or last is not None
                return _page(found, encode_cursor(item) if more else None)
        if not last:
            return _page(found, None)
        start = last


def lijst(table: Table, params: Mapping[str, str] | None) -> dict[str, Any]:
    """``GET /meldpunt/meldingen``: filters and paging from the query string, one page."""
    problems: dict[str, str] = {}
    parsed: list[Any] = []
    for parse in (parse_filter, parse_page):
        try:
            parsed.append(parse(params))
        except ValidationError as exc:
            problems.update(exc.errors)
    if problems:
        raise ValidationError(problems)  # every wrong field at once
    flt, (limit, cursor) = parsed
    return list_reports(table, flt, limit, cursor)


def iter_reports(table: Table, flt: Filter, page_size: int = MAX_LIMIT) -> Iterator[dict[str, Any]]:
    """Every matching report, newest first (raw items: for services, not for output)."""
    start = None
    while True:
        items, last = table.query(GSI_PK, index="gsi1", limit=page_size, start_after=start,
                                  descending=True)
        for item in items:
            if flt.before_range(item):
                return
            if item.get("sk") == "MELDING" and flt.matches(item):
                yield item
        if not last:
            return
        start = last


def get_report(table: Table, crypto: Crypto, melding_id: str) -> dict[str, Any]:
    """One report with its description (unless deleted) and its history; no contact details."""
    item = _report(table, melding_id)
    beschrijving = None
    gone = item.get("text_deleted_at") or item.get("withdrawn_at")
    if item.get("beschrijving_enc") and not gone:
        beschrijving = crypto.decrypt(item["beschrijving_enc"], context(PURPOSE_TEXT, melding_id))
    return {"melding": {**report_view(item), "beschrijving": beschrijving},
            "geschiedenis": history(table, melding_id)}


def history(table: Table, melding_id: str) -> list[dict[str, Any]]:
    items, _ = table.query(_pk(melding_id), sk_prefix="HIST#")
    return [{k: i.get(k) for k in ("at", "who", "role", "action", "from", "to", "note")}
            for i in items]


def report_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """The reviewer's view of a report item (empty strings left by retention read as null)."""
    view = {k: (None if item.get(k) == "" else item.get(k)) for k in REPORT_FIELDS}
    view["status"] = opties.status_van(item)
    return view


# --- changes ---------------------------------------------------------------------------

def parse_status_change(form: Any) -> tuple[str, str]:
    """``status`` and ``notitie`` from a JSON (or form) body."""
    status = form.first("status").strip()
    notitie = form.first("notitie").strip()
    problems = {}
    if status not in STATUSSEN:
        problems["status"] = "meldpunt_review.fout.status"
    if len(notitie) > MAX_NOTITIE:
        problems["notitie"] = "error.too_long"
    if problems:
        raise ValidationError(problems)
    return status, notitie


def change_status(table: Table, melding_id: str, new: str, notitie: str,
                  principal: Mapping[str, str], now: datetime,
                  contact_days_after_close: int = 90) -> dict[str, Any]:
    """Move a report along an allowed transition, with its history entry, in one transaction.

    Every state is left at most once (the machine only moves forward), so the item
    ``OVERGANG#<from>``, put only if new in the same transaction, is a compare-and-swap on
    the status: of two reviewers changing the same report at once, one gets a 409.
    """
    if new not in STATUSSEN:
        raise ValidationError({"status": "meldpunt_review.fout.status"})
    item = _report(table, melding_id)
    current = opties.status_van(item)
    if new not in OVERGANGEN.get(current, frozenset()):
        raise Conflict(f"no transition {current} -> {new}")
    pk = _pk(melding_id)
    at = _iso(now)
    who, role = principal.get("name", ""), principal.get("role", "")
    changes: dict[str, Any] = {"status": new}
    if new in EINDSTATUSSEN:
        changes["closed_at"] = at
    claim = TxPut({"pk": pk, "sk": f"OVERGANG#{current}", "to": new, "at": at, "who": who,
                   "role": role}, if_new=True)
    unless: tuple[str, ...] = ("withdrawn_at",)
    after: list[Any] = []
    if new == IN_BEHANDELING and not item.get(telling.IN):
        # reviewed: from now on the report counts in the figures, exactly once
        if item.get(telling.RECORD_KEY) is None:  # stored before reports had one
            item = {**item, telling.RECORD_KEY: telling.new_record_key()}
            changes[telling.RECORD_KEY] = item[telling.RECORD_KEY]
            unless += (telling.RECORD_KEY,)
        changes[telling.IN] = at
        unless += (telling.IN,)
        after.append(telling.erin(item))
    elif new == GEANNULEERD and telling.counted(item):
        # a cancelled report (a duplicate, a test, abuse) leaves the figures, exactly once:
        # withdrawal sets the same marker and takes it out only when it is absent
        changes[telling.UIT] = at
        unless += (telling.UIT,)
        after.append(telling.eruit(item))
    # SET only these attributes, and only while the report exists and is not withdrawn
    update = TxUpdate(pk, "MELDING", set=changes, unless=unless)
    try:
        write_with_history(table, melding_id, at=at, who=who, role=role, action="status",
                           from_=current, to=new, note=notitie or None,
                           before=[claim], after=[update, *after])
    except TransactionConditionFailed as exc:
        raise Conflict(f"report left {current} already, or was withdrawn") from exc
    if new in EINDSTATUSSEN and item.get("heeft_contact"):
        _shorten_contact_ttl(table, melding_id,
                             now + timedelta(days=contact_days_after_close + TTL_SLACK_DAYS))
    log_event("meldpunt.status_changed", melding_id=melding_id, van=current, naar=new, role=role)
    return {"id": melding_id, "status": new, "vorige_status": current,
            "closed_at": changes.get("closed_at", item.get("closed_at"))}


def view_contact(table: Table, crypto: Crypto, melding_id: str, principal: Mapping[str, str],
                 now: datetime) -> dict[str, Any]:
    """The contact details of a report; the viewing is in the history before they leave."""
    item = _report(table, melding_id)
    contact = table.get(_pk(melding_id), "CONTACT")
    if item.get("withdrawn_at") or not contact or not contact.get("contact_enc"):
        raise NotFound("no contact details")
    append_history(table, melding_id, at=_iso(now), who=principal.get("name", ""),
                   role=principal.get("role", ""), action="contact_bekeken")
    plain = crypto.decrypt(contact["contact_enc"], context(PURPOSE_CONTACT, melding_id))
    log_event("meldpunt.contact_viewed", melding_id=melding_id, role=principal.get("role"),
              token_id=principal.get("token_id"))
    return {"id": melding_id, **_contact_fields(plain)}


def append_history(table: Table, melding_id: str, *, at: str, who: str, role: str, action: str,
                   from_: str | None = None, to: str | None = None,
                   note: str | None = None) -> dict[str, Any]:
    """Add one history entry (a put only if new: an entry is never overwritten)."""
    return write_with_history(table, melding_id, at=at, who=who, role=role, action=action,
                              from_=from_, to=to, note=note)


def write_with_history(table: Table, melding_id: str, *, at: str, who: str, role: str,
                       action: str, from_: str | None = None, to: str | None = None,
                       note: str | None = None, before: Sequence[Any] = (),
                       after: Sequence[Any] = ()) -> dict[str, Any]:
    """One transaction: ``before``, a new history entry, ``after``; all or nothing.

    The entry's key is ``HIST#<at>#<n>``, with the first ``n`` not yet taken at that
    instant. Raises TransactionConditionFailed when a condition of ``before``/``after`` fails.
    """
    entry = {"at": at, "who": who, "role": role, "action": action, "from": from_, "to": to,
             "note": note}
    for n in range(1000):
        put = TxPut({"pk": _pk(melding_id), "sk": f"HIST#{at}#{n:03d}", **entry}, if_new=True)
        try:
            table.transact_write([*before, put, *after])
            return entry
        except TransactionConditionFailed as exc:
            if exc.failed == [len(before)]:
                continue  # only the entry's key was taken: the next n
            raise
    raise Conflict("too many history entries at one instant")  # pragma: no cover


# --- CSV -------------------------------------------------------------------------------

def csv_cell(value: Any) -> str:
    """One CSV cell, safe to open in a spreadsheet (no formulas: OWASP CSV injection)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, (list, tuple, set)):
        value = ";".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(CSV_DANGEROUS_START) else text


def export_csv(table: Table, flt: Filter) -> str:
    """All matching reports as CSV: no description, no contact details."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in iter_reports(table, flt):
        view = report_view(item)
        writer.writerow([csv_cell(view.get(c)) for c in CSV_COLUMNS])
    return out.getvalue()


# --- helpers ---------------------------------------------------------------------------

def _pk(melding_id: str) -> str:
    return f"MELDING#{melding_id}"


def _report(table: Table, melding_id: str) -> dict[str, Any]:
    if not _ID_RE.match(melding_id or ""):
        raise NotFound("no such report")
    item = table.get(_pk(melding_id), "MELDING")
    if not item:
        raise NotFound("no such report")
    return item


def _page(items: list[dict[str, Any]], cursor: str | None) -> dict[str, Any]:
    return {"meldingen": [report_view(i) for i in items], "cursor": cursor}


def _iso(now: datetime) -> str:
    """UTC to the second, as the intake writes ``created_at``: 2026-11-27T10:00:00Z."""
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(raw: str | None, first: bool) -> str | bool | None:
    """YYYY-MM or YYYY-MM-DD -> the first/last day as YYYY-MM-DD; False when malformed."""
    if not raw:
        return None
    month = _MONTH_RE.match(raw)
    try:
        if month:
            year, mon = int(month.group(1)), int(month.group(2))
            day = 1 if first else calendar.monthrange(year, mon)[1]
            return date(year, mon, day).isoformat()
        if _DATE_RE.match(raw):
            return date.fromisoformat(raw).isoformat()
    except ValueError:
        return False
    return False


def _shorten_contact_ttl(table: Table, melding_id: str, expires: datetime) -> None:
    """Bring the contact item's TTL forward to the retention deadline after closing."""
    contact = table.get(_pk(melding_id), "CONTACT")
    if not contact:
        return
    epoch = int(expires.timestamp())
    if contact.get("expires_at") and int(contact["expires_at"]) <= epoch:
        return
    try:
        # SET expires_at only, and only while the item exists: never touches contact_enc
        table.transact_write([TxUpdate(_pk(melding_id), "CONTACT", set={"expires_at": epoch})])
    except TransactionConditionFailed:
        pass  # deleted in the meantime (retention or withdrawal): nothing left to expire


def _contact_fields(plain: str) -> dict[str, Any]:
    try:
        data = json.loads(plain)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return {"email": data.get("email") or data.get("contact_email") or None,
                "telefoon": data.get("telefoon") or data.get("contact_telefoon") or None}
    return {"contact": plain}
