"""The reporter's rights, by receipt code: see the status, withdraw the report.

Only the code's sha256 is stored, so the code is the only key. A wrong code must not
be told apart from a right one by the time the answer takes: both paths do the same
work against the table (a receipt lookup, a report lookup, and for a withdrawal one
transaction of four actions). A wrong code looks up a decoy report that never exists
and runs a transaction of condition checks that write nothing. No fixed delay: in
Lambda a sleep costs money and still leaks the difference it pads.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from functions.adapters.dynamo import TransactionConditionFailed, TxCheck, TxDelete, TxPut, TxUpdate
from functions.logs import log_event
from functions.meldpunt import ontvangstcode, opties, telling

INGETROKKEN = opties.STATUS_INGETROKKEN
ONBEKEND = "onbekend"
DECOY_ID = "0" * 32  # report ids are uuid4 hex: this one is never issued


def _iso(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lookup(code: str, table: Any) -> dict[str, Any] | None:
    """The report a code belongs to, or None; the same two reads either way."""
    receipt = table.get(f"ONTVANGST#{ontvangstcode.hash_van(code)}", "ONTVANGST")
    melding_id = receipt.get("melding_id", DECOY_ID) if receipt else DECOY_ID
    report = table.get(f"MELDING#{melding_id}", "MELDING")
    return report if receipt else None


def status(code: str, table: Any) -> str:
    """The report's status (``nieuw``, ``in behandeling``-like codes, ...), ``ingetrokken``,
    or ``onbekend`` for a code that belongs to no report."""
    report = _lookup(code, table)
    if report is None:
        return ONBEKEND
    return opties.status_van(report)


def _decoy_actions() -> list[Any]:
    pk = f"MELDING#{DECOY_ID}"
    return [TxCheck(pk, "MELDING"), TxCheck(pk, "CONTACT"), TxCheck("TELLING#0000-00", "onbekend"),
            TxCheck(pk, "HIST#decoy")]


def trek_in(code: str, table: Any, now: datetime) -> str:
    """Withdraw: delete the text and the contact details, take the report out of the
    counters, write it to the history. Returns ``ingetrokken`` (also when it already
    was) or ``onbekend``. Idempotent: the counters go down once, also when the review
    had already cancelled the report (``uit_cijfers_at``, shared with the review)."""
    report = _lookup(code, table)
    if report is None or report.get("withdrawn_at"):
        # unknown, or withdrawn before: the same transaction's worth of work as a withdrawal
        try:
            table.transact_write(_decoy_actions())
        except TransactionConditionFailed:
            pass  # the checks write nothing either way
        return ONBEKEND if report is None else INGETROKKEN
    for _ in range(3):
        if report.get("withdrawn_at"):
            break
        try:
            table.transact_write(_withdrawal(report, now))
        except TransactionConditionFailed:
            # withdrawn or cancelled meanwhile: read again and decide on what is there now
            report = table.get(report["pk"], "MELDING") or report
            continue
        log_event("meldpunt.withdrawn", melding_id=report.get("id"))
        return INGETROKKEN
    log_event("meldpunt.withdraw_repeated", melding_id=report.get("id"))
    return INGETROKKEN


def _withdrawal(report: dict[str, Any], now: datetime) -> list[Any]:
    """The one transaction of a withdrawal (four actions, like the decoy's)."""
    pk = report["pk"]
    at = _iso(now)
    changes = {"withdrawn_at": at, "status": INGETROKKEN,
               "text_deleted_at": report.get("text_deleted_at") or at,
               "heeft_contact": False, "contact_gewenst": False}
    if report.get("heeft_contact") and not report.get("contact_deleted_at"):
        changes["contact_deleted_at"] = at
    unless: tuple[str, ...] = ("withdrawn_at",)
    if telling.counted(report):
        changes[telling.UIT] = at
        unless += (telling.UIT,)  # the review did not cancel it meanwhile
        figures = telling.eruit(report)
    else:
        if not report.get(telling.IN):
            unless += (telling.IN,)  # the review did not count it meanwhile
        figures = TxCheck(f"ONTVANGST#{report['receipt_hash']}", "ONTVANGST", exists=True)
    return [
        TxUpdate(pk, "MELDING", set=changes, remove=("beschrijving_enc",), unless=unless),
        TxDelete(pk, "CONTACT"),
        figures,
        # <n> = microseconds: never the "0" of the created entry, even within the same second
        TxPut({"pk": pk, "sk": f"HIST#{at}#{now.microsecond:06d}", "at": at, "who": "melder",
               "action": "withdrawn", "from": report.get("status")}),
    ]
