"""Meldpunt items written straight into a table, in the layout of docs/data-model.md.

Review, figures, retention and digest are tested on these, independent of the intake.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

UTC = timezone.utc


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
    """``CIJFERS#<month>`` / ``<wijk>`` as the intake keeps it (plain numbers, added up)."""
    item: dict[str, Any] = {"pk": f"CIJFERS#{month}", "sk": wijk, "totaal": totaal}
    for prefix, counts in (("cat", cat), ("grond", grond), ("dagdeel", dagdeel)):
        for code, n in (counts or {}).items():
            item[f"{prefix}#{code}"] = n
    return item
