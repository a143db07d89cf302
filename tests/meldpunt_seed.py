"""Meldpunt items written straight into a table, in the layout of docs/data-model.md.

Review, figures, retention and digest are tested on these, independent of the intake.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

UTC = timezone.utc


def record_key(melding_id: str) -> int:
    """A seeded report's record key: fixed per id (reproducible), spread like a random one."""
    return int.from_bytes(hashlib.sha256(melding_id.encode()).digest()[:4], "big")


def published(ids: Iterable[str], k: int = 5) -> Any:
    """What the cell key method publishes for the set of seeded reports with these ids."""
    from functions.meldpunt.celsleutel import Cel, publish

    ids = list(ids)
    return publish(Cel(len(ids), sum(record_key(i) for i in ids)), k)


def iso(when: datetime) -> str:
    """As the intake writes times: UTC to the second with a Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def report_items(melding_id: str, *, created_at: datetime, crypto: Any = None,
                 status: str = "nieuw", wijk: str = "WK051828", stadsdeel: str = "centrum",
                 categorieen: Iterable[str] = ("nafluiten",), gronden: Iterable[str] = (),
                 rol: str = "slachtoffer", datum: str | None = None, dagdeel: str = "avond",
                 beschrijving: str | None = "Iemand riep iets naar mij.",
                 email: str | None = None, telefoon: str | None = None,
                 closed_at: datetime | None = None, **extra: Any) -> list[dict[str, Any]]:
    """The report item (and its contact item when an e-mail or phone is given)."""
    datum = datum or (created_at - timedelta(days=1)).date().isoformat()
    pk = f"MELDING#{melding_id}"
    heeft_contact = bool(email or telefoon)
    report = {
        "pk": pk, "sk": "MELDING", "id": melding_id, "status": status,
        "categorieen": list(categorieen), "gronden": list(gronden), "rol": rol, "wijk": wijk,
        "stadsdeel": stadsdeel, "datum": datum, "maand": datum[:7], "dagdeel": dagdeel,
        "created_at": iso(created_at), "contact_gewenst": heeft_contact,
        "heeft_contact": heeft_contact, "receipt_hash": "0" * 64,
        "record_key": record_key(melding_id),
        "gsi1pk": "MELDINGEN", "gsi1sk": f"{iso(created_at)}#{melding_id}",
    }
    if beschrijving is not None and crypto is not None:
        report["beschrijving_enc"] = crypto.encrypt(
            beschrijving, {"purpose": "meldpunt-beschrijving", "melding": melding_id})
    if closed_at is not None:
        report["closed_at"] = iso(closed_at)
    report.update(extra)
    items = [report]
    if heeft_contact and crypto is not None:
        plain = json.dumps({"email": email or "", "telefoon": telefoon or ""})
        items.append({"pk": pk, "sk": "CONTACT",
                      "contact_enc": crypto.encrypt(plain, {"purpose": "meldpunt-contact",
                                                            "melding": melding_id}),
                      "expires_at": int((created_at + timedelta(days=372)).timestamp())})
    return items


def put_report(table: Any, melding_id: str, **kwargs: Any) -> dict[str, Any]:
    items = report_items(melding_id, **kwargs)
    for item in items:
        table.put(item)
    return items[0]


def counter_item(month: str, wijk: str, totaal: int, *, cat: dict[str, int] | None = None,
                 grond: dict[str, int] | None = None,
                 dagdeel: dict[str, int] | None = None) -> dict[str, Any]:
    """``TELLING#<month>`` / ``<wijk>`` as the review keeps it: counts, and beside each the key
    sum of as many reports (seeded reports ``<month>-<wijk>-<n>``, their keys by record_key)."""
    item: dict[str, Any] = {"pk": f"TELLING#{month}", "sk": wijk}

    def put(attribute: str, n: int) -> None:
        item[attribute] = n
        item["ks#" + attribute] = sum(record_key(f"{month}-{wijk}-{i}") for i in range(n))

    put("totaal", totaal)
    for prefix, counts in (("cat", cat), ("grond", grond), ("dagdeel", dagdeel)):
        for code, n in (counts or {}).items():
            put(f"{prefix}#{code}", n)
    return item
