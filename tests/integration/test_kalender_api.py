"""The kalender through the real app (chalice.test + moto): pages, feeds read back by an
independent parser, changes from scripts with their rights, and bad input changing nothing."""
from __future__ import annotations

import json
from datetime import timezone

import pytest

from tests.kalender_support import at_now, call, ics_events, tokens_by_role  # noqa: F401

BOARD_W53 = "bestuur-2026-12-29"
BOARD_W01 = "bestuur-2027-01-05"
WG_ORG = "werkgroep-organizing-2027-01-13"
THEMA = "themabij1komst-2026-12-19"


def sequence_of(event) -> int:
    return int(next(x.value for x in event.extra if x.name == "SEQUENCE"))


def feed(client, path="/kalender.ics"):
    response = client.http.get(path)
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"].startswith("text/calendar")
    return response, {e.uid.split("@")[0]: e for e in ics_events(response.body.decode())}


# --- feeds -------------------------------------------------------------------------------------

def test_the_board_meets_in_w53_and_w01_and_the_werkgroepen_in_neither(client, at_now):
    _, board = feed(client, "/kalender/bestuur.ics")
    assert {BOARD_W53, BOARD_W01} <= set(board)
    for code in ("communicatie", "politieke-agenda", "organizing"):
        _, events = feed(client, f"/kalender/{code}.ics")
        weeks = {e.begin.isocalendar()[:2] for e in events.values()}
        assert events and not weeks & {(2026, 53), (2027, 1)}, code
    _, everything = feed(client)
    per_week: dict = {}
    for event_id, event in everything.items():
        kind = "bestuur" if event_id.startswith("bestuur-") else "werkgroep" if event_id.startswith("werkgroep-") else None
        if kind:
            per_week.setdefault(event.begin.isocalendar()[:2], set()).add(kind)
    assert per_week and all(len(kinds) == 1 for kinds in per_week.values())


def test_feeds_parse_with_an_independent_parser_and_carry_the_calendar_hints(client, at_now):
    response, events = feed(client)
    text = response.body.decode()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Amsterdam" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in text
    assert "DTSTART;TZID=Europe/Amsterdam:20261229T200000" in text
    assert "RRULE" not in text.split("END:VTIMEZONE")[1], "occurrences are published one by one"
    json_ids = {a["id"] for a in call(client, "GET", "/kalender.json?van=2026-10-02&tot=2027-06-02").json_body["activiteiten"]}
    assert set(events) == json_ids  # the feed's documented horizon: 60 days back, 183 ahead
    assert min(e.begin for e in events.values()).date().isoformat() >= "2026-10-02"
    assert all(e.uid.endswith("@den-haag.kalender.bij1.org") for e in events.values())


def test_both_dst_changes_keep_the_wall_clock_time(client, at_now):
    at_now.set(at_now.now.replace(year=2026, month=3, day=1))
    _, board = feed(client, "/kalender/bestuur.ics")
    winter, summer = board["bestuur-2026-03-24"], board["bestuur-2026-04-07"]
    assert (winter.begin.hour, winter.begin.to("UTC").hour) == (20, 19)
    assert (summer.begin.hour, summer.begin.to("UTC").hour) == (20, 18)
    at_now.set(at_now.now.replace(year=2026, month=10, day=1))
    _, board = feed(client, "/kalender/bestuur.ics")
    assert board["bestuur-2026-10-20"].begin.to("UTC").hour == 18
    assert board["bestuur-2026-11-03"].begin.to("UTC").hour == 19


def test_an_unchanged_feed_answers_304_to_its_etag(client, at_now):
    first = client.http.get("/kalender/bestuur.ics")
    tag = first.headers["ETag"]
    again = client.http.get("/kalender/bestuur.ics", headers={"if-none-match": tag})
    assert again.status_code == 304 and again.body in (b"", "")
    assert client.http.get("/kalender/bestuur.ics").headers["ETag"] == tag  # byte-identical


def test_unknown_feeds_and_occurrences_are_404(client, at_now):
    for path in ("/kalender/bestuur", "/kalender/onbekend.ics", "/kalender/..%2Fbestuur.ics",
                 "/kalender/activiteiten/bestuur-2026-12-30.ics",   # a Wednesday: not a board day
                 "/kalender/activiteiten/bestuur-2026-02-30",       # not a date
                 "/kalender/activiteiten/bestuur-2026-12-22",       # W52: even
                 "/kalender/activiteiten/nergens-2026-12-29.ics"):
        assert client.http.get(path).status_code == 404, path


