"""EventBridge schedule expressions (``rate(...)`` and ``cron(...)``) for the local scheduler.

Semantics follow EventBridge scheduled rules, which is what ``@app.schedule`` becomes:

- Times are UTC.
- ``cron(minutes hours day-of-month month day-of-week year)``, six fields. Day-of-week
  counts 1 = SUN ... 7 = SAT (not cron's 0 = Sunday, not ISO's 1 = Monday); names
  SUN..SAT and JAN..DEC are accepted in any case. Exactly one of day-of-month and
  day-of-week is ``?``: EventBridge rejects an expression that sets both or neither.
- Each field takes ``*``, a value, a list ``a,b``, a range ``a-b`` and steps ``*/n``,
  ``a/n`` and ``a-b/n``. Also ``L`` in day-of-month (last day of the month), ``d#n`` in
  day-of-week (the n-th weekday d of the month, n 1..5) and ``dL`` in day-of-week (the
  last weekday d of the month).
- Not supported, with a clear error: ``W`` (nearest weekday), ``L-n`` offsets, a bare
  ``L`` in day-of-week, and wrap-around ranges such as ``FRI-MON`` (write ``FRI,SAT,SUN,MON``).
- ``rate(N unit)`` with unit minute(s)/hour(s)/day(s); N = 1 takes the singular and
  N > 1 the plural, as EventBridge demands. A rate has no fixed phase in EventBridge (it
  counts from when the rule was created); here it counts from an ``anchor`` (the start
  of the local scheduler), the first firing one period after it.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Optional, Union

MIN_YEAR, MAX_YEAR = 1970, 2199
MONTH_NAMES = {name: i for i, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
DAY_NAMES = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
_RATE_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
_RATE_RE = re.compile(r"^rate\(\s*(\d+)\s+([a-z]+)\s*\)$")
_CRON_RE = re.compile(r"^cron\((.*)\)$")


class ScheduleExpressionError(ValueError):
    """The expression is not valid EventBridge syntax, or uses a part we do not emulate."""


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("schedule times must be timezone-aware (UTC)")
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class Rate:
    expression: str
    period: timedelta

    def next_after(self, after: datetime, anchor: Optional[datetime] = None) -> datetime:
        """The first firing strictly after ``after``: ``anchor + k * period`` with k >= 1."""
        after = _utc(after)
        anchor = _utc(anchor) if anchor is not None else after
        if after < anchor + self.period:
            return anchor + self.period
        periods = (after - anchor) // self.period + 1
        return anchor + periods * self.period


def _dow(day: date) -> int:
    """EventBridge day-of-week: 1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: frozenset[int]
    years: Optional[frozenset[int]]  # None: every year
    day_rule: Callable[[date], bool]  # the one of day-of-month / day-of-week that is not "?"

    def matches(self, moment: datetime) -> bool:
        moment = _utc(moment)
        return (moment.minute in self.minutes and moment.hour in self.hours
                and self._day_matches(moment.date()))

    def _day_matches(self, day: date) -> bool:
        return ((self.years is None or day.year in self.years) and day.month in self.months
                and self.day_rule(day))

    def next_after(self, after: datetime, anchor: Optional[datetime] = None) -> Optional[datetime]:
        """The first firing strictly after ``after``, or None if there is none (up to 2199).

        ``anchor`` is ignored: a cron schedule has a fixed phase."""
        after = _utc(after)
        start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.date()
        while day.year <= MAX_YEAR:
            if self.years is not None and day.year not in self.years:
                later = [y for y in self.years if y > day.year]
                if not later:
                    return None
                day = date(min(later), 1, 1)
                continue
            if day.month not in self.months:
                day = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
                continue
            if self.day_rule(day):
                first_day = day == start.date()
                for hour in self.hours:
                    if first_day and hour < start.hour:
                        continue
                    for minute in self.minutes:
                        if first_day and hour == start.hour and minute < start.minute:
                            continue
                        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)
            day += timedelta(days=1)
        return None


Schedule = Union[Rate, Cron]


def parse(expression: Any) -> Schedule:
    """Parse an expression string, or a chalice ``Rate``/``Cron`` object (``to_string()``)."""
    if hasattr(expression, "to_string"):
        expression = expression.to_string()
    if not isinstance(expression, str):
        raise ScheduleExpressionError(f"not a schedule expression: {expression!r}")
    text = expression.strip()
    if text.startswith("rate("):
        return _parse_rate(text)
    if text.startswith("cron("):
        return _parse_cron(text)
    raise ScheduleExpressionError(f"{expression!r}: expected rate(...) or cron(...)")


def _parse_rate(text: str) -> Rate:
    match = _RATE_RE.match(text)
    if not match:
        raise ScheduleExpressionError(f"{text!r}: expected rate(N minute|minutes|hour|hours|day|days)")
    value, unit = int(match.group(1)), match.group(2)
    singular = unit[:-1] if unit.endswith("s") else unit
    if singular not in _RATE_UNITS:
        raise ScheduleExpressionError(f"{text!r}: unit must be minute(s), hour(s) or day(s)")
    if value < 1:
        raise ScheduleExpressionError(f"{text!r}: the value must be a positive whole number")
    if value == 1 and unit != singular:
        raise ScheduleExpressionError(f"{text!r}: EventBridge wants the singular: rate(1 {singular})")
    if value > 1 and unit == singular:
        raise ScheduleExpressionError(f"{text!r}: EventBridge wants the plural: rate({value} {singular}s)")
    return Rate(expression=text, period=value * _RATE_UNITS[singular])


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: Optional[dict[str, int]] = None


