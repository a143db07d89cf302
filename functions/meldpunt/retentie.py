"""Daily retention of meldpunt reports (handler ``meldpunt_retentie``, 03:15 UTC).

- Contact details: deleted ``contact_days_after_close`` (90) days after the report was
  closed (afgehandeld/geannuleerd), and at the latest ``contact_max_days`` (365) days after
  it came in.
- Description: deleted ``text_max_days`` (365) days after the report came in, together with
  the exact date and the role; what stays is what the figures use (categories, grounds,
  wijk, month, dagdeel) plus the workflow fields (status, dates).
- A withdrawn report is cleaned at once of whatever the withdrawal left (its date and
  role; contact details or description if a withdrawal ever stopped half-way).

Every deletion appends a ``retentie`` history entry. The job is idempotent: what is gone
is marked (``contact_deleted_at``, ``text_deleted_at``), and a second run finds nothing
to do. Reports are walked through the ``gsi1`` partition ``MELDINGEN``, oldest first, and
the walk stops at the first report too young for any deadline: no table scan.

DynamoDB's TTL (``expires_at`` on the contact item) is only a backstop: the intake sets it
at creation, closing a report brings it forward (functions.meldpunt.review), and it lags
the deadlines here by a week, so this job deletes first and writes the history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from functions.adapters.dynamo import Table, TransactionConditionFailed, TxDelete, TxUpdate
from functions.logs import log_event
from functions.meldpunt.review import GSI_PK, write_with_history

PAGE_SIZE = 100
WHO = "retentie"
# Removed after text_max_days: the description and the two fields that, with it, could
# point at a person. What stays is what the figures use, and the workflow dates.
TEXT_FIELDS = ("beschrijving_enc", "datum", "rol")
ROLE = "systeem"


@dataclass(frozen=True)
class Termijnen:
    """Retention periods in days (Settings: MELDPUNT_CONTACT_DAYS_AFTER_CLOSE, ...)."""

    contact_days_after_close: int = 90
    contact_max_days: int = 365
    text_max_days: int = 365

    @classmethod
    def from_settings(cls, settings: Any) -> "Termijnen":
        return cls(contact_days_after_close=settings.meldpunt_contact_days_after_close,
                   contact_max_days=settings.meldpunt_contact_max_days,
                   text_max_days=settings.meldpunt_text_max_days)

    @property
    def youngest_due(self) -> timedelta:
        """No deadline falls earlier than this after a report came in."""
        return timedelta(days=min(self.contact_days_after_close, self.contact_max_days,
                                  self.text_max_days))


def contact_deadline(report: Mapping[str, Any], t: Termijnen) -> datetime:
    """When the contact details of this report must be gone."""
    deadlines = [_time(report["created_at"]) + timedelta(days=t.contact_max_days)]
    if report.get("closed_at"):
        deadlines.append(_time(report["closed_at"]) + timedelta(days=t.contact_days_after_close))
    if report.get("withdrawn_at"):
        deadlines.append(_time(report["withdrawn_at"]))
    return min(deadlines)


def text_deadline(report: Mapping[str, Any], t: Termijnen) -> datetime:
    """When the description (and exact date and role) of this report must be gone."""
    deadline = _time(report["created_at"]) + timedelta(days=t.text_max_days)
    if report.get("withdrawn_at"):
        deadline = min(deadline, _time(report["withdrawn_at"]))
    return deadline


def run(table: Table, now: datetime, t: Termijnen) -> dict[str, int]:
    """One daily run; returns how many reports were looked at and what was deleted."""
    stats = {"bekeken": 0, "contact_verwijderd": 0, "tekst_verwijderd": 0}
    newest_due = now - t.youngest_due
    start = None
    while True:
        items, last = table.query(GSI_PK, index="gsi1", limit=PAGE_SIZE, start_after=start)
        for report in items:
            if _time(report["created_at"]) > newest_due:
                log_event("meldpunt.retentie_done", **stats)
                return stats
            if report.get("sk") != "MELDING":
                continue
            stats["bekeken"] += 1
            done = apply(table, report, now, t)
            stats["contact_verwijderd"] += "contact" in done
            stats["tekst_verwijderd"] += "tekst" in done
        if not last:
            log_event("meldpunt.retentie_done", **stats)
            return stats
        start = last


def apply(table: Table, report: Mapping[str, Any], now: datetime, t: Termijnen) -> set[str]:
    """Delete what is due for one report; returns {"contact", "tekst"} (what was deleted).

    Each deletion is one transaction with its ``retentie`` history entry and the mark on
    the report (SET/REMOVE of named attributes only, never a rewrite of the report).
    """
    done: set[str] = set()
    melding_id = report["id"]
    pk = f"MELDING#{melding_id}"
    at = _iso(now)
    if (report.get("heeft_contact") and not report.get("contact_deleted_at")
            and now >= contact_deadline(report, t)):
        if _deleted(table, melding_id, at, "contactgegevens verwijderd", before=[
                TxDelete(pk, "CONTACT")], update=TxUpdate(
                pk, "MELDING", set={"heeft_contact": False, "contact_deleted_at": at},
                unless=("contact_deleted_at",))):
            done.add("contact")
    if _has_text(report) and now >= text_deadline(report, t):
        # What is left is codes only: the intake's TTL on the report (a backstop for the
        # text) goes too, so the report stays in the review list and the CSV. A withdrawn
        # report keeps its TTL and disappears.
        remove = TEXT_FIELDS + (() if report.get("withdrawn_at") else ("expires_at",))
        if _deleted(table, melding_id, at, "beschrijving, datum en rol verwijderd", before=[],
                    update=TxUpdate(pk, "MELDING",
                                    set={"text_deleted_at": report.get("text_deleted_at") or at},
                                    remove=remove)):
            done.add("tekst")
    if done:
        log_event("meldpunt.retentie", melding_id=melding_id, deleted=sorted(done))
    return done


def _deleted(table: Table, melding_id: str, at: str, note: str, before: list[Any],
             update: Any) -> bool:
    try:
        write_with_history(table, melding_id, at=at, who=WHO, role=ROLE, action="retentie",
                           note=note, before=before, after=[update])
    except TransactionConditionFailed:
        # the report went away (TTL) or another run got there first: nothing left to do
        log_event("meldpunt.retentie_skipped", melding_id=melding_id)
        return False
    return True


def _has_text(report: Mapping[str, Any]) -> bool:
    return any(report.get(k) for k in TEXT_FIELDS)


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