def test_the_page_lists_the_coming_weeks_in_dutch_and_english(client, at_now):
    nl = call(client, "GET", "/kalender", accept="text/html").body.decode()
    en = call(client, "GET", "/kalender?lang=en", accept="text/html").body.decode()
    assert "Week 53 (2026) · oneven week" in nl and "dinsdag 29 december 2026, 20:00–21:30" in nl
    assert "Week 53 (2026) · odd week" in en and "Tuesday 29 December 2026, 20:00–21:30" in en
    assert "/kalender/op-afspraak?activiteit=bestuur-2026-12-29" in nl
    assert "meet.jit.si" not in nl, "a private meeting link is for the invitation only"
    assert "Kerstreces" in nl


def test_the_page_gives_each_feeds_full_address_and_a_one_click_subscription(client, at_now, monkeypatch):
    """A calendar app's "subscribe from URL" needs the whole address; a path cannot be pasted."""
    from functions import wiring

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://denhaag.bij1.example/api/")
    wiring.settings.cache_clear()
    try:
        page = call(client, "GET", "/kalender?lang=en", accept="text/html").body.decode()
    finally:
        wiring.settings.cache_clear()
    for path in ("/kalender.ics", "/kalender/bestuur.ics", "/kalender/organizing.ics"):
        assert f"<code>https://denhaag.bij1.example/api{path}</code>" in page
        assert f'href="webcal://denhaag.bij1.example/api{path}"' in page
    assert "Subscribe with one click" in page


def test_kalender_json_refuses_a_date_that_does_not_exist(client, at_now):
    response = call(client, "GET", "/kalender.json?van=2026-02-30")
    assert response.status_code == 400
    assert "van" in response.json_body["errors"]


# --- changes -----------------------------------------------------------------------------------

def test_cancel_raises_the_sequence_keeps_the_uid_and_stays_in_the_feed(client, at_now, tokens_by_role):
    _, before = feed(client, "/kalender/bestuur.ics")
    response = call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/annuleren",
                    tokens_by_role["bestuur"], {"reden": "Kerstvakantie"})
    assert response.status_code == 200, response.body
    assert response.json_body["geannuleerd"] is True
    _, after = feed(client, "/kalender/bestuur.ics")
    old, new = before[BOARD_W53], after[BOARD_W53]
    assert new.uid == old.uid and new.status == "CANCELLED"
    assert sequence_of(new) == sequence_of(old) + 1
    # LAST-MODIFIED and DTSTAMP (which this parser calls "created") move to the change
    assert new.last_modified > old.last_modified and new.created == new.last_modified
    assert new.last_modified.isoformat() == "2026-12-01T08:00:00+00:00"
    one = client.http.get(f"/kalender/activiteiten/{BOARD_W53}.ics").body.decode()
    assert "STATUS:CANCELLED" in one and f"UID:{old.uid}" in one and "SEQUENCE:1" in one
    history = call(client, "GET", f"/kalender/activiteiten/{BOARD_W53}/wijzigingen", tokens_by_role["bestuur"])
    assert [(h["actie"], h["wie"], h["rol"]) for h in history.json_body["wijzigingen"]] == [
        ("annuleren", "kalender-bestuur", "bestuur")]
    assert call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/annuleren",
                tokens_by_role["bestuur"], {}).status_code == 409


def test_move_raises_the_sequence_keeps_the_uid_and_changes_the_time(client, at_now, tokens_by_role):
    response = call(client, "POST", f"/kalender/activiteiten/{BOARD_W01}/verplaatsen",
                    tokens_by_role["bestuur"], {"start": "2027-01-06T19:30", "eind": "21:00"})
    assert response.status_code == 200, response.body
    _, events = feed(client, "/kalender/bestuur.ics")
    moved = events[BOARD_W01]
    assert moved.begin.isoformat() == "2027-01-06T19:30:00+01:00"
    assert moved.end.isoformat() == "2027-01-06T21:00:00+01:00"
    assert sequence_of(moved) == 1 and moved.uid == f"{BOARD_W01}@den-haag.kalender.bij1.org"
    call(client, "POST", f"/kalender/activiteiten/{BOARD_W01}/verplaatsen", tokens_by_role["bestuur"],
         {"start": "2027-01-07T20:00"})
    _, events = feed(client, "/kalender/bestuur.ics")
    assert sequence_of(events[BOARD_W01]) == 2
    assert events[BOARD_W01].end.isoformat() == "2027-01-07T21:30:00+01:00"  # duration kept
    # a member who remembers the old date finds it: the page says what it was
    nl = call(client, "GET", f"/kalender/activiteiten/{BOARD_W01}", accept="text/html").body.decode()
    assert "Verplaatst</strong> (was dinsdag 5 januari 2027, 20:00)" in nl
    en = call(client, "GET", "/kalender?lang=en", accept="text/html").body.decode()
    assert "Moved</strong> (was Tuesday 5 January 2027, 20:00)" in en