_MINUTES = _Field("minutes", 0, 59)
_HOURS = _Field("hours", 0, 23)
_DOM = _Field("day-of-month", 1, 31)
_MONTH = _Field("month", 1, 12, MONTH_NAMES)
_DOW = _Field("day-of-week", 1, 7, DAY_NAMES)
_YEAR = _Field("year", MIN_YEAR, MAX_YEAR)


def _parse_cron(text: str) -> Cron:
    match = _CRON_RE.match(text)
    parts = match.group(1).split() if match else []
    if len(parts) != 6:
        raise ScheduleExpressionError(
            f"{text!r}: cron takes six fields: minutes hours day-of-month month day-of-week year")
    minutes, hours, dom, month, dow, year = parts
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError(
            f"{text!r}: exactly one of day-of-month and day-of-week must be '?'")
    try:
        day_rule = _day_of_month_rule(dom) if dow == "?" else _day_of_week_rule(dow)
        return Cron(expression=text,
                    minutes=tuple(sorted(_values(minutes, _MINUTES))),
                    hours=tuple(sorted(_values(hours, _HOURS))),
                    months=frozenset(_values(month, _MONTH)),
                    years=None if year == "*" else frozenset(_values(year, _YEAR)),
                    day_rule=day_rule)
    except ScheduleExpressionError as exc:
        raise ScheduleExpressionError(f"{text!r}: {exc}") from None


def _number(token: str, field: _Field) -> int:
    upper = token.upper()
    if field.names and upper in field.names:
        return field.names[upper]
    if not token.isdigit():
        raise ScheduleExpressionError(f"{field.name}: {token!r} is not a number"
                                      + (" or a name" if field.names else ""))
    value = int(token)
    if not field.low <= value <= field.high:
        raise ScheduleExpressionError(f"{field.name}: {value} is outside {field.low}-{field.high}")
    return value


def _values(spec: str, field: _Field) -> set[int]:
    """The set of values of a field (lists, ranges, steps, ``*``)."""
    if spec == "?":
        raise ScheduleExpressionError(f"{field.name}: '?' is only allowed in day-of-month or day-of-week")
    out: set[int] = set()
    for item in spec.split(","):
        if not item:
            raise ScheduleExpressionError(f"{field.name}: empty list item in {spec!r}")
        base, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ScheduleExpressionError(f"{field.name}: step {step_text!r} must be a positive number")
            step = int(step_text)
        if base == "*":
            low, high = field.low, field.high
        elif "-" in base:
            first, _, last = base.partition("-")
            low, high = _number(first, field), _number(last, field)
            if low > high:
                raise ScheduleExpressionError(
                    f"{field.name}: range {base!r} runs backwards; wrap-around ranges are not "
                    "supported locally, list the values instead")
        else:
            low = _number(base, field)
            high = field.high if step_text else low
        out.update(range(low, high + 1, step))
    return out


def _day_of_month_rule(spec: str) -> Callable[[date], bool]:
    if "W" in spec.upper():
        raise ScheduleExpressionError("day-of-month: 'W' (nearest weekday) is not supported locally")
    parts = spec.split(",")
    last = any(p.upper() == "L" for p in parts)
    if any(p.upper().startswith("L") and p.upper() != "L" for p in parts):
        raise ScheduleExpressionError("day-of-month: 'L-n' offsets are not supported locally")
    rest = [p for p in parts if p.upper() != "L"]
    days = _values(",".join(rest), _DOM) if rest else set()

    def rule(day: date) -> bool:
        return day.day in days or (last and day.day == calendar.monthrange(day.year, day.month)[1])

    return rule


def _day_of_week_rule(spec: str) -> Callable[[date], bool]:
    if "," in spec and ("#" in spec or "L" in spec.upper()):
        raise ScheduleExpressionError("day-of-week: '#' and 'L' cannot be combined with a list")
    if "#" in spec:
        weekday_text, _, nth_text = spec.partition("#")
        weekday = _number(weekday_text, _DOW)
        if not nth_text.isdigit() or not 1 <= int(nth_text) <= 5:
            raise ScheduleExpressionError(f"day-of-week: in {spec!r} the week must be 1 to 5")
        nth = int(nth_text)
        return lambda day: _dow(day) == weekday and (day.day - 1) // 7 + 1 == nth
    if spec.upper().endswith("L"):
        if spec.upper() == "L":
            raise ScheduleExpressionError(
                "day-of-week: a bare 'L' is not supported locally; write e.g. 6L (last Friday)")
        weekday = _number(spec[:-1], _DOW)
        return lambda day: (_dow(day) == weekday
                            and day.day + 7 > calendar.monthrange(day.year, day.month)[1])
    weekdays = _values(spec, _DOW)
    return lambda day: _dow(day) in weekdays


def format_time(moment: datetime) -> str:
    """EventBridge's ``time``: ISO 8601 UTC with a ``Z`` and whole seconds."""
    return _utc(moment).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Read an ISO 8601 time (``Z`` or an offset; a naive time is taken as UTC)."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
