"""Invitations, reminders and notices through the real Mailchimp adapter against the stand-in:
the right segment per kind of meeting (in the stand-in's recorded requests), exactly one
campaign however often the schedule fires or a message is delivered, and after a crash."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from functions.adapters.dynamo import FakeTable
from functions.adapters.queue import FakeQueue
from functions.config import WERKGROEP_INTEREST_NAMES
from functions.errors import MailchimpError, TemporarilyUnavailable
from functions.http import FormData
from functions.kalender import gegevens, uitnodigingen, wijzigingen
from tests.kalender_support import NOW
from tests.mailchimp_fixtures import adapter_for

BESTUUR = {"name": "tim", "role": "bestuur", "token_id": "t1"}
BASE = "https://denhaag.example/api"


@pytest.fixture
def world(standin):
    from functions.rendering import default_renderer

    return SimpleNamespace(table=FakeTable(), queue=FakeQueue(), mailchimp=adapter_for(standin),
                           renderer=default_renderer(), kalender=gegevens.huidig(), standin=standin)


def plan(world, at=NOW):
    return uitnodigingen.plan(world.kalender, world.table, world.queue, at)


def deliver(world, message, now=NOW):
    return uitnodigingen.verwerk(message, kalender=world.kalender, table=world.table,
                                 mailchimp=world.mailchimp, renderer=world.renderer, now=now,
                                 base_url=BASE, tags={"bestuur": "bestuur", "leden": "lid"},
                                 interests=WERKGROEP_INTEREST_NAMES)


def drain(world, now=NOW):
    done = []
    while world.queue.sent:
        done.append(deliver(world, world.queue.sent.pop(0), now))
    return done


def created(world) -> dict[str, dict]:
    """Title -> body of every POST /campaigns the stand-in received."""
    return {r["body"]["settings"]["title"]: r["body"] for r in world.standin.requests()
            if r["method"] == "POST" and r["path"] == "/3.0/campaigns"}


def sends(world) -> int:
    return sum(1 for r in world.standin.requests()
               if r["method"] == "POST" and r["path"].endswith("/actions/send") and r["status"] == 204)


def campaign(world, title) -> dict:
    return next(c for c in world.standin.campaigns() if c["settings"]["title"] == title)


def subscribed(world, test) -> list[str]:
    return sorted(m["email"] for m in world.standin.members() if m["status"] == "subscribed" and test(m))


def test_each_kind_of_meeting_goes_to_its_own_segment(world):
    # WHEN the schedule fires on Tuesday 1 December 2026
    result = plan(world)
    assert drain(world) == ["verstuurd"] * 4
    bodies = created(world)
    assert set(bodies) == {"kalender bestuur-2026-12-01 uitnodiging",
                           "kalender werkgroep-communicatie-2026-12-07 uitnodiging",
                           "kalender werkgroep-politieke-agenda-2026-12-08 uitnodiging",
                           "kalender afdelingsbijeenkomst-2026-12-10 uitnodiging"}
    assert len(result["in_wachtrij"]) == 4
    s = world.standin

    def condition(title):
        return bodies[title]["recipients"]["segment_opts"]["conditions"]

    # THEN the board meeting goes to the "bestuur" tag ...
    assert condition("kalender bestuur-2026-12-01 uitnodiging") == [
        {"condition_type": "StaticSegment", "field": "static_segment", "op": "static_is",
         "value": s.segment_id("bestuur")}]
    assert campaign(world, "kalender bestuur-2026-12-01 uitnodiging")["recipients"]["emails"] == \
        subscribed(world, lambda m: "bestuur" in m["tags"])
    # ... a werkgroep meeting to that werkgroep's interest ...
    comm = condition("kalender werkgroep-communicatie-2026-12-07 uitnodiging")
    assert comm[0]["condition_type"] == "Interests" and comm[0]["value"] == [s.interest_id("Communicatie")]
    assert campaign(world, "kalender werkgroep-communicatie-2026-12-07 uitnodiging")["recipients"]["emails"] == \
        subscribed(world, lambda m: m["interests"].get(s.interest_id("Communicatie")))
    pa = condition("kalender werkgroep-politieke-agenda-2026-12-08 uitnodiging")
    assert pa[0]["value"] == [s.interest_id("Politieke agenda")]
    # ... the afdelingsbijeenkomst to the members ("lid" tag)
    assert condition("kalender afdelingsbijeenkomst-2026-12-10 uitnodiging")[0]["value"] == s.segment_id("lid")
    members = campaign(world, "kalender afdelingsbijeenkomst-2026-12-10 uitnodiging")["recipients"]["emails"]
    assert members == subscribed(world, lambda m: "lid" in m["tags"]) and len(members) == 4

    # AND the themaBIJ1komst (invited 14 days ahead, on 5 December) to the whole audience
    plan(world, datetime(2026, 12, 5, 7, 0, tzinfo=timezone.utc))
    drain(world, datetime(2026, 12, 5, 7, 1, tzinfo=timezone.utc))
    thema = created(world)["kalender themabij1komst-2026-12-19 uitnodiging"]
    assert "segment_opts" not in thema["recipients"]
    assert campaign(world, "kalender themabij1komst-2026-12-19 uitnodiging")["recipients"]["emails"] == \
        subscribed(world, lambda m: True)


def test_the_invitation_is_dutch_first_with_an_english_summary_and_the_right_links(world):
    plan(world)
    drain(world)
    board = campaign(world, "kalender bestuur-2026-12-01 uitnodiging")
    html, text = board["html"], board["plain_text"]
    assert html.index("Uitnodiging: Bestuursvergadering") < html.index("In English") < html.index("Invitation: Board meeting")
    assert "dinsdag 1 december 2026, 20:00–21:30" in html and "Tuesday 1 December 2026, 20:00–21:30" in html
    assert f"{BASE}/kalender/activiteiten/bestuur-2026-12-01.ics" in text
    assert f"{BASE}/kalender/op-afspraak?activiteit=bestuur-2026-12-01" in text
    assert "https://meet.jit.si/bij1-denhaag-bestuur" in text  # the audience gets the link
    assert "/rsvp" not in text                                 # online: no RSVP
    assert "*|UNSUB|*" in html and "*|UNSUB|*" in text
    assert board["settings"]["subject_line"].startswith("Uitnodiging: Bestuursvergadering")
    meeting = campaign(world, "kalender afdelingsbijeenkomst-2026-12-10 uitnodiging")
    assert f"{BASE}/kalender/activiteiten/afdelingsbijeenkomst-2026-12-10/rsvp" in meeting["html"]
    assert "Hoefkade 602" in meeting["plain_text"]


def test_the_board_invitation_links_the_agenda_only_once_it_is_archived(world):
    assert uitnodigingen.agenda_link(world.table, datetime(2026, 12, 1).date(), BASE) is None
    world.table.put({"pk": "AGENDA#2026-12-01", "sk": "PUBLIC"})
    assert uitnodigingen.agenda_link(world.table, datetime(2026, 12, 1).date(), BASE) == f"{BASE}/agendas/2026-12-01"
    plan(world)
    drain(world)
    assert f"{BASE}/agendas/2026-12-01" in campaign(world, "kalender bestuur-2026-12-01 uitnodiging")["html"]
    # the next board meeting has no agenda yet: no link
    plan(world, datetime(2026, 12, 8, 7, 0, tzinfo=timezone.utc))
    drain(world, datetime(2026, 12, 8, 7, 0, tzinfo=timezone.utc))
    later = campaign(world, "kalender bestuur-2026-12-15 uitnodiging")
    assert "/agendas/" not in later["html"] and "/agendas/" not in later["plain_text"]


def test_a_double_trigger_and_a_duplicated_message_give_one_campaign_each(world):
    plan(world)
    second = plan(world)
    assert second["in_wachtrij"] == [] and len(world.queue.sent) == 4
    messages = list(world.queue.sent)
    world.queue.sent.clear()
    results = [deliver(world, m) for m in messages + messages]   # every message delivered twice
    assert results == ["verstuurd"] * 4 + ["verstuurd"] * 4
    assert len(created(world)) == 4 and sends(world) == 4
    assert plan(world)["in_wachtrij"] == []


def test_a_crash_between_create_and_send_gives_one_campaign(world):
    plan(world, datetime(2026, 12, 5, 7, 0, tzinfo=timezone.utc))
    message = next(m for m in world.queue.sent if m["activiteit"] == "themabij1komst-2026-12-19")
    world.standin.fail(500, "/actions/send")
    with pytest.raises(MailchimpError):
        deliver(world, message)
    assert campaign(world, "kalender themabij1komst-2026-12-19 uitnodiging")["status"] == "save"
    assert deliver(world, message) == "verstuurd"       # the redelivery reuses the draft
    posted = [r for r in world.standin.requests() if r["method"] == "POST" and r["path"] == "/3.0/campaigns"
              and r["body"]["settings"]["title"] == "kalender themabij1komst-2026-12-19 uitnodiging"]
    assert len(posted) == 1
    assert campaign(world, "kalender themabij1komst-2026-12-19 uitnodiging")["status"] == "sent"


def test_a_crash_before_the_campaign_id_was_stored_finds_the_draft_by_title(world, monkeypatch):
    plan(world)
    message = next(m for m in world.queue.sent if m["activiteit"] == "bestuur-2026-12-01")
    real = world.table.transact_write

    def lose_the_id(actions):
        if any("campaign_id" in getattr(a, "set", {}) for a in actions):
            raise TemporarilyUnavailable("the Lambda died here")
        return real(actions)

    monkeypatch.setattr(world.table, "transact_write", lose_the_id)
    with pytest.raises(TemporarilyUnavailable):
        deliver(world, message)
    monkeypatch.setattr(world.table, "transact_write", real)
    assert deliver(world, message) == "verstuurd"
    assert list(created(world)) == ["kalender bestuur-2026-12-01 uitnodiging"] and sends(world) == 1


def test_a_second_consumer_waits_while_one_holds_the_lease(world):
    plan(world)
    message = world.queue.sent[0]
    pk = f"KALENDER#{message['activiteit']}"
    sk = f"MAIL#{message['sleutel']}"
    world.table.items[(pk, sk)]["bezig"] = "2026-12-01T07:59:00Z"   # another consumer, a minute ago
    with pytest.raises(uitnodigingen.Busy):
        deliver(world, message)
    assert created(world) == {}
    world.table.items[(pk, sk)]["bezig"] = "2026-12-01T07:00:00Z"   # it died an hour ago
    assert deliver(world, message) == "verstuurd"


def test_a_begun_meeting_is_never_invited_and_a_missed_day_is_caught_up(world):
    # the schedule did not run from 30 November to 7 December: on 7 December at 19:00 UTC
    # werkgroep Communicatie (19:30 local = 18:30 UTC) has begun; Politieke agenda is tomorrow
    at = datetime(2026, 12, 7, 19, 0, tzinfo=timezone.utc)
    plan(world, at)
    keys = {m["activiteit"] for m in world.queue.sent}
    assert "werkgroep-communicatie-2026-12-07" not in keys
    assert {"werkgroep-politieke-agenda-2026-12-08", "werkgroep-organizing-2026-12-09",
            "afdelingsbijeenkomst-2026-12-10"} <= keys


def test_an_invitation_queued_before_a_cancellation_is_skipped(world):
    plan(world)
    wijzigingen.annuleer(world.kalender, world.table, "afdelingsbijeenkomst-2026-12-10", FormData(),
                         BESTUUR, NOW)
    drain(world)
    assert "kalender afdelingsbijeenkomst-2026-12-10 uitnodiging" not in created(world)
    assert plan(world)["in_wachtrij"] == []   # nothing went out, so no cancellation notice either


def test_a_reminder_the_day_before_only_for_series_that_want_one(world):
    plan(world)
    drain(world)
    at = datetime(2026, 12, 9, 7, 0, tzinfo=timezone.utc)
    queued = plan(world, at)["in_wachtrij"]
    assert "afdelingsbijeenkomst-2026-12-10/herinnering" in queued
    assert not any(k.startswith("werkgroep-") and k.endswith("herinnering") for k in queued)
    drain(world, at)
    reminder = created(world)["kalender afdelingsbijeenkomst-2026-12-10 herinnering"]
    assert reminder["recipients"]["segment_opts"]["conditions"][0]["value"] == world.standin.segment_id("lid")
    assert plan(world, at)["in_wachtrij"] == []


def test_cancelling_and_moving_after_the_invitation_notify_the_same_audience(world):
    plan(world)
    drain(world)
    a = wijzigingen.annuleer(world.kalender, world.table, "werkgroep-communicatie-2026-12-07",
                             FormData({"reden": ["Te weinig mensen"]}), BESTUUR, NOW)
    assert uitnodigingen.na_wijziging(world.kalender, world.table, world.queue, a, NOW) == ["afgelast"]
    moved = wijzigingen.verplaats(world.kalender, world.table, "afdelingsbijeenkomst-2026-12-10",
                                  FormData({"start": ["2026-12-17T19:30"]}), BESTUUR, NOW)
    assert uitnodigingen.na_wijziging(world.kalender, world.table, world.queue, moved, NOW) == ["verplaatst-1"]
    assert plan(world)["in_wachtrij"] == []   # already queued: the daily run adds nothing
    drain(world)
    bodies = created(world)
    invitation = bodies["kalender werkgroep-communicatie-2026-12-07 uitnodiging"]["recipients"]
    notice = bodies["kalender werkgroep-communicatie-2026-12-07 afgelast"]["recipients"]
    assert notice == invitation
    cancelled = campaign(world, "kalender werkgroep-communicatie-2026-12-07 afgelast")
    assert "Afgelast: Werkgroep Communicatie" in cancelled["html"] and "Te weinig mensen" in cancelled["html"]
    move = campaign(world, "kalender afdelingsbijeenkomst-2026-12-10 verplaatst-1")
    assert "donderdag 10 december 2026, 19:30–21:30" in move["plain_text"]   # was
    assert "donderdag 17 december 2026, 19:30–21:30" in move["plain_text"]   # is
    assert move["recipients"]["segment_opts"] == \
        bodies["kalender afdelingsbijeenkomst-2026-12-10 uitnodiging"]["recipients"]["segment_opts"]


@pytest.mark.parametrize("extra_members", [0, 2000])
def test_an_invitation_takes_four_mailchimp_requests_whatever_the_audience(world, extra_members):
    for n in range(extra_members):
        world.standin.add_member(f"lid{n}@example.org", tags=("bestuur",) if n % 50 == 0 else ())
    plan(world)
    message = next(m for m in world.queue.sent if m["activiteit"] == "bestuur-2026-12-01")
    before = len(world.standin.requests())
    assert deliver(world, message) == "verstuurd"
    made = [(r["method"], r["path"].split("/3.0/")[-1]) for r in world.standin.requests()[before:]]
    campaign_id = next(c["id"] for c in world.standin.campaigns())
    assert made == [("GET", f"lists/{world.standin.list_id}/segments"), ("POST", "campaigns"),
                    ("PUT", f"campaigns/{campaign_id}/content"),
                    ("POST", f"campaigns/{campaign_id}/actions/send")]
