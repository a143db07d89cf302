"""Properties of the schedule rules over random years and dates, with hypothesis.

- functions/kalender/regels.py: every occurrence of an ISO-week series falls in a week of
  its parity and on its weekday; no ISO week has both a board and a werkgroep meeting (the
  afdeling's own series); every occurrence starts and ends at its series' wall-clock times in
  Europe/Amsterdam, on both sides of every daylight-saving change (UTC offset +01:00 or +02:00
  as that day has it).
- functions/nieuwsbrief/planning.py: of the two daily UTC firings (07:00 and 08:00), exactly
  one is 09:00 in Den Haag, every day of every year; the compile acts in that one only, from
  the compile day on.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from functions.kalender import activiteiten as acts
from functions.kalender import gegevens, regels
from functions.nieuwsbrief.planning import Planning

KALENDER = gegevens.huidig()
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PROPERTY = settings(max_examples=200, deadline=None)
DAYS = st.dates(min_value=date(acts.FIRST_YEAR, 1, 1), max_value=date(acts.LAST_YEAR, 12, 31))


@st.composite
def windows(draw, max_days=400):
    van = draw(DAYS)
    return van, min(van + timedelta(days=draw(st.integers(1, max_days))), date(acts.LAST_YEAR + 1, 1, 1))


@st.composite
def iso_rules(draw):
    return gegevens.Regel(soort="iso-week", weekdag=draw(st.integers(1, 7)), pariteit=draw(st.integers(0, 1)))


@PROPERTY
@given(regel=iso_rules(), window=windows())
def test_every_occurrence_of_an_iso_week_rule_is_in_a_week_of_its_parity_on_its_weekday(regel, window):
    van, tot = window
    days = list(regels.dagen(regel, van, tot))
    for day in days:
        assert van <= day < tot
        assert day.isocalendar().week % 2 == regel.pariteit and day.isoweekday() == regel.weekdag
    # and none is missing: every such day in the window is given
    expected = [van + timedelta(days=i) for i in range((tot - van).days)
                if (van + timedelta(days=i)).isoweekday() == regel.weekdag
                and (van + timedelta(days=i)).isocalendar().week % 2 == regel.pariteit]
    assert days == expected


@PROPERTY
@given(window=windows())
def test_no_iso_week_has_both_a_board_and_a_werkgroep_meeting(window):
    weeks: dict[tuple[int, int], set[str]] = {}
    for m in regels.momenten(KALENDER, *window):
        year, week, _ = m.dag.isocalendar()
        weeks.setdefault((year, week), set()).add(m.serie.soort)
    for kinds in weeks.values():
        assert not {"bestuursvergadering", "werkgroepvergadering"} <= kinds


@PROPERTY
@given(window=windows(max_days=60))
def test_occurrences_start_and_end_at_their_series_wall_clock_times_in_amsterdam(window):
    for m in regels.momenten(KALENDER, *window):
        a = acts.from_series(KALENDER, m, None)
        for moment, clock in ((a.start, m.serie.start), (a.eind, m.serie.eind)):
            local = moment.astimezone(AMSTERDAM)
            assert (local.date(), local.time()) == (m.dag, clock), a.id
            summer = datetime.combine(m.dag, time(12), AMSTERDAM).dst() != timedelta(0)
            assert moment.utcoffset() == timedelta(hours=2 if summer else 1), a.id


@PROPERTY
@given(year=st.integers(acts.FIRST_YEAR, acts.LAST_YEAR))
def test_times_hold_on_both_daylight_saving_days_of_any_year(year):
    # the last Sundays of March and October, and the days around them
    for month in (3, 10):
        last_sunday = regels.nth_weekday(year, month, 7, -1)
        for day in (last_sunday - timedelta(days=1), last_sunday, last_sunday + timedelta(days=1)):
            for serie in KALENDER.series:
                start = regels.wandklok(day, serie.start, KALENDER.tijdzone)
                assert start.astimezone(AMSTERDAM).time() == serie.start
                utc = start.astimezone(timezone.utc)
                assert utc.astimezone(AMSTERDAM).replace(tzinfo=None) == datetime.combine(day, serie.start)


PLANNING = Planning.from_afdeling()


@settings(max_examples=60, deadline=None)
@given(year=st.integers(2000, 2200))
def test_exactly_one_of_the_two_daily_firings_acts_every_day_of_the_year(year):
    day = date(year, 1, 1)
    while day.year == year:
        firings = [datetime.combine(day, time(hour), timezone.utc) for hour in (7, 8)]
        at_nine = [f for f in firings if f.astimezone(PLANNING.tz).hour == PLANNING.samenstel_tijd.hour]
        assert len(at_nine) == 1, day
        acting = [f for f in firings if PLANNING.compile_due(f) is not None]
        if day.day >= PLANNING.samenstel_dag:
            assert acting == at_nine, day
            nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
            assert PLANNING.compile_due(acting[0]) == f"{nxt.year:04d}-{nxt.month:02d}"
        else:
            assert acting == [], day
        day += timedelta(days=1)
