"""Occurrences ("activiteiten"): what the rules give, with the changes stored in the table.

An occurrence of a series is computed, never stored, until someone changes it (cancel, move,
annotate, theme): then ``KALENDER#<id>`` / ``STAAT`` holds its state and the number of changes
(its iCalendar SEQUENCE above the data's version). One-off events exist only as such items.
Every public view (the pages, the feeds, the newsletter's :func:`activiteiten_tussen`) reads
through :func:`tussen`, so they all show the same thing. Item layouts: docs/data-model.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Mapping

from functions.adapters.dynamo import Table
from functions.errors import NotFound
from functions.kalender import regels
from functions.kalender.gegevens import Kalender, Plaats, Serie

PK = "KALENDER#{id}"
STATE = "STAAT"
# One partition of the index per year of the occurrence's original date: a range is 1-3 queries.
GSI_PK = "KALENDER#{year}"
# A move keeps an occurrence within this many days of its original date (further: cancel it
# and add a one-off), so that a range needs the changes of the years around it only.
MAX_MOVE_DAYS = 42
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
EENMALIG = "eenmalig"
GEPLAND, GEANNULEERD = "gepland", "geannuleerd"
PAGE = 200
# The years an occurrence can be in: far enough for any plan, near enough that no date
# arithmetic on a client's value can leave the calendar (date.max, year 1).
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Activiteit:
    """One occurrence as everyone sees it (the private ``link`` only where allowed)."""

    id: str
    uid: str
    serie: str | None
    soort: str
    titel: Mapping[str, str]
    start: datetime
    eind: datetime
    oorspronkelijke_start: datetime
    plaats: Plaats | None
    publiek: str                 # bestuur | werkgroep | leden | iedereen
    werkgroep: str | None        # the meeting's werkgroep, a thema's host, a one-off's owner
    status: str = GEPLAND
    verplaatst: bool = False
    notitie: str = ""
    reden: str = ""
    thema: str = ""
    sprekers: tuple[str, ...] = ()
    beschrijving: str = ""
    link: str = ""
    link_openbaar: bool = True
    op_afspraak: bool = False
    rsvp: bool = False
    herinnering: bool = False
    herinnering_dagen: int = 1
    uitnodiging_dagen: int = 7
    sequence: int = 0
    laatst_gewijzigd: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=timezone.utc))
    wijzigingen: int = 0         # changes stored for it (sequence = data version + this)
    verplaatst_sequence: int = 0  # the SEQUENCE the last move gave it (0: never moved)

    @property
    def geannuleerd(self) -> bool:
        return self.status == GEANNULEERD

    @property
    def dag(self) -> date:
        """The local date it (now) takes place."""
        return self.start.date()

    @property
    def themabij1komst(self) -> bool:
        return self.soort == "themabij1komst"

    @property
    def openbare_link(self) -> str:
        return self.link if self.link_openbaar else ""


def original_day(activiteit_id: str) -> date | None:
    """The original date in an occurrence id (``<series>-YYYY-MM-DD`` or
    ``eenmalig-YYYY-MM-DD-<hex>``), or None when there is none."""
    match = re.search(r"(\d{4}-\d{2}-\d{2})(?:-[0-9a-f]{6})?$", activiteit_id)
    if not match:
        return None
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def uid_for(kalender: Kalender, activiteit_id: str) -> str:
    """The same UID in every feed, every response and every mail, for ever."""
    return f"{activiteit_id}@{kalender.domein}"


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def from_series(kalender: Kalender, moment: regels.Moment, state: Mapping[str, Any] | None) -> Activiteit:
    serie: Serie = moment.serie
    tz = kalender.tijdzone
    start = regels.wandklok(moment.dag, serie.start, tz)
    eind = regels.wandklok(moment.dag, serie.eind, tz)
    state = state or {}
    changes = int(state.get("wijzigingen") or 0)
    werkgroep = serie.werkgroep
    if serie.soort == "themabij1komst":
        werkgroep = state.get("host") or serie.werkgroep
    return Activiteit(
        id=moment.id, uid=uid_for(kalender, moment.id), serie=serie.code, soort=serie.soort,
        titel=dict(serie.titel),
        start=_time(state["start"]).astimezone(tz) if state.get("start") else start,
        eind=_time(state["eind"]).astimezone(tz) if state.get("eind") else eind,
        oorspronkelijke_start=start, plaats=serie.plaats, publiek=serie.publiek,
        werkgroep=werkgroep, status=state.get("status") or GEPLAND,
        verplaatst=bool(state.get("start")), notitie=state.get("notitie") or "",
        reden=state.get("reden") or "", thema=state.get("thema") or "",
        sprekers=tuple(state.get("sprekers") or ()), link=serie.link,
        link_openbaar=serie.link_openbaar, op_afspraak=serie.op_afspraak, rsvp=serie.rsvp,
        herinnering=serie.herinnering, herinnering_dagen=serie.herinnering_dagen,
        uitnodiging_dagen=serie.uitnodiging_dagen,
        sequence=kalender.versie_nummer + changes,
        laatst_gewijzigd=max(kalender.versie_datum,
                             _time(state["laatst_gewijzigd"]) if state.get("laatst_gewijzigd")
                             else kalender.versie_datum),
        wijzigingen=changes, verplaatst_sequence=int(state.get("verplaatst_sequence") or 0))


def from_one_off(kalender: Kalender, state: Mapping[str, Any]) -> Activiteit:
    tz = kalender.tijdzone
    plaats = None
    if state.get("plaats_naam") or state.get("adres") or state.get("online"):
        naam = state.get("plaats_naam") or ("Online" if state.get("online") else state.get("adres", ""))
        plaats = Plaats(code="", naam={"nl": naam, "en": naam}, online=bool(state.get("online")),
                        adres=state.get("adres") or "")
    changes = int(state.get("wijzigingen") or 0)
    titel = state.get("titel") or {}
    return Activiteit(
        id=state["id"], uid=uid_for(kalender, state["id"]), serie=None, soort=EENMALIG,
        titel={"nl": titel.get("nl", ""), "en": titel.get("en") or titel.get("nl", "")},
        start=_time(state["start"]).astimezone(tz), eind=_time(state["eind"]).astimezone(tz),
        oorspronkelijke_start=_time(state.get("oorspronkelijke_start") or state["start"]).astimezone(tz),
        plaats=plaats, publiek=state.get("publiek") or "iedereen", werkgroep=state.get("werkgroep"),
        status=state.get("status") or GEPLAND, verplaatst=bool(state.get("verplaatst")),
        notitie=state.get("notitie") or "", reden=state.get("reden") or "",
        beschrijving=state.get("beschrijving") or "", link=state.get("link") or "",
        link_openbaar=bool(state.get("link_openbaar", True)),
        rsvp=bool(plaats and not plaats.online), herinnering=True,
        uitnodiging_dagen=int(state.get("uitnodiging_dagen") or 7),
        sequence=kalender.versie_nummer + changes,
        laatst_gewijzigd=_time(state.get("laatst_gewijzigd") or state["start"]),
        wijzigingen=changes, verplaatst_sequence=int(state.get("verplaatst_sequence") or 0))


def changes_for_years(table: Table, years: Iterable[int]) -> dict[str, dict[str, Any]]:
    """Every stored occurrence state whose original date falls in these years, by id."""
    out: dict[str, dict[str, Any]] = {}
    for year in sorted(set(years)):
        start = None
        while True:
            items, start = table.query(GSI_PK.format(year=year), index="gsi1", limit=PAGE,
                                       start_after=start)
            out.update({i["id"]: i for i in items if i.get("sk") == STATE})
            if not start:
                break
    return out


def tussen(kalender: Kalender, table: Table, van: date, tot: date) -> list[Activiteit]:
    """Every occurrence (cancelled ones too) whose local start date is in [van, tot), by start."""
    if tot <= van:
        return []
    wider_van, wider_tot = van - timedelta(days=MAX_MOVE_DAYS), tot + timedelta(days=MAX_MOVE_DAYS)
    states = changes_for_years(table, range(wider_van.year, wider_tot.year + 1))
    found: list[Activiteit] = []
    for m in regels.momenten(kalender, wider_van, wider_tot):
        found.append(from_series(kalender, m, states.get(m.id)))
    found += [from_one_off(kalender, s) for s in states.values() if s.get("eenmalig")]
    found = [a for a in found if van <= a.dag < tot]
    return sorted(found, key=lambda a: (a.start, a.id))


def een(kalender: Kalender, table: Table, activiteit_id: str) -> Activiteit:
    """One occurrence by id; NotFound for an unknown series, a date the rule does not give,
    a recess day, or an unknown one-off."""
    if not isinstance(activiteit_id, str) or not ID_RE.match(activiteit_id):
        raise NotFound("no such occurrence")
    day = original_day(activiteit_id)
    if day is None:
        raise NotFound("no such occurrence")
    if activiteit_id.startswith(EENMALIG + "-"):
        state = table.get(PK.format(id=activiteit_id), STATE)
        if not state or not state.get("eenmalig"):
            raise NotFound("no such occurrence")
        return from_one_off(kalender, state)
    code = activiteit_id[: -len("-YYYY-MM-DD")]
    m = regels.moment(kalender, code, day)
    if m is None:
        raise NotFound("no such occurrence")
    return from_series(kalender, m, table.get(PK.format(id=activiteit_id), STATE))


def horizon(kalender: Kalender, today: date) -> tuple[date, date]:
    """The documented range of the feeds: ``terug_dagen`` back, ``vooruit_dagen`` ahead."""
    return today - timedelta(days=kalender.terug_dagen), today + timedelta(days=kalender.vooruit_dagen)


def vandaag(kalender: Kalender, now: datetime) -> date:
    return now.astimezone(kalender.tijdzone).date()


# --- for the newsletter (issue 10) ---------------------------------------------------------

def activiteiten_tussen(table: Table, start: date, end: date, *, base_url: str | None = None,
                        kalender: Kalender | None = None) -> list[dict[str, Any]]:
    """Every public occurrence in [start, end) for the newsletter, cancelled ones included
    (``status``/``geannuleerd`` say so): kind, title (nl/en), aware start/end, place or
    public link, audience, whether it is a themaBIJ1komst (and its theme), the absolute
    URL of its .ics. ``base_url`` defaults to PUBLIC_BASE_URL."""
    from functions.config import Settings
    from functions.kalender import gegevens

    kalender = kalender or gegevens.huidig()
    base = (base_url if base_url is not None else Settings.from_env().public_base_url).rstrip("/")
    return [als_dict(a, base) for a in tussen(kalender, table, start, end)]


def als_json(a: Activiteit, base: str) -> dict[str, Any]:
    """:func:`als_dict` with the times as ISO 8601 text (``2026-12-29T20:00:00+01:00``)."""
    out = als_dict(a, base)
    out.update(start=a.start.isoformat(), eind=a.eind.isoformat())
    return out


def als_dict(a: Activiteit, base: str) -> dict[str, Any]:
    """The public view of one occurrence (also ``/kalender.json``); no private link."""
    plaats = None
    if a.plaats is not None:
        plaats = {"naam": dict(a.plaats.naam), "adres": a.plaats.adres, "online": a.plaats.online}
    return {
        "id": a.id, "uid": a.uid, "soort": a.soort, "serie": a.serie, "titel": dict(a.titel),
        "start": a.start, "eind": a.eind, "plaats": plaats, "link": a.openbare_link or None,
        "publiek": a.publiek, "werkgroep": a.werkgroep, "status": a.status,
        "geannuleerd": a.geannuleerd, "verplaatst": a.verplaatst, "notitie": a.notitie,
        "themabij1komst": a.themabij1komst, "thema": a.thema or None,
        "sprekers": list(a.sprekers), "op_afspraak": a.op_afspraak, "sequence": a.sequence,
        "ics_url": f"{base}/kalender/activiteiten/{a.id}.ics",
        "url": f"{base}/kalender/activiteiten/{a.id}",
    }
