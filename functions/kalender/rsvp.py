"""RSVP: "ik kom" for in-person meetings, counted, never a list of who.

The invitation links to a page with one button that POSTs (mail scanners and link
prefetchers follow GET links; only a POST counts). A count per occurrence
(``KALENDER#<id>`` / ``RSVP``, an atomic ADD) is all that is stored: no name, no address,
no cookie. The page's button carries a signed form token (as the meldpunt's), and each token
counts once: it is claimed in the same transaction as the ADD, so a double click, a reload of
the answer or a retried request counts one person. Someone who fetches the page again gets a
new button and counts again: without knowing who people are, the number stays an indication
for the organisers (room, coffee), shown only with a token (docs/kalender.md).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

import hashlib

from functions.adapters.dynamo import Table, TransactionConditionFailed, TxAdd, TxPut
from functions.errors import Conflict, ValidationError
from functions.kalender import activiteiten as acts
from functions.kalender.activiteiten import Activiteit
from functions.kalender.gegevens import Kalender
from functions.kalender.wijzigingen import check_allowed
from functions.logs import log_event

SK = "RSVP"
TOKEN_SK = "RSVPTOKEN"


def open_voor_rsvp(a: Activiteit, now: datetime) -> bool:
    return a.rsvp and not a.geannuleerd and a.eind > now


def kom(kalender: Kalender, table: Table, activiteit_id: str, now: datetime, token: str,
        secret: str) -> Activiteit:
    """Count one "ik kom" for this form token; the same token again counts nothing."""
    from functions.meldpunt import formtoken

    a = acts.een(kalender, table, activiteit_id)
    if not open_voor_rsvp(a, now):
        raise Conflict("no RSVP for this occurrence (online, cancelled or over)")
    if formtoken.check(token, secret, now, 0) is not formtoken.Check.OK:
        raise ValidationError({"token": "kalender.rsvp.fout.token"})
    claim = {"pk": "RSVPTOKEN#" + hashlib.sha256(token.encode("utf-8")).hexdigest(), "sk": TOKEN_SK,
             "activiteit": a.id, "expires_at": formtoken.expires_at(token)}
    try:
        table.transact_write([TxPut(claim, if_new=True), TxAdd(acts.PK.format(id=a.id), SK, {"ja": 1})])
    except TransactionConditionFailed:
        log_event("kalender.rsvp_herhaald", activiteit=a.id)
        return a
    log_event("kalender.rsvp", activiteit=a.id)
    return a


def telling(kalender: Kalender, table: Table, activiteit_id: str,
            principal: Mapping[str, str]) -> dict[str, Any]:
    a = acts.een(kalender, table, activiteit_id)
    check_allowed(principal, a)
    item = table.get(acts.PK.format(id=a.id), SK) or {}
    return {"activiteit": a.id, "start": a.start.isoformat(), "rsvp": a.rsvp,
            "ja": int(item.get("ja") or 0)}
