"""The manifest: one entry per archived version, each holding the hash of the one before.

An entry's ``hash`` is the SHA-256 of the canonical JSON of its fields (``FIELDS``, sorted
keys, no spaces, UTF-8), ``vorige_hash`` included; the first entry's ``vorige_hash`` is 64
zeros. Changing, removing or inserting any entry changes every hash after it, so a copy of
one recent hash (the versions page shows each) proves the whole history before it
(docs/decisions/008-manifest-hash-chain.md). Pure functions: no AWS here.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

PK = "MANIFEST"
HEAD_SK = "HEAD"
GENESIS = "0" * 64
FIELDS = ("seq", "vorige_hash", "sleutel", "versie_id", "sha256", "grootte", "content_type",
          "datum", "stuk", "openbaar", "titel", "uploader", "upload_id", "ontvangen_op",
          "vastgelegd_op")


def entry_sk(seq: int) -> str:
    return f"ENTRY#{seq:08d}"


def canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps({k: fields.get(k) for k in FIELDS}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def entry_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def new_entry(seq: int, vorige_hash: str, **fields: Any) -> dict[str, Any]:
    """A complete entry (its fields and its hash), ready to store."""
    entry = {"seq": seq, "vorige_hash": vorige_hash, **fields}
    missing = [f for f in FIELDS if f not in entry]
    if missing:
        raise ValueError(f"manifest entry without {missing}")
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise ValueError(f"manifest entry with unknown fields {unknown}")
    return {**{k: entry[k] for k in FIELDS}, "hash": entry_hash(entry)}
