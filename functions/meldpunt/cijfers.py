"""Public figures of the meldpunt: per wijk, stadsdeel, category, ground, dagdeel and month.

The figures come from the counters the intake keeps (``CIJFERS#<YYYY-MM>`` / ``<wijk>``,
docs/data-model.md): one query per requested month, never a look at the reports. Withdrawn
reports are taken off the counters by the withdrawal, spam never reaches them.

Everything published goes through :mod:`functions.meldpunt.suppressie` in one go, with
every sum that links the published numbers:

- wijken add up to their stadsdeel, stadsdelen to the grand total;
- per stadsdeel the months add up to its total, per month the stadsdelen to the month's
  total, the months to the grand total;
- per category the wijken add up to the stadsdeel and the stadsdelen to the category total
  (a report can have several categories, so categories do not add up to the total);
- the dagdelen add up to the grand total (one dagdeel per report).

Grounds are optional and several per report: each is a cell of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping

from functions.errors import ValidationError
from functions.meldpunt import opties
from functions.meldpunt.suppressie import Sum, marker, publish, suppress

# Public and the same for everyone: a CDN or browser may keep them for a few minutes.
CACHE_HEADERS = {"Cache-Control": "public, max-age=300"}
MAX_MAANDEN = 36
DEFAULT_MAANDEN = 12
ONBEKEND = opties.WIJK_ONBEKEND
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Periode:
    van: str  # YYYY-MM
    tot: str  # YYYY-MM, inclusive

    @property
    def maanden(self) -> tuple[str, ...]:
        return tuple(_months(self.van, self.tot))


@dataclass(frozen=True)
class Indeling:
    """What the figures are broken down by (codes in display order)."""

    wijken: tuple[opties.Wijk, ...]
    stadsdelen: tuple[opties.Stadsdeel, ...]
    categorieen: tuple[str, ...] = opties.CATEGORIEEN
    gronden: tuple[str, ...] = opties.GRONDEN
    dagdelen: tuple[str, ...] = opties.DAGDELEN

    @classmethod
    def den_haag(cls) -> "Indeling":
        """Den Haag's wijken and stadsdelen, plus "onbekend" (weet ik niet) as both."""
        return cls(wijken=opties.wijken() + (opties.Wijk(ONBEKEND, "Onbekend", ONBEKEND),),
                   stadsdelen=opties.stadsdelen() + (opties.Stadsdeel(ONBEKEND, "Onbekend"),))


def parse_periode(params: Mapping[str, str] | None, today: date) -> Periode:
    """``van``/``tot`` (YYYY-MM); default the last 12 months up to this one; at most 36.

    A ``tot`` after this month means "up to now" (``tot=2026-12`` for "this year");
    only a ``van`` in the future is an error.
    """
    params = params or {}
    problems: dict[str, str] = {}
    this_month = f"{today.year:04d}-{today.month:02d}"
    parsed: dict[str, str | None] = {}
    for name in ("van", "tot"):
        raw = params.get(name) or None
        if raw is not None and not _valid_month(raw):
            problems[name] = "meldpunt_cijfers.fout.maand"
            raw = None
        parsed[name] = raw
    if problems:
        raise ValidationError(problems)
    tot = min(parsed["tot"] or this_month, this_month)
    van = parsed["van"] or _add_months(tot, -(DEFAULT_MAANDEN - 1))
    if van > this_month:
        problems["van"] = "meldpunt_cijfers.fout.toekomst"
    elif van > tot:
        problems["van"] = "meldpunt_cijfers.fout.volgorde"
    elif len(_months(van, tot)) > MAX_MAANDEN:
        problems["van"] = "meldpunt_cijfers.fout.te_lang"
    if problems:
        raise ValidationError(problems)
    return Periode(van=van, tot=tot)


def read_counters(table: Any, periode: Periode) -> list[dict[str, Any]]:
    """The counter items of the requested months: one partition query per month."""
    items: list[dict[str, Any]] = []
    for month in periode.maanden:
        found, _ = table.query(f"CIJFERS#{month}")
        items.extend(found)
    return items


