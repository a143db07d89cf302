"""Public figures of the meldpunt: per wijk, stadsdeel, category, ground, dagdeel and month.

The figures come from the counters of reviewed reports (``TELLING#<YYYY-MM>`` / ``<wijk>``,
functions.meldpunt.telling): one query per month of the period, never a look at the reports.

Every number goes through the cell key method (functions.meldpunt.celsleutel): each is the
count of one set of reports plus a noise of at most 2 that only that set determines, or
``"<k"``. Periods are fixed and never overlap within a kind: a calendar month, a quarter or
a year (``periode=2026``, ``2026-K4`` or ``2026-Q4``, ``2026-11``; default this year), so
a report is seen in at most three published sets per breakdown, and an arbitrary ``van``..
``tot`` range (whose differences gave small months away) is not offered.
docs/decisions/010-cell-key-method.md says why, and what can still be learnt.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping

from functions.errors import ValidationError
from functions.meldpunt import opties, telling
from functions.meldpunt.celsleutel import D, Cel, marker, publish

# Public and the same for everyone: a CDN or browser may keep them for a few minutes.
CACHE_HEADERS = {"Cache-Control": "public, max-age=300"}
ONBEKEND = opties.WIJK_ONBEKEND
QUERY = ("periode", "van", "tot")
_YEAR_RE = re.compile(r"^(\d{4})$")
_QUARTER_RE = re.compile(r"^(\d{4})-[QqKk]([1-4])$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Periode:
    soort: str  # "jaar", "kwartaal", "maand"
    jaar: int
    nummer: int = 0  # the quarter (1-4) or month (1-12); 0 for a year

    @property
    def code(self) -> str:
        if self.soort == "jaar":
            return f"{self.jaar:04d}"
        if self.soort == "kwartaal":
            return f"{self.jaar:04d}-K{self.nummer}"
        return f"{self.jaar:04d}-{self.nummer:02d}"

    @property
    def maanden(self) -> tuple[str, ...]:
        if self.soort == "jaar":
            numbers = range(1, 13)
        elif self.soort == "kwartaal":
            numbers = range(3 * self.nummer - 2, 3 * self.nummer + 1)
        else:
            numbers = range(self.nummer, self.nummer + 1)
        return tuple(f"{self.jaar:04d}-{m:02d}" for m in numbers)

    @property
    def van(self) -> str:
        return self.maanden[0]

    @property
    def tot(self) -> str:
        return self.maanden[-1]


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
        """The afdeling's wijken and stadsdelen, plus "onbekend" (weet ik niet) as both."""
        return cls(wijken=opties.wijken() + (opties.Wijk(ONBEKEND, "Onbekend", ONBEKEND),),
                   stadsdelen=opties.stadsdelen() + (opties.Stadsdeel(ONBEKEND, "Onbekend"),))


def parse_periode(params: Mapping[str, str] | None, today: date) -> Periode:
    """``periode``: a year (2026), a quarter (2026-K4 or 2026-Q4) or a month (2026-11);
    default this year. A period that has begun is shown so far; a future one is an error."""
    params = params or {}
    if params.get("van") or params.get("tot"):
        raise ValidationError({name: "meldpunt_cijfers.fout.van_tot"
                               for name in ("van", "tot") if params.get(name)})
    raw = (params.get("periode") or "").strip()
    if not raw:
        return Periode("jaar", today.year)
    periode = _periode(raw)
    if periode is None:
        raise ValidationError({"periode": "meldpunt_cijfers.fout.periode"})
    if periode.van > f"{today.year:04d}-{today.month:02d}":
        raise ValidationError({"periode": "meldpunt_cijfers.fout.toekomst"})
    return periode


def _periode(raw: str) -> Periode | None:
    for pattern, soort in ((_YEAR_RE, "jaar"), (_QUARTER_RE, "kwartaal"), (_MONTH_RE, "maand")):
        match = pattern.match(raw)
        if match:
            year = int(match.group(1))
            number = int(match.group(2)) if soort != "jaar" else 0
            if not 2000 <= year <= 2999 or (soort == "maand" and not 1 <= number <= 12):
                return None
            return Periode(soort, year, number)
    return None