@pytest.mark.parametrize("body, field", [
    ({"start": "2026-11-30T20:00"}, "start"),                       # the past
    ({"start": "2026-12-29T21:00", "eind": "2026-12-29T20:00"}, "eind"),   # end before start
    ({"start": "2027-02-30T20:00"}, "start"),                       # no such date
    ({"start": "2027-03-28T02:30"}, "start"),                       # the clocks skip 02:00-03:00
    ({"start": "morgen"}, "start"),
    ({"start": "2027-01-05"}, "start"),                             # a date without a time
    ({"start": "2027-06-01T20:00"}, "start"),                       # more than 6 weeks away
    ({"start": "2026-12-29T20:00", "eind": "2026-12-31T20:00"}, "eind"),  # longer than a day
])
def test_a_bad_move_is_a_400_naming_the_field_and_changes_nothing(client, at_now, tokens_by_role, body, field):
    response = call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/verplaatsen",
                    tokens_by_role["bestuur"], body)
    assert response.status_code == 400, response.body
    assert field in response.json_body["errors"]
    _, events = feed(client, "/kalender/bestuur.ics")
    assert sequence_of(events[BOARD_W53]) == 0
    assert events[BOARD_W53].begin.isoformat() == "2026-12-29T20:00:00+01:00"


def test_changes_to_unknown_occurrences_are_404(client, at_now, tokens_by_role):
    for activiteit in ("bestuur-2026-12-30", "nergens-2026-12-29", "bestuur-2026-13-01", "bestuur"):
        response = call(client, "POST", f"/kalender/activiteiten/{activiteit}/annuleren",
                        tokens_by_role["bestuur"], {})
        assert response.status_code == 404, activiteit


def test_a_werkgroep_changes_its_own_meetings_only(client, at_now, tokens_by_role):
    organizing, communicatie = tokens_by_role["organizing"], tokens_by_role["communicatie"]
    assert call(client, "POST", f"/kalender/activiteiten/{WG_ORG}/notitie", communicatie,
                {"notitie": "x"}).status_code == 403
    assert call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/annuleren", organizing,
                {}).status_code == 403
    assert call(client, "POST", "/kalender/activiteiten/afdelingsbijeenkomst-2027-01-14/annuleren",
                organizing, {}).status_code == 403
    ok = call(client, "POST", f"/kalender/activiteiten/{WG_ORG}/notitie", organizing,
              {"notitie": "We bespreken de campagne."})
    assert ok.status_code == 200 and ok.json_body["notitie"] == "We bespreken de campagne."
    # the 403s changed nothing
    _, events = feed(client, "/kalender/bestuur.ics")
    assert sequence_of(events[BOARD_W53]) == 0


def test_a_cancelled_themabij1komst_takes_no_theme(client, at_now, tokens_by_role):
    bestuur = tokens_by_role["bestuur"]
    assert call(client, "POST", f"/kalender/activiteiten/{THEMA}/annuleren", bestuur,
                {"reden": "Zaal niet beschikbaar"}).status_code == 200
    refused = call(client, "POST", f"/kalender/activiteiten/{THEMA}/thema", bestuur,
                   {"thema": "Wonen", "werkgroep": "organizing"})
    assert refused.status_code == 409
    assert call(client, "GET", f"/kalender/activiteiten/{THEMA}", accept="application/json").json_body["thema"] in ("", None)


