"""The iCalendar feeds (RFC 5545), built with the ``icalendar`` library.

``icalendar`` (~50 ms to import) is imported inside the functions, never at import time of a
routes module. Every occurrence is its own VEVENT (Outlook and Google Calendar ignore
``BYWEEKNO`` in subscribed feeds): stable UID (``<id>@<afdeling>.kalender.bij1.org``, the
same in every feed, response and mail), SEQUENCE (the data version plus the number of
changes), LAST-MODIFIED and DTSTAMP (the last change; no METHOD, so RFC 5545 makes DTSTAMP
"last revised", which keeps a feed byte-identical until something changes and its ETag
valid), ``STATUS:CANCELLED`` for cancelled occurrences (kept in the feed, so subscribed
calendars remove or strike them), times with ``TZID`` and one VTIMEZONE bounded to the
feed's years, and a REFRESH-INTERVAL hint (plus Outlook's X-PUBLISHED-TTL).
"""
from __future__ import annotations

import hashlib
from datetime import date
from typing import Iterable, Mapping

from functions.kalender.activiteiten import Activiteit
from functions.kalender.gegevens import Kalender

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//BIJ1//Kalender {afdeling}//NL"


def _description(a: Activiteit, url: str, labels: Mapping[str, str]) -> str:
    parts = []
    if a.geannuleerd:
        parts.append(labels["afgelast"] + (f": {a.reden}" if a.reden else ""))
    if a.thema:
        parts.append(f"{labels['thema']}: {a.thema}")
    if a.sprekers:
        parts.append(f"{labels['sprekers']}: {', '.join(a.sprekers)}")
    if a.beschrijving:
        parts.append(a.beschrijving)
    if a.notitie:
        parts.append(a.notitie)
    if a.op_afspraak:
        parts.append(labels["op_afspraak"])
    parts.append(f"{a.titel['en']} · {url}")
    return "\n\n".join(parts)


def _location(a: Activiteit) -> str:
    if a.plaats is None:
        return a.openbare_link
    naam = a.plaats.naam.get("nl", "")
    bits = [naam] + ([a.plaats.adres] if a.plaats.adres else [])
    if a.plaats.online and a.openbare_link:
        bits.append(a.openbare_link)
    return ", ".join(b for b in bits if b)


def event(a: Activiteit, base_url: str, labels: Mapping[str, str]):
    """One VEVENT."""
    import icalendar

    url = f"{base_url}/kalender/activiteiten/{a.id}"
    ev = icalendar.Event()
    ev.add("uid", a.uid)
    ev.add("dtstamp", a.laatst_gewijzigd)
    ev.add("last-modified", a.laatst_gewijzigd)
    ev.add("sequence", a.sequence)
    ev.add("dtstart", a.start)
    ev.add("dtend", a.eind)
    title = a.titel["nl"] + (f": {a.thema}" if a.thema else "")
    ev.add("summary", (labels["afgelast_kort"] + ": " + title) if a.geannuleerd else title)
    ev.add("description", _description(a, url, labels))
    location = _location(a)
    if location:
        ev.add("location", location)
    ev.add("url", url)
    ev.add("status", "CANCELLED" if a.geannuleerd else "CONFIRMED")
    ev.add("transp", "TRANSPARENT" if a.geannuleerd else "OPAQUE")
    ev.add("class", "PUBLIC")
    return ev


def calendar(kalender: Kalender, activiteiten: Iterable[Activiteit], *, naam: str,
             base_url: str, labels: Mapping[str, str], afdeling: str,
             years: tuple[int, int] | None = None) -> bytes:
    """A whole feed (or the .ics of one occurrence) as bytes."""
    import icalendar

    items = list(activiteiten)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID.format(afdeling=afdeling))
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", naam)
    cal.add("x-wr-calname", naam)
    cal.add("refresh-interval", kalender.verversen, parameters={"VALUE": "DURATION"})
    hours = int(kalender.verversen.total_seconds() // 3600)
    cal.add("x-published-ttl", f"PT{hours}H")  # Outlook's older spelling of the same hint
    if years is None:
        first = min((a.start.year for a in items), default=date.today().year)
        last = max((a.eind.year for a in items), default=first)
        years = (first, last)
    tzid = str(kalender.tijdzone.key)
    cal.add_component(icalendar.Timezone.from_tzid(
        tzid, first_date=date(years[0], 1, 1), last_date=date(years[1] + 1, 1, 1)))
    for a in items:
        cal.add_component(event(a, base_url, labels))
    return cal.to_ical()


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