def figures(counters: Iterable[Mapping[str, Any]], periode: Periode, k: int,
            indeling: Indeling | None = None) -> dict[str, Any]:
    """The published figures (JSON-ready): every count a number, or ``"<k"`` when hidden."""
    indeling = indeling or Indeling.den_haag()
    values, sums = cells(counters, periode, indeling)
    shown = publish(values, suppress(values, sums, k), k)
    months = periode.maanden
    wijken_by_sd = _wijken_by_stadsdeel(indeling)
    return {
        "k": k,
        "onderdrukt": marker(k),
        "van": periode.van,
        "tot": periode.tot,
        "maanden": list(months),
        "totaal": shown[("totaal",)],
        "per_maand": {m: shown[("maand", m)] for m in months},
        "per_categorie": {c: shown[("cat", c)] for c in indeling.categorieen},
        "per_grond": {g: shown[("grond", g)] for g in indeling.gronden},
        "per_dagdeel": {d: shown[("dagdeel", d)] for d in indeling.dagdelen},
        "stadsdelen": {
            sd.code: {"naam": sd.naam, "totaal": shown[("sd", sd.code)],
                      "wijken": [w.code for w in wijken_by_sd[sd.code]],
                      "per_maand": {m: shown[("sd_maand", sd.code, m)] for m in months},
                      "per_categorie": {c: shown[("sd_cat", sd.code, c)]
                                        for c in indeling.categorieen}}
            for sd in indeling.stadsdelen},
        "wijken": {
            w.code: {"naam": w.naam, "stadsdeel": w.stadsdeel, "totaal": shown[("wijk", w.code)],
                     "per_categorie": {c: shown[("wijk_cat", w.code, c)]
                                       for c in indeling.categorieen}}
            for w in indeling.wijken},
    }


def cells(counters: Iterable[Mapping[str, Any]], periode: Periode, indeling: Indeling
          ) -> tuple[dict[tuple, int], list[Sum]]:
    """Every publishable count and the sums that link them (see the module docstring)."""
    months = periode.maanden
    known_wijken = {w.code for w in indeling.wijken}
    wijk_sd = {w.code: w.stadsdeel for w in indeling.wijken}
    by_sd = _wijken_by_stadsdeel(indeling)
    # raw[(wijk, month)] = the counter item's numbers
    totaal: dict[tuple[str, str], int] = {}
    cat: dict[tuple[str, str], int] = {}
    grond: dict[str, int] = {g: 0 for g in indeling.gronden}
    dagdeel: dict[str, int] = {d: 0 for d in indeling.dagdelen}
    for item in counters:
        month = str(item.get("pk", ""))[len("CIJFERS#"):]
        if month not in months:
            continue
        wijk = item.get("sk") if item.get("sk") in known_wijken else ONBEKEND
        totaal[(wijk, month)] = totaal.get((wijk, month), 0) + _n(item.get("totaal"))
        for c in indeling.categorieen:
            cat[(wijk, c)] = cat.get((wijk, c), 0) + _n(item.get(f"cat#{c}"))
        for g in indeling.gronden:
            grond[g] += _n(item.get(f"grond#{g}"))
        for d in indeling.dagdelen:
            dagdeel[d] += _n(item.get(f"dagdeel#{d}"))

    values: dict[tuple, int] = {}
    sums: list[Sum] = []
    for sd in indeling.stadsdelen:
        ws = [w.code for w in by_sd[sd.code]]
        for w in ws:
            values[("wijk", w)] = sum(totaal.get((w, m), 0) for m in months)
        for m in months:
            values[("sd_maand", sd.code, m)] = sum(totaal.get((w, m), 0) for w in ws)
        values[("sd", sd.code)] = sum(values[("wijk", w)] for w in ws)
        sums.append(Sum(("sd", sd.code), tuple(("wijk", w) for w in ws)))
        sums.append(Sum(("sd", sd.code), tuple(("sd_maand", sd.code, m) for m in months)))
    for m in months:
        values[("maand", m)] = sum(values[("sd_maand", sd.code, m)] for sd in indeling.stadsdelen)
        sums.append(Sum(("maand", m),
                        tuple(("sd_maand", sd.code, m) for sd in indeling.stadsdelen)))
    values[("totaal",)] = sum(values[("sd", sd.code)] for sd in indeling.stadsdelen)
    sums.append(Sum(("totaal",), tuple(("sd", sd.code) for sd in indeling.stadsdelen)))
    sums.append(Sum(("totaal",), tuple(("maand", m) for m in months)))

    for c in indeling.categorieen:
        for sd in indeling.stadsdelen:
            ws = [w.code for w in by_sd[sd.code]]
            for w in ws:
                values[("wijk_cat", w, c)] = cat.get((w, c), 0)
            values[("sd_cat", sd.code, c)] = sum(values[("wijk_cat", w, c)] for w in ws)
            sums.append(Sum(("sd_cat", sd.code, c), tuple(("wijk_cat", w, c) for w in ws)))
        values[("cat", c)] = sum(values[("sd_cat", sd.code, c)] for sd in indeling.stadsdelen)
        sums.append(Sum(("cat", c), tuple(("sd_cat", sd.code, c) for sd in indeling.stadsdelen)))

    for g in indeling.gronden:
        values[("grond", g)] = grond[g]
    for d in indeling.dagdelen:
        values[("dagdeel", d)] = dagdeel[d]
    # One dagdeel per report: the dagdelen add up to the total (when a dagdeel is left out
    # somewhere this sum is merely conservative: it can only hide more).
    sums.append(Sum(("totaal",), tuple(("dagdeel", d) for d in indeling.dagdelen)))
    if any(wijk_sd.get(w) is None for w in known_wijken):  # pragma: no cover - data error
        raise ValueError("a wijk without a stadsdeel")
    return values, sums


