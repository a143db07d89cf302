"""Anti-spam without tracking: an HMAC-signed, timestamped form token and a honeypot.

A token is ``v1.<issued epoch seconds>.<nonce>.<hmac-sha256 hex>``. It says nothing
about the person: no IP address, no cookie, no user agent. A form sent sooner than the
minimum age after the token was issued gets a retryable answer (429 with Retry-After;
the form again with every value kept); a token that is missing, forged or older than
``MAX_AGE`` is a plain validation error, so a person who left the form open gets a fresh
one and loses nothing. A filled honeypot is answered like success and dropped. A token
is good for one report (``intake.ontvang`` claims it with a conditional write).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from enum import Enum

VERSION = "v1"
MAX_AGE_SECONDS = 2 * 60 * 60
CLOCK_SKEW_SECONDS = 30  # tokens from a Lambda whose clock is slightly ahead
HONEYPOT_FIELD = "website"  # invisible to people (and to screen readers); bots fill it


class Check(Enum):
    OK = "ok"
    TOO_YOUNG = "too_young"   # sent faster than a person can: spam
    EXPIRED = "expired"
    INVALID = "invalid"       # missing, malformed or wrongly signed


def _sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).hexdigest()


def issue(secret: str, now: datetime) -> str:
    """A fresh token for one form."""
    if not secret:
        raise ValueError("form secret is empty")
    payload = f"{VERSION}.{int(now.timestamp())}.{secrets.token_hex(8)}"
    return f"{payload}.{_sign(secret, payload)}"


def check(token: str, secret: str, now: datetime, min_age_seconds: int,
          max_age_seconds: int = MAX_AGE_SECONDS) -> Check:
    """Verify signature first (constant time), then age."""
    parts = (token or "").strip().split(".")
    if len(parts) != 4 or parts[0] != VERSION or not parts[1].isdigit() or len(parts[1]) > 12:
        return Check.INVALID
    payload = ".".join(parts[:3])
    try:
        expected = _sign(secret, payload)
    except UnicodeEncodeError:
        return Check.INVALID
    if not secret or not hmac.compare_digest(expected.encode(), parts[3].encode("utf-8", "replace")):
        return Check.INVALID
    age = now.timestamp() - int(parts[1])
    if age < -CLOCK_SKEW_SECONDS:
        return Check.INVALID
    age = max(age, 0.0)  # a slightly fast clock elsewhere is not a bot
    if age < min_age_seconds:
        return Check.TOO_YOUNG
    if age > max_age_seconds:
        return Check.EXPIRED
    return Check.OK


def seconds_until_old_enough(token: str, now: datetime, min_age_seconds: int) -> int:
    """How long a too young (but genuine) token must still wait, at least 1 second."""
    parts = (token or "").strip().split(".")
    issued = int(parts[1]) if len(parts) == 4 and parts[1].isdigit() else int(now.timestamp())
    return max(1, int(issued + min_age_seconds - now.timestamp() + 0.999))


def expires_at(token: str, max_age_seconds: int = MAX_AGE_SECONDS) -> int:
    """Epoch second after which the token is no longer accepted (for a TTL)."""
    parts = (token or "").strip().split(".")
    issued = int(parts[1]) if len(parts) == 4 and parts[1].isdigit() else 0
    return issued + max_age_seconds + CLOCK_SKEW_SECONDS


def honeypot_filled(form: object) -> bool:
    """True when the hidden field has any content (people never see it)."""
    first = getattr(form, "first", None)
    value = first(HONEYPOT_FIELD) if callable(first) else ""
    return bool(value.strip())
