"""When the monthly newsletter is compiled and sent, from the afdeling file (section
``nieuwsbrief``): by default compiled on the 20th at 09:00 and sent on the 1st at 09:00, in
the afdeling's own time zone (Europe/Amsterdam for Den Haag).

EventBridge schedules fire in UTC, and 09:00 in Den Haag is 08:00 UTC in winter and 07:00 UTC
in summer. So the schedule fires every day at both 07:00 and 08:00 UTC, and
:func:`compile_due` acts only in the firing that is 09:00 local: exactly one a day, whatever
the season, with the day and time kept in data, not in a cron expression. Mailchimp wants a
send time on a quarter hour in UTC: 09:00 local always is one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from functions import afdeling
from functions.errors import ValidationError

SCHEDULE = "cron(0 7,8 * * ? *)"  # 07:00 and 08:00 UTC daily; see the module docstring
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Planning:
    tz: ZoneInfo
    samenstel_dag: int
    samenstel_tijd: time
    verstuur_dag: int
    verstuur_tijd: time
    eindredactie: tuple[str, ...]
    werkgroep: str

    @classmethod
    def from_afdeling(cls, data: Any = None) -> "Planning":
        data = data or afdeling.current()
        section: Mapping[str, Any] = data.section("nieuwsbrief")
        compile_at = section.get("samenstellen") or {}
        send_at = section.get("versturen") or {}
        return cls(tz=ZoneInfo(data.tijdzone),
                   samenstel_dag=_day(compile_at.get("dag", 20)),
                   samenstel_tijd=_time(compile_at.get("tijd", "09:00")),
                   verstuur_dag=_day(send_at.get("dag", 1)),
                   verstuur_tijd=_time(send_at.get("tijd", "09:00")),
                   eindredactie=tuple(section.get("eindredactie") or ()),
                   werkgroep=str(section.get("werkgroep") or ""))

    def verstuurmoment(self, maand: str) -> datetime:
        """When the issue of ``maand`` goes out (aware, UTC)."""
        year, month = parse_maand(maand)
        local = datetime.combine(date(year, month, self.verstuur_dag), self.verstuur_tijd,
                                 tzinfo=self.tz)
        return local.astimezone(timezone.utc)

    def compile_due(self, now: datetime) -> str | None:
        """The month whose issue is due for compiling at ``now`` (a firing of SCHEDULE), or
        None: from the compile day on, in the firing at the compile hour local time, the
        issue of next month (a missed day is caught up by the next one)."""
        local = now.astimezone(self.tz)
        if local.hour != self.samenstel_tijd.hour or local.day < self.samenstel_dag:
            return None
        return volgende_maand(local.date())


def _day(raw: Any) -> int:
    day = int(raw)
    if not 1 <= day <= 28:  # every month has it
        raise afdeling.AfdelingError(f"newsletter day {raw!r}: choose 1 to 28")
    return day


def _time(raw: Any) -> time:
    parsed = time.fromisoformat(str(raw))
    if parsed.minute % 15:
        raise afdeling.AfdelingError(f"newsletter time {raw!r}: Mailchimp sends on quarter hours")
    return parsed


def parse_maand(raw: str) -> tuple[int, int]:
    """``YYYY-MM`` as (year, month); ValidationError on ``maand`` otherwise."""
    match = _MONTH_RE.match(raw or "")
    if not match or not 2000 <= int(match.group(1)) <= 2999 or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError({"maand": "nieuwsbrief.fout.maand"})
    return int(match.group(1)), int(match.group(2))


def volgende_maand(day: date) -> str:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return f"{year:04d}-{month:02d}"


def vorige_maand(maand: str) -> str:
    year, month = parse_maand(maand)
    year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return f"{year:04d}-{month:02d}"


def maand_grenzen(maand: str) -> tuple[date, date]:
    """First day of the month, first day of the next."""
    year, month = parse_maand(maand)
    return date(year, month, 1), date.fromisoformat(volgende_maand(date(year, month, 1)) + "-01")