def read_counters(table: Any, periode: Periode) -> list[dict[str, Any]]:
    """The counter items of the period's months: one partition query per month."""
    items: list[dict[str, Any]] = []
    for month in periode.maanden:
        found, _ = table.query(telling.pk(month))
        items.extend(found)
    return items


def figures(counters: Iterable[Mapping[str, Any]], periode: Periode, k: int,
            indeling: Indeling | None = None) -> dict[str, Any]:
    """The published figures (JSON-ready): every count a number of at least k, or ``"<k"``."""
    indeling = indeling or Indeling.den_haag()
    cel = cells(counters, periode, indeling)

    def shown(*key: Any) -> Any:
        return publish(cel.get(key, Cel()), k)

    months = periode.maanden
    wijken_by_sd = _wijken_by_stadsdeel(indeling)
    return {
        "k": k,
        "onderdrukt": marker(k),
        "max_afwijking": D,
        "methode": METHODE,
        "periode": periode.code,
        "soort": periode.soort,
        "van": periode.van,
        "tot": periode.tot,
        "maanden": list(months),
        "totaal": shown("totaal"),
        "per_maand": {m: shown("maand", m) for m in months},
        "per_categorie": {c: shown("cat", c) for c in indeling.categorieen},
        "per_grond": {g: shown("grond", g) for g in indeling.gronden},
        "per_dagdeel": {d: shown("dagdeel", d) for d in indeling.dagdelen},
        "stadsdelen": {
            sd.code: {"naam": sd.naam, "totaal": shown("sd", sd.code),
                      "wijken": [w.code for w in wijken_by_sd[sd.code]],
                      "per_maand": {m: shown("sd_maand", sd.code, m) for m in months},
                      "per_categorie": {c: shown("sd_cat", sd.code, c)
                                        for c in indeling.categorieen}}
            for sd in indeling.stadsdelen},
        "wijken": {
            w.code: {"naam": w.naam, "stadsdeel": w.stadsdeel, "totaal": shown("wijk", w.code),
                     "per_categorie": {c: shown("wijk_cat", w.code, c)
                                       for c in indeling.categorieen}}
            for w in indeling.wijken},
    }


METHODE = {
    "nl": "Elk getal is een echt aantal plus een kleine afwijking van hoogstens 2, steeds dezelfde "
          "voor dezelfde meldingen; minder dan 5 tonen we als \"<5\". Zo is niemand te herkennen, "
          "ook niet door cijfers van verschillende periodes van elkaar af te trekken. Alleen "
          "meldingen die de werkgroep heeft bekeken tellen mee.",
    "en": "Every number is a true count plus a small change of at most 2, always the same for the "
          "same reports; fewer than 5 is shown as \"<5\". That way nobody can be recognised, not "
          "even by subtracting figures of different periods. Only reports the working group has "
          "looked at are counted.",
}


def cells(counters: Iterable[Mapping[str, Any]], periode: Periode, indeling: Indeling
          ) -> dict[tuple, Cel]:
    """Every publishable cell of the period: its count and its reports' key sum."""
    months = set(periode.maanden)
    known = {w.code for w in indeling.wijken}
    wijk_sd = {w.code: w.stadsdeel for w in indeling.wijken}
    out: dict[tuple, Cel] = {}

    def add(key: tuple, item: Mapping[str, Any], attribute: str) -> None:
        value = Cel(_n(item.get(attribute)), _n(item.get(telling.KEY_SUM_PREFIX + attribute)))
        if value.n:
            out[key] = out.get(key, Cel()) + value

    for item in counters:
        month = str(item.get("pk", ""))[len(telling.PK_PREFIX):]
        if month not in months:
            continue
        wijk = item.get("sk") if item.get("sk") in known else ONBEKEND
        sd = wijk_sd[wijk]
        for key in (("totaal",), ("maand", month), ("sd", sd), ("sd_maand", sd, month),
                    ("wijk", wijk)):
            add(key, item, "totaal")
        for c in indeling.categorieen:
            for key in (("cat", c), ("sd_cat", sd, c), ("wijk_cat", wijk, c)):
                add(key, item, f"cat#{c}")
        for g in indeling.gronden:
            add(("grond", g), item, f"grond#{g}")
        for d in indeling.dagdelen:
            add(("dagdeel", d), item, f"dagdeel#{d}")
    return out


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


