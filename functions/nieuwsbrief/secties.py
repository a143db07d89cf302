"""The sections of the monthly newsletter, each from a small provider.

A provider takes a :class:`Bron` (what it may read, and for which issue) and returns its
section as plain JSON-ready data, or None when it has nothing (a section whose source does
not exist yet, or is empty this month, is simply left out). The order of PROVIDERS is the
order in the mail. Adding a section is one function and one line.

The section data is stored with the issue, so the preview, the test mail, the sent mail and
the archive page all show the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Optional

from functions.nieuwsbrief.planning import maand_grenzen, vorige_maand

Section = dict[str, Any]


@dataclass(frozen=True)
class Bron:
    table: Any
    maand: str          # the month, YYYY-MM
    now: datetime       # when it is compiled
    today: date         # that day in the afdeling's time zone
    k: int              # the meldpunt's threshold
    base_url: str       # the public URL of the API, for links


def agenda(bron: Bron) -> Optional[Section]:
    """The month's meetings (board, werkgroepen, afdelingsbijeenkomst, themaBIJ1komst
    highlighted), each with its add-to-calendar link (the kalender's public feed data)."""
    from functions.i18n import default_catalogs
    from functions.kalender.activiteiten import activiteiten_tussen
    from functions.kalender.teksten import wanneer

    start, end = maand_grenzen(bron.maand)
    found = activiteiten_tussen(bron.table, start, end, base_url=bron.base_url)
    if not found:
        return None
    catalogs = default_catalogs()
    rows = []
    for a in found:
        place = a.get("plaats") or {}
        rows.append({"wanneer": wanneer(a["start"], a["eind"], "nl", catalogs),
                     "titel": a["titel"].get("nl") or "",
                     "thema": (a.get("thema") or True) if a.get("themabij1komst") else None,
                     "waar": (place.get("naam") or {}).get("nl") or ("online" if a.get("link") else ""),
                     "geannuleerd": bool(a.get("geannuleerd")), "ics": a["ics_url"]})
    return {"soort": "agenda", "activiteiten": rows}


def meldpunt(bron: Bron) -> Optional[Section]:
    """The meldpunt's figures of the last complete month, through the cell key method."""
    from functions.meldpunt import cijfers

    month = vorige_maand(f"{bron.today.year:04d}-{bron.today.month:02d}")
    data = cijfers.publiceer({"periode": month}, bron.table, bron.k, bron.today)
    stadsdelen = data["stadsdelen"]
    order = sorted(stadsdelen, key=lambda c: (c == cijfers.ONBEKEND, stadsdelen[c]["naam"]))
    return {"soort": "meldpunt", "maand": month, "totaal": data["totaal"], "k": data["k"],
            "marker": data["onderdrukt"], "max_afwijking": data["max_afwijking"],
            "per_stadsdeel": [[stadsdelen[c]["naam"] if c != cijfers.ONBEKEND else None,
                               stadsdelen[c]["totaal"]] for c in order],
            "per_categorie": [[c, v] for c, v in data["per_categorie"].items()],
            "url": f"{bron.base_url}/meldpunt/cijfers?periode={month}"}


def artikelen(bron: Bron) -> Optional[Section]:
    """Werkgroep Communicatie's articles for the month, Markdown rendered and sanitised."""
    from functions.nieuwsbrief import artikelen as store

    found = store.lijst(bron.table, bron.maand)
    if not found:
        return None
    from functions import markdown  # deferred: the parser costs ~50 ms to import

    return {"soort": "artikelen",
            "artikelen": [{"titel": a["titel"], "html": markdown.to_html(a["tekst"]),
                           "tekst": markdown.to_text(a["tekst"])} for a in found]}


def bestuur(bron: Bron) -> Optional[Section]:
    """The board's agendas and besluitenlijsten archived since the last issue (links to their
    public view; never content, so never a besloten part)."""
    from datetime import timedelta

    from functions.agendas.archief import gearchiveerd_tussen
    from functions.nieuwsbrief import uitgave

    previous = uitgave.opgeslagen(bron.table, vorige_maand(bron.maand)) or {}
    since = (datetime.fromisoformat(previous["samengesteld_op"].replace("Z", "+00:00"))
             if previous.get("samengesteld_op") else bron.now - timedelta(days=31))
    rows = gearchiveerd_tussen(bron.table, since, bron.now, base_url=bron.base_url)
    latest = {}
    for row in rows:  # one link per document: its newest version
        latest[(row["datum"], row["stuk"])] = row
    if not latest:
        return None
    return {"soort": "bestuur",
            "stukken": [{"titel": r["titel"], "url": r["url"], "datum": r["datum"], "stuk": r["stuk"]}
                        for _, r in sorted(latest.items())]}


def doelen(bron: Bron) -> Optional[Section]:
    """The branch plan's goals and how far this year is."""
    from functions.doelen import voortgang

    jaar = bron.today.year
    overzicht = voortgang.overzicht(bron.table, jaar)
    if not overzicht["doelen"]:
        return None
    return {"soort": "doelen", "jaar": jaar,
            "doelen": [{"naam": d["naam"], "bereikt": d["bereikt"], "doel": d["doel"],
                        "procent": d["procent"]} for d in overzicht["doelen"]],
            "url": f"{bron.base_url}/doelen?jaar={jaar}"}


PROVIDERS: list[Callable[[Bron], Optional[Section]]] = [artikelen, agenda, bestuur, meldpunt, doelen]


def verzamel(bron: Bron) -> dict[str, Any]:
    """Every section of the issue, in order, and what the mail says about the month."""
    start, end = maand_grenzen(bron.maand)
    sections = [s for s in (provider(bron) for provider in PROVIDERS) if s]
    return {"maand": bron.maand, "van": start.isoformat(), "tot": end.isoformat(),
            "secties": sections}
