"""RSVP: "ik kom" for in-person meetings, counted, never a list of who.

The invitation links to a page with one button that POSTs (mail scanners and link
prefetchers follow GET links; only a POST counts). A count per occurrence
(``KALENDER#<id>`` / ``RSVP``, an atomic ADD) is all that is stored: no name, no address,
no cookie, so a person who clicks twice counts twice; the number is an indication for the
organisers (room, coffee), shown only with a token.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from functions.adapters.dynamo import Table
from functions.errors import Conflict
from functions.kalender import activiteiten as acts
from functions.kalender.activiteiten import Activiteit
from functions.kalender.gegevens import Kalender
from functions.kalender.wijzigingen import check_allowed
from functions.logs import log_event

SK = "RSVP"


def open_voor_rsvp(a: Activiteit, now: datetime) -> bool:
    return a.rsvp and not a.geannuleerd and a.eind > now


def kom(kalender: Kalender, table: Table, activiteit_id: str, now: datetime) -> Activiteit:
    a = acts.een(kalender, table, activiteit_id)
    if not open_voor_rsvp(a, now):
        raise Conflict("no RSVP for this occurrence (online, cancelled or over)")
    table.add(acts.PK.format(id=a.id), SK, {"ja": 1}, extra={"activiteit": a.id})
    log_event("kalender.rsvp", activiteit=a.id)
    return a


def telling(kalender: Kalender, table: Table, activiteit_id: str,
            principal: Mapping[str, str]) -> dict[str, Any]:
    a = acts.een(kalender, table, activiteit_id)
    check_allowed(principal, a)
    item = table.get(acts.PK.format(id=a.id), SK) or {}
    return {"activiteit": a.id, "start": a.start.isoformat(), "rsvp": a.rsvp,
            "ja": int(item.get("ja") or 0)}
