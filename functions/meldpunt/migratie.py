"""One-off migration to the cell key method's counters (``make migrate-cijfers``).

Before 2026-12-01 the counters were ``CIJFERS#<month>`` / ``<wijk>``: counts only, and every
stored report counted, reviewed or not. Now (functions.meldpunt.telling) every report has a
secret record key, a report counts once reviewed, and ``TELLING#<month>`` / ``<wijk>``
keeps a key sum beside every count. This job:

1. gives every report without one a record key;
2. counts every report that is reviewed (``in_behandeling`` or ``afgehandeld``), not
   withdrawn or cancelled, and not yet counted, into ``TELLING#`` with its key;
3. deletes the old ``CIJFERS#`` items of the months it saw.

Each report is one transaction conditioned on what it changes still being absent, so the job
is idempotent: a second run, or a run racing the review, counts nothing twice.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from functions.adapters.dynamo import Table, TransactionConditionFailed, TxDelete, TxUpdate
from functions.logs import log_event
from functions.meldpunt import opties, telling
from functions.meldpunt.review import GSI_PK

COUNTED = ("in_behandeling", "afgehandeld")
OLD_PREFIX = "CIJFERS#"


def _iso(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _migrate_one(table: Table, report: dict[str, Any], at: str) -> tuple[bool, bool]:
    """(record key added, counted) for one report; nothing when there is nothing to do."""
    changes: dict[str, Any] = {}
    unless: tuple[str, ...] = ("withdrawn_at",) if not report.get("withdrawn_at") else ()
    if report.get(telling.RECORD_KEY) is None:
        report = {**report, telling.RECORD_KEY: telling.new_record_key()}
        changes[telling.RECORD_KEY] = report[telling.RECORD_KEY]
        unless += (telling.RECORD_KEY,)
    count = opties.status_van(report) in COUNTED and not report.get(telling.IN)
    after = []
    if count:
        changes[telling.IN] = at
        unless += (telling.IN,)
        after.append(telling.erin(report))
    if not changes:
        return False, False
    table.transact_write([TxUpdate(report["pk"], "MELDING", set=changes, unless=unless), *after])
    return telling.RECORD_KEY in changes, count


def run(table: Table, now: datetime) -> dict[str, int]:
    """Migrate every report (walking the reports index, no table scan); returns what it did."""
    at = _iso(now)
    done = {"reports": 0, "keys": 0, "counted": 0, "raced": 0, "old_counters_deleted": 0}
    months: set[str] = set()
    start = None
    while True:
        items, last = table.query(GSI_PK, index="gsi1", limit=100, start_after=start)
        for item in items:
            if item.get("sk") != "MELDING":
                continue
            done["reports"] += 1
            if item.get("maand"):
                months.add(item["maand"])
            for _ in range(3):
                try:
                    keyed, counted = _migrate_one(table, item, at)
                except TransactionConditionFailed:
                    # the review (or another run) changed it meanwhile: decide on what is there
                    done["raced"] += 1
                    item = table.get(item["pk"], "MELDING") or item
                    continue
                done["keys"] += keyed
                done["counted"] += counted
                break
        if not last:
            break
        start = last
    for month in sorted(months):
        old, _ = table.query(OLD_PREFIX + month)
        for counter in old:
            table.transact_write([TxDelete(counter["pk"], counter["sk"])])
            done["old_counters_deleted"] += 1
    log_event("meldpunt.migrated_to_cell_key", **done)
    return done
