"""The series' rules: strict ISO-week parity across 2026/2027, nth weekday, every two months,
recess, and wall-clock times across both daylight-saving changes."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from functions.afdeling import AfdelingError
from functions.kalender import gegevens, regels
from functions.kalender.gegevens import Regel

TZ = "Europe/Amsterdam"
WERKGROEPEN = ("communicatie", "politieke-agenda", "organizing")


def section(**overrides):
    base = {
        "versie": {"nummer": 0, "datum": "2026-12-01T00:00:00Z"},
        "plaatsen": [{"code": "online", "naam": {"nl": "Online", "en": "Online"}, "online": True}],
        "reces": [],
        "series": [
            {"code": "bestuur", "soort": "bestuursvergadering", "titel": {"nl": "B", "en": "B"},
             "regel": {"soort": "iso-week", "pariteit": "oneven", "weekdag": "dinsdag"},
             "start": "20:00", "eind": "21:30", "plaats": "online", "publiek": "bestuur"},
            {"code": "wg", "soort": "werkgroepvergadering", "werkgroep": "organizing",
             "titel": {"nl": "W", "en": "W"},
             "regel": {"soort": "iso-week", "pariteit": "even", "weekdag": "dinsdag"},
             "start": "20:00", "eind": "21:30", "plaats": "online", "publiek": "werkgroep"}],
    }
    base.update(overrides)
    return base


def kal(**overrides):
    return gegevens.parse(section(**overrides), TZ, WERKGROEPEN, "test.kalender.bij1.org")


def weeks_of(kalender, code, van, tot):
    return [(m.dag.isocalendar().year, m.dag.isocalendar().week)
            for m in regels.momenten(kalender, van, tot) if m.serie.code == code]


def test_2026_has_53_iso_weeks_and_w53_and_w01_are_both_odd():
    assert date(2026, 12, 28).isocalendar()[:2] == (2026, 53)
    assert date(2027, 1, 4).isocalendar()[:2] == (2027, 1)
    assert regels.iso_parity(date(2026, 12, 29)) == regels.iso_parity(date(2027, 1, 5)) == 1


def test_the_board_meets_in_w53_2026_and_w01_2027_and_the_werkgroep_in_neither():
    k = kal()
    van, tot = date(2026, 12, 14), date(2027, 1, 18)
    assert weeks_of(k, "bestuur", van, tot) == [(2026, 51), (2026, 53), (2027, 1)]
    assert weeks_of(k, "wg", van, tot) == [(2026, 52), (2027, 2)]
    board = [m.dag for m in regels.momenten(k, van, tot) if m.serie.code == "bestuur"]
    assert board == [date(2026, 12, 15), date(2026, 12, 29), date(2027, 1, 5)]


def test_no_iso_week_ever_has_both_a_board_and_a_werkgroep_meeting():
    k = kal()
    momenten = regels.momenten(k, date(2020, 1, 1), date(2033, 1, 1))
    board = {m.dag.isocalendar()[:2] for m in momenten if m.serie.code == "bestuur"}
    werkgroep = {m.dag.isocalendar()[:2] for m in momenten if m.serie.code == "wg"}
    assert board and werkgroep
    assert board.isdisjoint(werkgroep)
    # and every ISO week in those years is one or the other: nothing is skipped by the rule
    weeks = {(date(2020, 1, 1) + timedelta(days=d)).isocalendar()[:2] for d in range(0, 4749)}
    assert board | werkgroep == {w for w in weeks if date.fromisocalendar(w[0], w[1], 2) < date(2033, 1, 1)
                                 and date.fromisocalendar(w[0], w[1], 2) >= date(2020, 1, 1)}


def test_wall_clock_times_hold_across_both_dst_changes():
    k = kal()
    before_spring = regels.wandklok(date(2026, 3, 24), time(20), k.tijdzone)   # W13, winter time
    after_spring = regels.wandklok(date(2026, 3, 31), time(20), k.tijdzone)    # clocks went forward 29 March
    before_autumn = regels.wandklok(date(2026, 10, 20), time(20), k.tijdzone)
    after_autumn = regels.wandklok(date(2026, 10, 27), time(20), k.tijdzone)   # back on 25 October
    utc = [d.astimezone(timezone.utc).hour for d in (before_spring, after_spring, before_autumn, after_autumn)]
    assert utc == [19, 18, 18, 19]
    assert all(d.hour == 20 for d in (before_spring, after_spring, before_autumn, after_autumn))


def test_nth_weekday_of_the_month_and_the_last_one():
    assert regels.nth_weekday(2026, 12, 4, 2) == date(2026, 12, 10)   # 2nd Thursday
    assert regels.nth_weekday(2026, 12, 4, -1) == date(2026, 12, 31)
    assert regels.nth_weekday(2026, 2, 1, 5) is None                  # no 5th Monday in Feb 2026


def test_every_two_months_counts_from_its_first_month():
    regel = Regel("weekdag-van-de-maand", weekdag=6, n=3, elke_maanden=2, vanaf=(2026, 2))
    days = list(regels.dagen(regel, date(2026, 1, 1), date(2027, 1, 1)))
    assert [d.month for d in days] == [2, 4, 6, 8, 10, 12]
    assert all(d.isoweekday() == 6 and 15 <= d.day <= 21 for d in days)
    assert list(regels.dagen(regel, date(2025, 1, 1), date(2026, 2, 1))) == []  # before vanaf


def test_recess_produces_no_occurrences():
    k = kal(reces=[{"code": "kerst", "van": "2026-12-21", "tot": "2027-01-03",
                    "naam": {"nl": "Kerstreces", "en": "Christmas recess"}}])
    board = [m.dag for m in regels.momenten(k, date(2026, 12, 14), date(2027, 1, 18))
             if m.serie.code == "bestuur"]
    assert board == [date(2026, 12, 15), date(2027, 1, 5)]
    assert regels.moment(k, "bestuur", date(2026, 12, 29)) is None
    assert regels.moment(k, "bestuur", date(2027, 1, 5)) is not None


def test_den_haag_data_loads_with_its_recesses_and_both_boundary_board_meetings():
    k = gegevens.huidig()
    assert {s.code for s in k.series} >= {"bestuur", "werkgroep-communicatie", "werkgroep-politieke-agenda",
                                          "werkgroep-organizing", "afdelingsbijeenkomst", "themabij1komst"}
    assert k.tijdzone.key == "Europe/Amsterdam"
    board = [m.dag for m in regels.momenten(k, date(2026, 12, 21), date(2027, 1, 11)) if m.serie.code == "bestuur"]
    assert board == [date(2026, 12, 29), date(2027, 1, 5)]
    summer = regels.momenten(k, date(2026, 7, 18), date(2026, 8, 31))
    assert summer == []


@pytest.mark.parametrize("change, field", [
    ({"series": [{"code": "x", "soort": "bestuursvergadering", "titel": {"nl": "x", "en": "x"},
                  "regel": {"soort": "iso-week", "pariteit": "oneven", "weekdag": "dinsdag"},
                  "start": "21:00", "eind": "20:00", "plaats": "online", "publiek": "bestuur"}]}, "eind"),
    ({"series": [{"code": "x", "soort": "bestuursvergadering", "titel": {"nl": "x", "en": "x"},
                  "regel": {"soort": "iso-week", "pariteit": "soms", "weekdag": "dinsdag"},
                  "start": "20:00", "eind": "21:00", "plaats": "online", "publiek": "bestuur"}]}, "pariteit"),
    ({"series": [{"code": "x", "soort": "werkgroepvergadering", "titel": {"nl": "x", "en": "x"},
                  "regel": {"soort": "iso-week", "pariteit": "even", "weekdag": "dinsdag"},
                  "start": "20:00", "eind": "21:00", "plaats": "online", "publiek": "werkgroep"}]}, "werkgroep"),
    ({"series": [{"code": "x", "soort": "bestuursvergadering", "titel": {"nl": "x", "en": "x"},
                  "regel": {"soort": "weekdag-van-de-maand", "n": 6, "weekdag": "dinsdag"},
                  "start": "20:00", "eind": "21:00", "plaats": "online", "publiek": "bestuur"}]}, ".n"),
    ({"series": [{"code": "x", "soort": "bestuursvergadering", "titel": {"nl": "x", "en": "x"},
                  "regel": {"soort": "iso-week", "pariteit": "even", "weekdag": "dinsdag"},
                  "start": "20:00", "eind": "21:00", "plaats": "zolder", "publiek": "bestuur"}]}, "plaats"),
    ({"reces": [{"code": "r", "van": "2026-12-31", "tot": "2026-12-01", "naam": {"nl": "r", "en": "r"}}]}, "tot"),
    ({"versie": {"nummer": 0, "datum": "gisteren"}}, "versie.datum"),
])
def test_a_mistake_in_the_kalender_section_names_the_field(change, field):
    with pytest.raises(AfdelingError, match=field.replace(".", r"\.")):
        kal(**change)
