"""The rules of the series, as pure functions: which days a series meets, and when that is.

- ``iso-week``: every ISO week of the given parity (odd or even week number), on one
  weekday. The parity is the ISO week number's, strictly: 2026 has 53 ISO weeks, and both
  2026-W53 and 2027-W01 are odd, so an odd-week series meets in both and an even-week series
  in neither (a three-week gap). Because every week is odd or even, an odd-week and an
  even-week series never meet in the same ISO week.
- ``weekdag-van-de-maand``: the nth (1..5, or -1 = last) weekday of the month, every
  ``elke_maanden`` months counted from the month ``vanaf``; a month without a 5th such
  weekday has no meeting.
- Recess periods (``reces``) produce no occurrences.
- Times are wall-clock times in the afdeling's zone: 20:00 is 19:00Z in winter and 18:00Z
  in summer, on both sides of every daylight-saving change.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterator
from zoneinfo import ZoneInfo

from functions.kalender.gegevens import Kalender, Regel, Serie


@dataclass(frozen=True)
class Moment:
    """One occurrence a series' rule gives (before any change from the table)."""

    serie: Serie
    dag: date

    @property
    def id(self) -> str:
        return occurrence_id(self.serie.code, self.dag)


def occurrence_id(code: str, day: date) -> str:
    """The stable id of a series' occurrence: its series and its original date."""
    return f"{code}-{day.isoformat()}"


def iso_parity(day: date) -> int:
    """1 for an odd ISO week, 0 for an even one."""
    return day.isocalendar().week % 2


def dagen(regel: Regel, van: date, tot: date) -> Iterator[date]:
    """The days in [van, tot) that the rule gives, in order (recess not applied)."""
    if regel.soort == "iso-week":
        monday = van - timedelta(days=van.isoweekday() - 1)
        while monday < tot:
            if monday.isocalendar().week % 2 == regel.pariteit:
                day = monday + timedelta(days=regel.weekdag - 1)
                if van <= day < tot:
                    yield day
            monday += timedelta(days=7)
        return
    year, month = van.year, van.month
    while date(year, month, 1) < tot:
        offset = (year - regel.vanaf[0]) * 12 + (month - regel.vanaf[1])
        if offset >= 0 and offset % regel.elke_maanden == 0:
            day = nth_weekday(year, month, regel.weekdag, regel.n)
            if day is not None and van <= day < tot:
                yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    """The nth ISO weekday (1 = Monday) of the month; n = -1 is the last; None if absent."""
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1)
            if date(year, month, d).isoweekday() == weekday]
    if n == -1:
        return date(year, month, days[-1])
    return date(year, month, days[n - 1]) if n <= len(days) else None


def momenten(kalender: Kalender, van: date, tot: date) -> list[Moment]:
    """Every series occurrence in [van, tot) outside recess, by day."""
    out = [Moment(serie, day) for serie in kalender.series
           for day in dagen(serie.regel, van, tot) if kalender.in_reces(day) is None]
    return sorted(out, key=lambda m: (m.dag, m.serie.start, m.serie.code))


def moment(kalender: Kalender, code: str, day: date) -> Moment | None:
    """The occurrence of series ``code`` on ``day``, if its rule gives one then."""
    try:
        serie = kalender.serie(code)
    except KeyError:
        return None
    if kalender.in_reces(day) is not None:
        return None
    return Moment(serie, day) if day in dagen(serie.regel, day, day + timedelta(days=1)) else None


def wandklok(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """``day`` at the wall-clock time ``clock`` in ``tz`` (aware; the offset of that day)."""
    return datetime.combine(day, clock, tzinfo=tz)
