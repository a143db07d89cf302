"""Dates, times and places in words, per language, from the catalogs (no locale needed:
Lambda has none): "dinsdag 29 december 2026, 20:00–21:30" / "Tuesday 29 December 2026"."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.kalender.activiteiten import Activiteit


def dag(when: datetime, lang: str, catalogs: Any) -> str:
    t = catalogs.gettext
    return t(lang, "kalender.datum", weekdag=t(lang, f"kalender.weekdag.{when.isoweekday()}"),
             dag=when.day, maand=t(lang, f"kalender.maand.{when.month}"), jaar=when.year)


def kort(when: datetime, lang: str, catalogs: Any) -> str:
    t = catalogs.gettext
    return t(lang, "kalender.datum_kort", weekdag=t(lang, f"kalender.weekdag_kort.{when.isoweekday()}"),
             dag=when.day, maand=t(lang, f"kalender.maand.{when.month}"), tijd=f"{when:%H:%M}")


def wanneer(start: datetime, eind: datetime, lang: str, catalogs: Any) -> str:
    return f"{dag(start, lang, catalogs)}, {start:%H:%M}–{eind:%H:%M}"


def plaats(a: Activiteit, lang: str) -> str:
    if a.plaats is None:
        return ""
    naam = a.plaats.naam.get(lang) or a.plaats.naam.get("nl", "")
    return f"{naam}, {a.plaats.adres}" if a.plaats.adres else naam


def beschrijf(a: Activiteit, lang: str, catalogs: Any) -> dict[str, str]:
    """The words a page or mail shows for one occurrence."""
    return {"titel": a.titel.get(lang) or a.titel["nl"],
            "wanneer": wanneer(a.start, a.eind, lang, catalogs),
            "kort": kort(a.start, lang, catalogs),
            "dag": dag(a.start, lang, catalogs), "tijd": f"{a.start:%H:%M}–{a.eind:%H:%M}",
            "plaats": plaats(a, lang),
            "toegankelijk": (a.plaats.toegankelijk or {}).get(lang, "") if a.plaats else "",
            "week": str(a.start.isocalendar().week),
            # a moved occurrence: when it was planned (what a member may still have in mind)
            "was": (f"{dag(a.oorspronkelijke_start, lang, catalogs)}, {a.oorspronkelijke_start:%H:%M}"
                    if a.verplaatst and a.oorspronkelijke_start != a.start else "")}
