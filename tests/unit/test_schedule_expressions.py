"""EventBridge schedule expressions as the local scheduler reads them (UTC, 1 = SUN)."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from chalice.app import Cron as ChaliceCron
from chalice.app import Rate as ChaliceRate

from infra.local.schedule_expressions import (ScheduleExpressionError, format_time, parse,
                                              parse_time)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def fires(expression: str, after: datetime, count: int = 3) -> list[datetime]:
    schedule, out = parse(expression), []
    for _ in range(count):
        after = schedule.next_after(after)
        out.append(after)
    return out


# --- rate --------------------------------------------------------------------------------

@pytest.mark.parametrize("expression, period", [
    ("rate(1 minute)", timedelta(minutes=1)),
    ("rate(5 minutes)", timedelta(minutes=5)),
    ("rate(1 hour)", timedelta(hours=1)),
    ("rate(12 hours)", timedelta(hours=12)),
    ("rate(1 day)", timedelta(days=1)),
    ("rate(7 days)", timedelta(days=7)),
])
def test_rate_units_give_their_period(expression, period):
    assert parse(expression).period == period


def test_rate_first_fires_one_period_after_its_anchor_and_then_every_period():
    anchor = utc(2026, 11, 27, 10, 0, 7)
    schedule = parse("rate(5 minutes)")
    assert schedule.next_after(anchor, anchor) == anchor + timedelta(minutes=5)
    assert schedule.next_after(anchor + timedelta(minutes=5), anchor) == anchor + timedelta(minutes=10)
    assert schedule.next_after(anchor + timedelta(minutes=12), anchor) == anchor + timedelta(minutes=15)


def test_rate_that_missed_firings_fires_once_at_the_next_slot_not_for_every_missed_one():
    anchor = utc(2026, 11, 27, 10, 0)
    late = anchor + timedelta(hours=3, minutes=1)
    assert parse("rate(1 hour)").next_after(late, anchor) == anchor + timedelta(hours=4)


@pytest.mark.parametrize("expression", [
    "rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(-1 minutes)",
    "rate(5 seconds)", "rate(2 weeks)", "rate(minutes)", "rate(1.5 hours)", "rate 5 minutes",
])
def test_invalid_rates_are_rejected(expression):
    with pytest.raises(ScheduleExpressionError):
        parse(expression)


def test_chalice_rate_and_cron_objects_are_accepted():
    assert parse(ChaliceRate(1, unit=ChaliceRate.HOURS)).period == timedelta(hours=1)
    assert parse(ChaliceRate(3, unit=ChaliceRate.DAYS)).period == timedelta(days=3)
    cron = parse(ChaliceCron(0, 8, "?", "*", "MON", "*"))
    assert cron.next_after(utc(2026, 11, 27)) == utc(2026, 11, 30, 8, 0)


# --- cron: fields ------------------------------------------------------------------------

def test_cron_fires_at_the_given_minute_every_day_in_utc():
    assert fires("cron(15 10 * * ? *)", utc(2026, 11, 27, 10, 15)) == [
        utc(2026, 11, 28, 10, 15), utc(2026, 11, 29, 10, 15), utc(2026, 11, 30, 10, 15)]


def test_next_firing_is_strictly_after_the_given_time():
    schedule = parse("cron(0 8 * * ? *)")
    assert schedule.next_after(utc(2026, 11, 27, 7, 59, 59)) == utc(2026, 11, 27, 8, 0)
    assert schedule.next_after(utc(2026, 11, 27, 8, 0)) == utc(2026, 11, 28, 8, 0)
    assert schedule.next_after(utc(2026, 11, 27, 8, 0, 30)) == utc(2026, 11, 28, 8, 0)


def test_day_of_week_one_is_sunday_as_in_eventbridge():
    # 2026-11-29 is a Sunday
    assert parse("cron(0 9 ? * 1 *)").next_after(utc(2026, 11, 27)) == utc(2026, 11, 29, 9, 0)
    assert parse("cron(0 9 ? * SUN *)").next_after(utc(2026, 11, 27)) == utc(2026, 11, 29, 9, 0)
    assert parse("cron(0 9 ? * 7 *)").next_after(utc(2026, 11, 27)) == utc(2026, 11, 28, 9, 0)
    assert parse("cron(0 9 ? * 2 *)").next_after(utc(2026, 11, 27)) == utc(2026, 11, 30, 9, 0)


def test_weekday_names_and_ranges_cover_monday_to_friday():
    after = utc(2026, 11, 27, 12, 0)  # Friday afternoon
    assert fires("cron(0 8 ? * MON-FRI *)", after, 6) == [
        utc(2026, 11, 30, 8), utc(2026, 12, 1, 8), utc(2026, 12, 2, 8), utc(2026, 12, 3, 8),
        utc(2026, 12, 4, 8), utc(2026, 12, 7, 8)]
    assert fires("cron(0 8 ? * 2-6 *)", after, 6) == fires("cron(0 8 ? * mon-fri *)", after, 6)


def test_lists_steps_and_ranges_with_steps():
    assert parse("cron(0,30 * * * ? *)").minutes == (0, 30)
    assert parse("cron(*/15 * * * ? *)").minutes == (0, 15, 30, 45)
    assert parse("cron(5/20 * * * ? *)").minutes == (5, 25, 45)
    assert parse("cron(0 8-18/5 * * ? *)").hours == (8, 13, 18)
    assert parse("cron(0 1,3-4 * * ? *)").hours == (1, 3, 4)


def test_month_names_and_day_of_month():
    assert fires("cron(0 8 25 DEC ? *)", utc(2026, 11, 27), 2) == [
        utc(2026, 12, 25, 8), utc(2027, 12, 25, 8)]
    assert fires("cron(0 8 1 1,jul ? *)", utc(2026, 11, 27), 2) == [
        utc(2027, 1, 1, 8), utc(2027, 7, 1, 8)]


def test_day_31_skips_months_without_it():
    assert fires("cron(0 0 31 * ? *)", utc(2027, 1, 31, 0, 0), 2) == [
        utc(2027, 3, 31), utc(2027, 5, 31)]


def test_year_field_limits_and_ends_the_schedule():
    schedule = parse("cron(0 12 1 1 ? 2027-2028)")
    assert schedule.next_after(utc(2026, 11, 27)) == utc(2027, 1, 1, 12)
    assert schedule.next_after(utc(2027, 1, 1, 12)) == utc(2028, 1, 1, 12)
    assert schedule.next_after(utc(2028, 1, 1, 12)) is None


def test_a_date_that_never_exists_never_fires():
    assert parse("cron(0 0 30 2 ? *)").next_after(utc(2026, 1, 1)) is None


def test_last_day_of_month():
    assert fires("cron(0 22 L * ? *)", utc(2027, 1, 15), 3) == [
        utc(2027, 1, 31, 22), utc(2027, 2, 28, 22), utc(2027, 3, 31, 22)]
    assert parse("cron(0 22 L 2 ? *)").next_after(utc(2028, 1, 1)) == utc(2028, 2, 29, 22)


def test_nth_weekday_of_the_month():
    # first Tuesday (3#1) of December 2026 is the 1st; of January 2027 the 5th
    assert fires("cron(30 18 ? * 3#1 *)", utc(2026, 11, 27), 2) == [
        utc(2026, 12, 1, 18, 30), utc(2027, 1, 5, 18, 30)]
    # third Monday of December 2026 is the 21st (Mondays: 7, 14, 21)
    assert parse("cron(0 19 ? * MON#3 *)").next_after(utc(2026, 12, 1)) == utc(2026, 12, 21, 19)


def test_last_weekday_of_the_month():
    # last Friday (6L) of November 2026 is the 27th, of December the 25th
    assert fires("cron(0 17 ? * 6L *)", utc(2026, 11, 1), 2) == [
        utc(2026, 11, 27, 17), utc(2026, 12, 25, 17)]


def test_times_in_other_offsets_are_converted_to_utc():
    amsterdam = timezone(timedelta(hours=1))
    # 09:30 in Amsterdam (winter) is 08:30 UTC: past 08:00 UTC, so the next day
    assert parse("cron(0 8 * * ? *)").next_after(datetime(2026, 11, 27, 9, 30, tzinfo=amsterdam)) \
        == utc(2026, 11, 28, 8, 0)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        parse("cron(0 8 * * ? *)").next_after(datetime(2026, 11, 27))


def test_matches():
    schedule = parse("cron(0 8 ? * MON *)")
    assert schedule.matches(utc(2026, 11, 30, 8, 0))
    assert not schedule.matches(utc(2026, 11, 30, 8, 1))
    assert not schedule.matches(utc(2026, 12, 1, 8, 0))


# --- cron: what is rejected --------------------------------------------------------------

@pytest.mark.parametrize("expression, says", [
    ("cron(0 8 * * * *)", "exactly one"),            # both days set
    ("cron(0 8 ? * ? *)", "exactly one"),            # neither set
    ("cron(0 8 1 * MON *)", "exactly one"),
    ("cron(0 8 * * ?)", "six fields"),
    ("cron(0 8 * * ? * *)", "six fields"),
    ("cron()", "six fields"),
    ("cron(60 8 * * ? *)", "minutes"),
    ("cron(0 24 * * ? *)", "hours"),
    ("cron(0 8 0 * ? *)", "day-of-month"),
    ("cron(0 8 32 * ? *)", "day-of-month"),
    ("cron(0 8 1 13 ? *)", "month"),
    ("cron(0 8 ? * 0 *)", "day-of-week"),            # 0 is not Sunday in EventBridge
    ("cron(0 8 ? * 8 *)", "day-of-week"),
    ("cron(0 8 ? * FOO *)", "day-of-week"),
    ("cron(0 8 1 * ? 1969)", "year"),
    ("cron(0 8 1 * ? 2200)", "year"),
    ("cron(0 ? * * ? *)", "'?'"),
    ("cron(*/0 * * * ? *)", "step"),
    ("cron(0 8 15W * ? *)", "W"),
    ("cron(0 8 LW * ? *)", "W"),
    ("cron(0 8 L-3 * ? *)", "L-n"),
    ("cron(0 8 ? * L *)", "bare 'L'"),
    ("cron(0 8 ? * 2#6 *)", "1 to 5"),
    ("cron(0 8 ? * 2#1,3 *)", "list"),
    ("cron(0 8 ? * FRI-MON *)", "backwards"),
    ("cron(0 22-2 * * ? *)", "backwards"),
    ("cron(0 8 1,,2 * ? *)", "empty"),
    ("at(2026-12-25T08:00:00)", "rate(...) or cron(...)"),
    ("", "rate(...) or cron(...)"),
])
def test_invalid_or_unsupported_cron_expressions_say_why(expression, says):
    with pytest.raises(ScheduleExpressionError, match=re.escape(says)):
        parse(expression)


def test_a_non_string_is_refused():
    with pytest.raises(ScheduleExpressionError):
        parse(42)


# --- event times -------------------------------------------------------------------------

def test_event_time_is_iso_8601_utc_with_z():
    assert format_time(utc(2026, 12, 25, 8, 0, 0, 123456)) == "2026-12-25T08:00:00Z"
    plus_one = timezone(timedelta(hours=1))
    assert format_time(datetime(2026, 12, 25, 9, 0, tzinfo=plus_one)) == "2026-12-25T08:00:00Z"


@pytest.mark.parametrize("text", ["2026-12-25T08:00:00Z", "2026-12-25T09:00:00+01:00",
                                  "2026-12-25T08:00:00", "2026-12-25T08:00Z"])
def test_parse_time_reads_utc_and_offsets(text):
    assert parse_time(text) == utc(2026, 12, 25, 8, 0)


def test_parse_time_rejects_garbage():
    with pytest.raises(ValueError):
        parse_time("tomorrow")