def test_a_werkgroep_hosts_a_themabij1komst_and_then_it_is_theirs(client, at_now, tokens_by_role):
    body = {"thema": "Wonen is een recht", "sprekers": ["Huurdersbond Den Haag"], "werkgroep": "organizing"}
    assert call(client, "POST", f"/kalender/activiteiten/{THEMA}/thema", tokens_by_role["communicatie"],
                body).status_code == 403   # may not name another werkgroep as host
    done = call(client, "POST", f"/kalender/activiteiten/{THEMA}/thema", tokens_by_role["organizing"], body)
    assert done.status_code == 200, done.body
    assert done.json_body["thema"] == "Wonen is een recht" and done.json_body["werkgroep"] == "organizing"
    assert call(client, "POST", f"/kalender/activiteiten/{THEMA}/notitie", tokens_by_role["communicatie"],
                {"notitie": "x"}).status_code == 403
    _, events = feed(client, "/kalender/organizing.ics")
    assert THEMA in events and "Wonen is een recht" in events[THEMA].name
    assert call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/thema", tokens_by_role["bestuur"],
                {"thema": "x"}).status_code == 400


def test_a_one_off_event_gets_an_audience_and_appears_in_the_feeds(client, at_now, tokens_by_role):
    body = {"titel": "Demonstratie voor betaalbaar wonen", "titel_en": "Demonstration for affordable housing",
            "start": "2026-12-12T13:00", "eind": "15:00", "plaats": "Malieveld", "publiek": "iedereen"}
    created = call(client, "POST", "/kalender/activiteiten", tokens_by_role["organizing"], body)
    assert created.status_code == 201, created.body
    one_off = created.json_body
    assert one_off["soort"] == "eenmalig" and one_off["werkgroep"] == "organizing"
    _, events = feed(client, "/kalender/organizing.ics")
    assert events[one_off["id"]].name == "Demonstratie voor betaalbaar wonen"
    assert call(client, "POST", "/kalender/activiteiten", tokens_by_role["organizing"],
                {**body, "publiek": "bestuur"}).status_code == 403
    assert call(client, "POST", "/kalender/activiteiten", tokens_by_role["organizing"],
                {**body, "werkgroep": "communicatie"}).status_code == 403
    bad = call(client, "POST", "/kalender/activiteiten", tokens_by_role["bestuur"],
               {"titel": "", "start": "2026-12-12T13:00", "eind": "12:00"})
    assert bad.status_code == 400 and {"titel", "eind", "plaats"} <= set(bad.json_body["errors"])


@pytest.mark.parametrize("field,value", [
    ("titel", "Demo\u0000<script>"), ("titel", "Demo\r\nATTACH:https://x.invalid/"), ("plaats", "Malie\x0bveld"),
    ("adres", "a\nb"), ("titel_en", "x\x1by"), ("beschrijving", "regel\u0000"), ("link", "https://x\ny")])
def test_control_characters_and_line_breaks_in_one_line_fields_are_a_400_and_stored_nowhere(
        client, at_now, tokens_by_role, field, value):
    # found by the XSS corpus test: a NUL in a title went into every .ics feed (RFC 5545 TEXT
    # has no control characters: calendar apps refuse the feed) and a line break into the
    # invitation's subject line
    body = {"titel": "Demonstratie", "start": "2026-12-12T13:00", "eind": "15:00", "plaats": "Malieveld",
            "publiek": "iedereen", field: value}
    response = call(client, "POST", "/kalender/activiteiten", tokens_by_role["bestuur"], body)
    assert response.status_code == 400 and set(response.json_body["errors"]) == {field}
    assert "Demonstratie" not in client.http.get("/kalender.ics").body.decode()


def test_a_note_and_a_reason_may_span_lines_but_hold_no_other_control_character(client, at_now, tokens_by_role):
    token = tokens_by_role["bestuur"]
    ok = call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/notitie", token, {"notitie": "regel 1\nregel 2"})
    assert ok.status_code == 200 and ok.json_body["notitie"] == "regel 1\nregel 2"
    for path, field in (("notitie", "notitie"), ("annuleren", "reden")):
        bad = call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/{path}", token, {field: "a\u0000b"})
        assert bad.status_code == 400 and set(bad.json_body["errors"]) == {field}
    theme = call(client, "POST", "/kalender/activiteiten/themabij1komst-2027-02-20/thema", token,
                 {"thema": "Wonen", "sprekers": ["Huurders\nbond"]})
    assert theme.status_code == 400 and set(theme.json_body["errors"]) == {"sprekers"}


def test_unknown_json_fields_and_wrong_types_are_refused(client, at_now, tokens_by_role):
    response = call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/annuleren",
                    tokens_by_role["bestuur"], {"reden": ["lijst"], "wie": "ik"})
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"reden", "wie"}


