"""The kalender's part of the afdeling file (section ``kalender``), read and checked once.

Every Den Haag fact of the kalender is data: the series (weekday, wall-clock start and end in
the afdeling's time zone, place or online link, audience, rule, invitation and reminder lead
times), the recess periods and the places. Another afdeling writes its own section; a
mistake in it is an ``AfdelingError`` naming the field (a deployment error, caught by the
tests), never a wrong calendar. The fields are described in docs/kalender.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from functions import afdeling as afdeling_module
from functions.afdeling import AfdelingError

WEEKDAGEN = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
SOORTEN = ("bestuursvergadering", "werkgroepvergadering", "afdelingsbijeenkomst",
           "themabij1komst", "eenmalig")
# Who a meeting is for; "werkgroep" means the series' own werkgroep.
PUBLIEK = ("bestuur", "werkgroep", "leden", "iedereen")
REGELS = ("iso-week", "weekdag-van-de-maand")
PARITEIT = {"oneven": 1, "even": 0}
LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class Plaats:
    code: str
    naam: Mapping[str, str]
    online: bool
    adres: str = ""
    toegankelijk: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Reces:
    code: str
    van: date   # first day without meetings
    tot: date   # last day without meetings (inclusive)
    naam: Mapping[str, str]

    def bevat(self, day: date) -> bool:
        return self.van <= day <= self.tot


@dataclass(frozen=True)
class Regel:
    soort: str            # "iso-week" | "weekdag-van-de-maand"
    weekdag: int          # ISO: 1 = Monday
    pariteit: int = 1     # iso-week: 1 odd, 0 even
    n: int = 1            # weekdag-van-de-maand: 1..5, or -1 for the last
    elke_maanden: int = 1
    vanaf: tuple[int, int] = (2026, 1)  # the first month the series counts from


@dataclass(frozen=True)
class Serie:
    code: str
    soort: str
    titel: Mapping[str, str]
    regel: Regel
    start: time
    eind: time
    plaats: Plaats
    publiek: str
    werkgroep: str | None = None
    link: str = ""
    link_openbaar: bool = True
    op_afspraak: bool = False
    uitnodiging_dagen: int = 7
    herinnering: bool = False
    herinnering_dagen: int = 1
    rsvp: bool = False


@dataclass(frozen=True)
class Kalender:
    tijdzone: ZoneInfo
    series: tuple[Serie, ...]
    reces: tuple[Reces, ...]
    plaatsen: Mapping[str, Plaats]
    versie_nummer: int
    versie_datum: datetime
    terug_dagen: int
    vooruit_dagen: int
    verversen: timedelta
    domein: str   # the right-hand side of every UID

    def serie(self, code: str) -> Serie:
        for s in self.series:
            if s.code == code:
                return s
        raise KeyError(code)

    def in_reces(self, day: date) -> Reces | None:
        return next((r for r in self.reces if r.bevat(day)), None)

    @property
    def langste_uitnodiging(self) -> int:
        return max((s.uitnodiging_dagen for s in self.series), default=7)


def _fail(where: str, what: str) -> AfdelingError:
    return AfdelingError(f"kalender: {where}: {what}")


def _text(raw: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(f"{where}.{key}", "a non-empty text is required")
    return value.strip()


def _names(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping) or not all(isinstance(raw.get(k), str) and raw[k].strip()
                                               for k in LANGUAGES):
        raise _fail(where, "a text per language is required: {\"nl\": ..., \"en\": ...}")
    return {k: raw[k].strip() for k in LANGUAGES}


def _int(raw: Mapping[str, Any], key: str, where: str, default: int, low: int, high: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(f"{where}.{key}", f"a whole number from {low} to {high} is required")
    return value


def _bool(raw: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise _fail(f"{where}.{key}", "true or false is required")
    return value


def _clock(raw: Mapping[str, Any], key: str, where: str) -> time:
    value = raw.get(key)
    try:
        hours, minutes = str(value).split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise _fail(f"{where}.{key}", "a wall-clock time HH:MM is required") from None


def _day(raw: Mapping[str, Any], key: str, where: str) -> date:
    try:
        return date.fromisoformat(str(raw.get(key)))
    except ValueError:
        raise _fail(f"{where}.{key}", "a date YYYY-MM-DD is required") from None


def _regel(raw: Any, where: str) -> Regel:
    if not isinstance(raw, Mapping) or raw.get("soort") not in REGELS:
        raise _fail(f"{where}.soort", f"one of {', '.join(REGELS)} is required")
    if raw.get("weekdag") not in WEEKDAGEN:
        raise _fail(f"{where}.weekdag", f"one of {', '.join(WEEKDAGEN)} is required")
    weekdag = WEEKDAGEN.index(raw["weekdag"]) + 1
    if raw["soort"] == "iso-week":
        if raw.get("pariteit") not in PARITEIT:
            raise _fail(f"{where}.pariteit", "oneven or even is required")
        return Regel("iso-week", weekdag, pariteit=PARITEIT[raw["pariteit"]])
    n = raw.get("n")
    if isinstance(n, bool) or n not in (1, 2, 3, 4, 5, -1):
        raise _fail(f"{where}.n", "1 to 5 (the nth weekday of the month) or -1 (the last) is required")
    elke = _int(raw, "elke_maanden", where, 1, 1, 12)
    try:
        year, month = (int(p) for p in str(raw.get("vanaf", "2026-01")).split("-"))
        date(year, month, 1)
    except ValueError:
        raise _fail(f"{where}.vanaf", "a month YYYY-MM is required") from None
    return Regel("weekdag-van-de-maand", weekdag, n=n, elke_maanden=elke, vanaf=(year, month))


def parse(section: Mapping[str, Any], tijdzone: str, werkgroepen: tuple[str, ...],
          domein: str) -> Kalender:
    """The checked kalender of one afdeling file's ``kalender`` section."""
    if not section:
        raise _fail("kalender", "the afdeling file has no kalender section")
    try:
        tz = ZoneInfo(tijdzone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail("tijdzone", f"unknown time zone {tijdzone!r}") from None
    plaatsen: dict[str, Plaats] = {}
    for i, raw in enumerate(section.get("plaatsen") or []):
        where = f"plaatsen[{i}]"
        code = _text(raw, "code", where)
        online = _bool(raw, "online", where, False)
        adres = _text(raw, "adres", where, required=not online)
        toegankelijk = _names(raw["toegankelijk"], f"{where}.toegankelijk") \
            if raw.get("toegankelijk") else None
        plaatsen[code] = Plaats(code, _names(raw.get("naam"), f"{where}.naam"), online, adres,
                                toegankelijk)
    reces = []
    for i, raw in enumerate(section.get("reces") or []):
        where = f"reces[{i}]"
        period = Reces(_text(raw, "code", where), _day(raw, "van", where), _day(raw, "tot", where),
                       _names(raw.get("naam"), f"{where}.naam"))
        if period.tot < period.van:
            raise _fail(f"{where}.tot", "the recess ends before it starts")
        reces.append(period)
    series = []
    for i, raw in enumerate(section.get("series") or []):
        where = f"series[{i}]"
        code = _text(raw, "code", where)
        if not code.replace("-", "").isalnum() or code != code.lower():
            raise _fail(f"{where}.code", "lower-case letters, digits and '-' only")
        soort = raw.get("soort")
        if soort not in SOORTEN[:-1]:
            raise _fail(f"{where}.soort", f"one of {', '.join(SOORTEN[:-1])} is required")
        publiek = raw.get("publiek")
        if publiek not in PUBLIEK:
            raise _fail(f"{where}.publiek", f"one of {', '.join(PUBLIEK)} is required")
        werkgroep = raw.get("werkgroep")
        if werkgroep is not None and werkgroep not in werkgroepen:
            raise _fail(f"{where}.werkgroep", f"one of {', '.join(werkgroepen)} is required")
        if (publiek == "werkgroep" or soort == "werkgroepvergadering") and not werkgroep:
            raise _fail(f"{where}.werkgroep", "a werkgroep meeting names its werkgroep")
        if raw.get("plaats") not in plaatsen:
            raise _fail(f"{where}.plaats", f"one of the places {', '.join(plaatsen)} is required")
        start, eind = _clock(raw, "start", where), _clock(raw, "eind", where)
        if eind <= start:
            raise _fail(f"{where}.eind", "the meeting ends before it starts (same day)")
        plaats = plaatsen[raw["plaats"]]
        link = _text(raw, "link", where, required=False)
        if link and not link.startswith("https://"):
            raise _fail(f"{where}.link", "an https:// link is required")
        series.append(Serie(
            code=code, soort=soort, titel=_names(raw.get("titel"), f"{where}.titel"),
            regel=_regel(raw.get("regel"), f"{where}.regel"), start=start, eind=eind,
            plaats=plaats, publiek=publiek, werkgroep=werkgroep, link=link,
            link_openbaar=_bool(raw, "link_openbaar", where, True),
            op_afspraak=_bool(raw, "op_afspraak", where, False),
            uitnodiging_dagen=_int(raw, "uitnodiging_dagen", where, 7, 1, 60),
            herinnering=_bool(raw, "herinnering", where, False),
            herinnering_dagen=_int(raw, "herinnering_dagen", where, 1, 1, 6),
            rsvp=_bool(raw, "rsvp", where, not plaats.online)))
    codes = [s.code for s in series]
    if len(set(codes)) != len(codes):
        raise _fail("series", "two series have the same code")
    versie = section.get("versie") or {}
    try:
        versie_datum = datetime.fromisoformat(str(versie.get("datum")).replace("Z", "+00:00"))
        if versie_datum.tzinfo is None:
            raise ValueError
    except ValueError:
        raise _fail("versie.datum", "a UTC time such as 2026-12-01T00:00:00Z is required") from None
    horizon = section.get("horizon") or {}
    return Kalender(
        tijdzone=tz, series=tuple(series), reces=tuple(reces), plaatsen=plaatsen,
        versie_nummer=_int(versie, "nummer", "versie", 0, 0, 10_000),
        versie_datum=versie_datum.astimezone(timezone.utc),
        terug_dagen=_int(horizon, "terug_dagen", "horizon", 60, 0, 366),
        vooruit_dagen=_int(horizon, "vooruit_dagen", "horizon", 183, 14, 731),
        verversen=_duration(section.get("verversen", "PT6H")), domein=domein)


def _duration(raw: Any) -> timedelta:
    text = str(raw)
    if text.startswith("PT") and text.endswith("H") and text[2:-1].isdigit() and 1 <= int(text[2:-1]) <= 168:
        return timedelta(hours=int(text[2:-1]))
    raise _fail("verversen", "a refresh interval PT<n>H (1 to 168 hours) is required")


@lru_cache(maxsize=1)
def huidig() -> Kalender:
    """The kalender of the afdeling this deployment serves."""
    a = afdeling_module.current()
    return parse(a.section("kalender"), a.tijdzone, a.werkgroep_codes,
                 domein=f"{a.code}.kalender.bij1.org")