def month_parts(month: str) -> tuple[int, int]:
    """(year, month number) of a YYYY-MM string, for labels."""
    return int(month[:4]), int(month[5:7])


def label(periode: Periode, gettext: Any) -> str:
    """A period as people say it: "2026", "4e kwartaal 2026", "november 2026"."""
    if periode.soort == "jaar":
        return str(periode.jaar)
    if periode.soort == "kwartaal":
        return gettext("meldpunt_cijfers.kwartaal", n=periode.nummer, jaar=periode.jaar)
    return f"{gettext(f'meldpunt_cijfers.maand.{periode.nummer}')} {periode.jaar}"


def keuzes(today: date, years: int = 3) -> list[tuple[str, list[Periode]]]:
    """The periods the page offers, newest first: years, quarters and months that have begun."""
    this_month = f"{today.year:04d}-{today.month:02d}"
    span = range(today.year, today.year - years, -1)
    groups = [("jaar", [Periode("jaar", y) for y in span]),
              ("kwartaal", [Periode("kwartaal", y, q) for y in span for q in (4, 3, 2, 1)]),
              ("maand", [Periode("maand", y, m) for y in span for m in range(12, 0, -1)])]
    return [(soort, [p for p in options if p.van <= this_month]) for soort, options in groups]


def page_context(data: Mapping[str, Any], catalogs: Any, lang: str,
                 today: date | None = None) -> dict[str, Any]:
    """What ``templates/meldpunt/cijfers.html`` needs: the figures and four bar charts."""
    from functions.charts import staven

    def gettext(key: str, **params: Any) -> str:
        return catalogs.gettext(lang, key, **params)

    periode = _periode(data["periode"])
    assert periode is not None

    def month_label(month: str) -> str:
        year, number = month_parts(month)
        return f"{gettext(f'meldpunt_cijfers.maand.{number}')} {year}"

    def place(code: str, naam: str) -> str:
        return gettext("meldpunt_cijfers.onbekend") if code == ONBEKEND else naam

    def chart(chart_id: str, title_key: str, column_key: str, rows: list[tuple[str, Any]]):
        return {"id": chart_id, "titel": gettext(title_key), "kolom": gettext(column_key),
                "staven": staven(rows)}

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
    ]
    if len(data["maanden"]) > 1:
        charts.append(chart("per-maand", "meldpunt_cijfers.per_maand", "meldpunt_cijfers.kol.maand",
                            [(month_label(m), v) for m, v in data["per_maand"].items()]))
    options = [(gettext(f"meldpunt_cijfers.soort.{soort}"),
                [(p.code, label(p, gettext)) for p in group])
               for soort, group in keuzes(today or vandaag())]
    return {"cijfers": data, "grafieken": charts, "periode_label": label(periode, gettext),
            "keuzes": options, "kmin1": data["k"] - 1, "marker": data["onderdrukt"],
            "max_afwijking": data["max_afwijking"]}


def publiceer(params: Mapping[str, str] | None, table: Any, k: int, today: date) -> dict[str, Any]:
    """``GET /meldpunt/cijfers(.json)``: parse the period, read its counters, perturb."""
    periode = parse_periode(params, today)
    return figures(read_counters(table, periode), periode, k)


def vandaag(now: Any = None) -> date:
    """Today in Den Haag (the current month ends at midnight local time, not UTC)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo("Europe/Amsterdam")).date()
