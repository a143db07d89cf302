"""Bearer tokens for the board and the werkgroepen.

A token is random (256 bits), shown once when issued, and stored only as its SHA-256
hash (a slow hash adds nothing for random secrets of this size). Each carries a name
(who) and a role, and can be revoked.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from functions.adapters.dynamo import Table
from functions.config import ROLES
from functions.errors import NotFound, ValidationError

TOKEN_PK = "TOKENS"
PREFIX = "bij1_"
SESSION_PREFIX = "bij1s_"  # a browser session of a token (functions.beheer.sessie)


@dataclass(frozen=True)
class Principal:
    token_id: str
    name: str
    role: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(role: str, name: str, table: Table, now: datetime) -> tuple[str, Principal]:
    """Create a token for ``name`` with ``role``; return the token (only now) and its principal."""
    name = name.strip()
    problems = {}
    if role not in ROLES:
        problems["role"] = f"unknown role {role!r}; choose one of {', '.join(ROLES)}"
    if not name or len(name) > 80:
        problems["name"] = "a name of 1 to 80 characters is required"
    if problems:
        raise ValidationError(problems)
    token = PREFIX + secrets.token_urlsafe(32)
    digest = hash_token(token)
    principal = Principal(token_id=digest[:12], name=name, role=role)
    table.put({"pk": TOKEN_PK, "sk": digest, "token_id": principal.token_id, "name": name,
               "role": role, "created_at": now.isoformat()}, if_new=True)
    return token, principal


def authenticate(token: str, table: Table, now: datetime | None = None) -> Principal | None:
    """The principal of a valid, unrevoked token (or of a live browser session of one:
    ``functions/beheer/sessie.py``), else None."""
    if token and token.startswith(SESSION_PREFIX):
        from functions.beheer import sessie

        return sessie.authenticate(token, table, now or datetime.now(timezone.utc))
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    item = table.get(TOKEN_PK, digest)
    if not item or item.get("revoked_at") or not hmac.compare_digest(item["sk"], digest):
        return None
    return Principal(token_id=item["token_id"], name=item["name"], role=item["role"])


def list_tokens(table: Table) -> list[dict]:
    items, _ = table.query(TOKEN_PK)
    return [{k: i.get(k) for k in ("token_id", "name", "role", "created_at", "revoked_at")}
            for i in items]


def revoke(token_id: str, table: Table, now: datetime) -> Principal:
    """Revoke by the short token id shown by ``list_tokens`` (the token itself is not needed)."""
    items, _ = table.query(TOKEN_PK)
    for item in items:
        if item["token_id"] == token_id:
            item["revoked_at"] = now.isoformat()
            table.put(item)
            return Principal(token_id=token_id, name=item["name"], role=item["role"])
    raise NotFound(f"no token with id {token_id}")