# --- RSVP ----------------------------------------------------------------------------------------

def rsvp_token(page: str) -> str:
    import re

    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_rsvp_is_a_post_button_counted_once_per_page_for_organisers_only(client, at_now, tokens_by_role):
    path = "/kalender/activiteiten/afdelingsbijeenkomst-2026-12-10/rsvp"
    aanmeldingen = "/kalender/activiteiten/afdelingsbijeenkomst-2026-12-10/aanmeldingen"
    form = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}
    page = call(client, "GET", path, accept="text/html").body.decode()
    assert '<form method="post"' in page and "<button" in page
    before = call(client, "GET", aanmeldingen, tokens_by_role["bestuur"]).json_body["ja"]
    client.http.get(path)   # a prefetch or a mail scanner: counts nothing
    token = rsvp_token(page)
    for _ in range(2):      # a double click, or the answer reloaded: one "ik kom"
        answer = client.http.post(path, headers=form, body=f"token={token}".encode())
        assert answer.status_code == 200 and "role=\"status\"" in answer.body.decode()
    second_page = rsvp_token(call(client, "GET", path, accept="text/html").body.decode())
    assert client.http.post(path, headers=form, body=f"token={second_page}".encode()).status_code == 200
    count = call(client, "GET", aanmeldingen, tokens_by_role["bestuur"])
    assert count.json_body["ja"] == before + 2
    assert call(client, "GET", aanmeldingen).status_code == 401
    assert call(client, "GET", aanmeldingen, tokens_by_role["organizing"]).status_code == 403
    online = client.http.post(f"/kalender/activiteiten/{BOARD_W53}/rsvp",
                              headers={"content-type": "application/json"},
                              body=json.dumps({"token": second_page}).encode())
    assert online.status_code == 409


def test_an_rsvp_without_a_valid_token_counts_nothing_and_offers_the_button_again(client, at_now, tokens_by_role):
    path = "/kalender/activiteiten/afdelingsbijeenkomst-2026-12-10/rsvp"
    aanmeldingen = "/kalender/activiteiten/afdelingsbijeenkomst-2026-12-10/aanmeldingen"
    before = call(client, "GET", aanmeldingen, tokens_by_role["bestuur"]).json_body["ja"]
    for body in (b"", b"token=v1.1.abc.def"):
        page = client.http.post(path, headers={"content-type": "application/x-www-form-urlencoded",
                                               "accept": "text/html"}, body=body)
        assert page.status_code == 400 and rsvp_token(page.body.decode())  # a fresh button
    as_json = client.http.post(path, headers={"content-type": "application/json"}, body=b"{}")
    assert as_json.status_code == 400 and set(as_json.json_body["errors"]) == {"token"}
    assert call(client, "GET", aanmeldingen, tokens_by_role["bestuur"]).json_body["ja"] == before


@pytest.mark.parametrize("path", ["/kalender/activiteiten/bestuur-9999-12-31",
                                  "/kalender/activiteiten/bestuur-0001-01-01.ics",
                                  "/kalender/activiteiten/eenmalig-9999-12-31-abcdef"])
def test_dates_at_the_edge_of_the_calendar_are_404_not_500(client, at_now, path):
    assert client.http.get(path).status_code == 404


@pytest.mark.parametrize("start", ["9999-12-31T23:00", "0001-01-01T00:10", "2026-12-29T20:00+99:00"])
def test_times_at_the_edge_of_the_calendar_are_400_not_500(client, at_now, tokens_by_role, start):
    for path, body in ((f"/kalender/activiteiten/{BOARD_W53}/verplaatsen", {"start": start}),
                       ("/kalender/activiteiten", {"titel": "x", "start": start, "eind": "23:59",
                                                   "plaats": "x"})):
        response = call(client, "POST", path, tokens_by_role["bestuur"], body)
        assert response.status_code == 400, (path, start, response.body)
        assert "start" in response.json_body["errors"]


@pytest.mark.parametrize("query", ["van=0001-01-01&tot=0001-01-02", "van=9999-12-01&tot=9999-12-31"])
def test_a_range_at_the_edge_of_the_calendar_is_400_not_500(client, at_now, tokens_by_role, query):
    assert call(client, "GET", f"/kalender.json?{query}").status_code == 400
    assert call(client, "GET", f"/kalender/op-afspraak/verzoeken?{query}",
                tokens_by_role["bestuur"]).status_code == 400