# --- helpers -------------------------------------------------------------------------

def _n(value: Any) -> int:
    try:
        return max(0, int(value or 0))  # a counter below zero would be a bug; never publish it
    except (TypeError, ValueError):
        return 0


def _wijken_by_stadsdeel(indeling: Indeling) -> dict[str, list[opties.Wijk]]:
    out: dict[str, list[opties.Wijk]] = {sd.code: [] for sd in indeling.stadsdelen}
    for w in indeling.wijken:
        out.setdefault(w.stadsdeel, []).append(w)
    return out


def _valid_month(raw: str) -> bool:
    match = _MONTH_RE.match(raw)
    return bool(match) and 2000 <= int(match.group(1)) <= 2999 and 1 <= int(match.group(2)) <= 12


def _add_months(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _months(van: str, tot: str) -> list[str]:
    out, month = [], van
    while month <= tot and len(out) <= MAX_MAANDEN + 1:
        out.append(month)
        month = _add_months(month, 1)
    return out


def month_parts(month: str) -> tuple[int, int]:
    """(year, month number) of a YYYY-MM string, for labels."""
    return int(month[:4]), int(month[5:7])




def page_context(data: Mapping[str, Any], catalogs: Any, lang: str) -> dict[str, Any]:
    """What ``templates/meldpunt/cijfers.html`` needs: the figures and four bar charts."""
    from functions.meldpunt.svg import bar_chart  # small; keeps the JSON route lighter

    def gettext(key: str, **params: Any) -> str:
        return catalogs.gettext(lang, key, **params)

    def month_label(month: str) -> str:
        year, number = month_parts(month)
        return f"{gettext(f'meldpunt_cijfers.maand.{number}')} {year}"

    van, tot = month_label(data["van"]), month_label(data["tot"])

    def chart(chart_id: str, title_key: str, column_key: str, rows: list[tuple[str, Any]]):
        title = gettext(title_key)
        desc = gettext("meldpunt_cijfers.desc", titel=title, van=van, tot=tot,
                       marker=data["onderdrukt"])
        return {"chart": bar_chart(chart_id, title, desc, rows),
                "column": gettext(column_key)}

    def place(code: str, naam: str) -> str:
        return gettext("meldpunt_cijfers.onbekend") if code == ONBEKEND else naam

    stadsdelen = data["stadsdelen"]
    wijken = data["wijken"]
    sd_order = sorted(stadsdelen, key=lambda c: (c == ONBEKEND, stadsdelen[c]["naam"]))
    wijk_order = sorted(wijken, key=lambda c: (c == ONBEKEND, wijken[c]["naam"]))
    charts = [
        chart("per-stadsdeel", "meldpunt_cijfers.per_stadsdeel", "meldpunt_cijfers.kol.stadsdeel",
              [(place(c, stadsdelen[c]["naam"]), stadsdelen[c]["totaal"]) for c in sd_order]),
        chart("per-wijk", "meldpunt_cijfers.per_wijk", "meldpunt_cijfers.kol.wijk",
              [(place(c, wijken[c]["naam"]), wijken[c]["totaal"]) for c in wijk_order]),
        chart("per-categorie", "meldpunt_cijfers.per_categorie", "meldpunt_cijfers.kol.categorie",
              [(gettext(f"meldpunt_cijfers.categorie.{c}"), v)
               for c, v in data["per_categorie"].items()]),
        chart("per-maand", "meldpunt_cijfers.per_maand", "meldpunt_cijfers.kol.maand",
              [(month_label(m), v) for m, v in data["per_maand"].items()]),
    ]
    return {"cijfers": data, "grafieken": charts, "van_label": van, "tot_label": tot,
            "kmin1": data["k"] - 1, "marker": data["onderdrukt"], "max_maanden": MAX_MAANDEN}


def publiceer(params: Mapping[str, str] | None, table: Any, k: int, today: date) -> dict[str, Any]:
    """``GET /meldpunt/cijfers(.json)``: parse the period, read its counters, suppress."""
    periode = parse_periode(params, today)
    return figures(read_counters(table, periode), periode, k)


def vandaag(now: Any = None) -> date:
    """Today in Den Haag (the current month ends at midnight local time, not UTC)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo("Europe/Amsterdam")).date()
