"""Browser sessions of a token: what the beheer pages sign in with (docs/decisions/012).

Signing in exchanges the person's token (``bij1_...``, long-lived, also used by scripts)
for a session token (``bij1s_...``) that ends by itself: at ``eindigt`` (default four hours
after signing in), or earlier when the person signs out. The browser keeps only the session
token (in ``sessionStorage``, gone with the tab), and sends it as ``Authorization: Bearer``
to the same JSON API, so every role check stays the API's own authorizer.

A session is stored only as its SHA-256 hash, with the hash of the token it came from: it
lives exactly as long as that token (a revoked token ends its sessions with it) and carries
its name and role. No personal data in the item: the name is read from the token's item.
A session cannot start another session, so it can never be stretched beyond its end.
"""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from functions import tokens
from functions.adapters.dynamo import Table, TxDelete
from functions.errors import Forbidden, ValidationError
from functions.logs import log_event

PREFIX = tokens.SESSION_PREFIX  # "bij1s_"
PK = "SESSIES"
# The item outlives its end by a day, then DynamoDB's TTL removes it; whether a session is
# valid is decided by ``eindigt``, never by the (lazy) TTL.
TTL_SLACK = timedelta(days=1)
MAX_LENGTH = 200


def is_session(bearer: str) -> bool:
    return bearer.startswith(PREFIX)


def start(bearer: str, table: Table, now: datetime, minutes: int) -> dict[str, Any]:
    """Start a session for the token ``bearer``; returns the session token (only now)."""
    if is_session(bearer):
        raise ValidationError({"_body": "beheer.fout.sessie_uit_sessie"})
    parent = tokens.hash_token(bearer)
    owner = _owner(table, parent)
    if owner is None:
        # the authorizer let it through from its cache, but the token is revoked since
        raise Forbidden("token revoked")
    session = PREFIX + secrets.token_urlsafe(32)
    ends = now + timedelta(minutes=minutes)
    table.put({"pk": PK, "sk": tokens.hash_token(session), "token": parent,
               "created_at": _iso(now), "eindigt": _iso(ends),
               "expires_at": int((ends + TTL_SLACK).timestamp())}, if_new=True)
    log_event("beheer.sessie_gestart", token_id=owner["token_id"], role=owner["role"],
              minuten=minutes)
    return {"sessie": session, **_described(owner, ends, now)}


def authenticate(session: str, table: Table, now: datetime) -> tokens.Principal | None:
    """The principal of a live session (its token's name and role), else None."""
    item = _session(table, session)
    if item is None or now >= _time(item["eindigt"]):
        return None
    owner = _owner(table, item.get("token", ""))
    if owner is None:
        return None
    return tokens.Principal(token_id=owner["token_id"], name=owner["name"], role=owner["role"])


def describe(bearer: str, principal: Mapping[str, str], table: Table,
             now: datetime) -> dict[str, Any]:
    """``GET /beheer/sessie``: who is signed in, and until when (null for a plain token)."""
    item = _session(table, bearer) if is_session(bearer) else None
    if item is None:
        return {"naam": principal.get("name"), "rol": principal.get("role"), "eindigt": None,
                "seconden": None}
    owner = {"name": principal.get("name"), "role": principal.get("role")}
    return _described(owner, _time(item["eindigt"]), now)


def stop(bearer: str, table: Table, principal: Mapping[str, str]) -> dict[str, Any]:
    """Sign out: the session is deleted (idempotent). A plain token is not a session: 400."""
    if not is_session(bearer):
        raise ValidationError({"_body": "beheer.fout.geen_sessie"})
    table.transact_write([TxDelete(PK, tokens.hash_token(bearer))])
    log_event("beheer.sessie_gestopt", token_id=principal.get("token_id"),
              role=principal.get("role"))
    return {"uitgelogd": True}


# --- helpers ---------------------------------------------------------------------------

def _session(table: Table, session: str) -> dict[str, Any] | None:
    if not is_session(session) or len(session) > MAX_LENGTH:
        return None
    digest = tokens.hash_token(session)
    item = table.get(PK, digest)
    if not item or not hmac.compare_digest(str(item.get("sk", "")), digest):
        return None
    return item


def _owner(table: Table, token_hash: str) -> dict[str, Any] | None:
    if not token_hash:
        return None
    owner = table.get(tokens.TOKEN_PK, token_hash)
    if not owner or owner.get("revoked_at"):
        return None
    return owner


def _described(owner: Mapping[str, Any], ends: datetime, now: datetime) -> dict[str, Any]:
    return {"naam": owner.get("name"), "rol": owner.get("role"), "eindigt": _iso(ends),
            "seconden": max(0, int((ends - now).total_seconds()))}


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
