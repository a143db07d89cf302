"""Receipt codes: random, easy to read aloud and type, shown once, stored only as a hash.

Format: 16 characters of Crockford base32 in groups of four (``7KQ2-M9XD-...``), i.e.
80 random bits, so guessing one is hopeless and a plain sha256 (without salt) is safe
to store. Reading is forgiving: case, spaces and dashes do not matter, and the
letters people confuse with digits (O, I, L) are read as 0 and 1.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 16
GROUP = 4
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def nieuw() -> str:
    """A fresh code, formatted for people (with dashes)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def voor_token(token: str, secret: str) -> str:
    """The code of the report sent with this form token: 80 bits of HMAC-SHA256 under the
    form secret. A resend of the same form (a double click, a script's retry) gets the same
    code without the code being stored anywhere; without the secret nobody can compute it."""
    digest = hmac.new(secret.encode("utf-8"), b"ontvangstcode\x00" + token.encode("utf-8"),
                      hashlib.sha256).digest()
    number = int.from_bytes(digest[:10], "big")  # 80 bits = 16 base32 characters
    raw = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(LENGTH - 1, -1, -1))
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def normaliseer(code: str) -> str:
    """The canonical form that is hashed (uppercase, no separators, O→0, I/L→1)."""
    cleaned = "".join(ch for ch in (code or "")[:64] if ch not in " -_.\t\r\n")
    return cleaned.upper().translate(_CONFUSABLE)


def opgemaakt(code: str) -> str:
    """A valid code in its printed form: four groups of four, with dashes."""
    raw = normaliseer(code)
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def is_geldig(code: str) -> bool:
    norm = normaliseer(code)
    return len(norm) == LENGTH and all(ch in ALPHABET for ch in norm)


def hash_van(code: str) -> str:
    """sha256 hex of the canonical form: the only trace of the code we keep."""
    return hashlib.sha256(normaliseer(code).encode("utf-8")).hexdigest()
