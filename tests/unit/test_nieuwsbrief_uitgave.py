"""The monthly newsletter against the fakes: compiled by itself, approved by eindredactie,
sent exactly once, archived; never sent without approval."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from functions.adapters.dynamo import FakeTable, TransactionConditionFailed
from functions.adapters.mailchimp import FakeMailchimp
from functions.adapters.queue import FakeQueue
from functions.errors import Conflict, MailchimpError, NotReady
from functions.nieuwsbrief import planning as plan
from functions.nieuwsbrief import uitgave
from functions.nieuwsbrief.secties import Bron
from functions.rendering import default_renderer

UTC = timezone.utc
COMPILE = datetime(2026, 12, 20, 8, 0, tzinfo=UTC)  # 09:00 in Den Haag (winter)
MAAND = "2027-01"
EDITOR = {"name": "martijn", "role": "bestuur"}
BASE = "https://denhaag.bij1.org/api"


@pytest.fixture
def world():
    table, queue = FakeTable(), FakeQueue()
    mailchimp = FakeMailchimp()
    for email in ("a@example.org", "b@example.org"):
        mailchimp.add_member(email)
    planning = plan.Planning.from_afdeling()
    return table, mailchimp, queue, planning


def bron(table, now=COMPILE, maand=MAAND):
    return Bron(table=table, maand=maand, now=now, today=now.astimezone(plan.Planning.from_afdeling().tz).date(),
                k=5, base_url=BASE)


def compile_(world, verzoek="schema-2027-01", now=COMPILE, maand=MAAND):
    table, mailchimp, _, planning = world
    return uitgave.samenstellen(table, mailchimp, default_renderer(), bron(table, now, maand), planning,
                                verzoek=verzoek, who=EDITOR)


def deliver(world, now):
    """Run the consumer on every queued send message, as SQS would (at least once)."""
    table, mailchimp, queue, _ = world
    results = [uitgave.versturen(table, mailchimp, m, now) for m in queue.sent
               if m["kind"] == uitgave.VERSTUREN]
    queue.sent.clear()
    return results


def test_compiling_makes_one_draft_campaign_with_html_text_merge_tags_and_a_test_mail(world):
    table, mailchimp, _, planning = world
    result = compile_(world)
    (campaign,) = mailchimp.campaigns.values()
    assert result["veranderd"] and result["versie"] == 1 and campaign["status"] == "save"
    assert campaign["settings"]["title"] == "nieuwsbrief-2027-01"
    assert campaign["settings"]["subject_line"] == "Nieuwsbrief januari 2027"
    assert campaign["settings"]["preview_text"] and campaign["settings"]["inline_css"] is True
    assert "segment_opts" not in campaign["recipients"]  # the whole audience
    html, text = campaign["html"], campaign["plain_text"]
    assert "*|UNSUB|*" in html and "*|HTML:LIST_ADDRESS_HTML|*" in html
    assert "*|UNSUB|*" in text and "*|LIST:ADDRESSLINE|*" in text
    assert "Newsletter January 2027" in html  # the English summary
    assert campaign["test_emails"] == [list(planning.eindredactie)]
    state = table.get("NIEUWSBRIEF#2027-01", "UITGAVE")
    assert state["status"] == "concept" and state["mailchimp_versie"] == 1


def test_a_second_firing_or_redelivery_changes_nothing_and_a_recompile_updates_the_same_campaign(world):
    table, mailchimp, _, _ = world
    compile_(world)
    assert compile_(world)["veranderd"] is False  # the same request again
    (campaign,) = mailchimp.campaigns.values()
    assert len(campaign["test_emails"]) == 1
    again = compile_(world, verzoek="handmatig-1", now=COMPILE + timedelta(days=2))
    assert again["versie"] == 2 and len(mailchimp.campaigns) == 1
    assert len(campaign["test_emails"]) == 2  # a new test mail for the new version
    assert mailchimp.calls.count("create_campaign") == 1


def test_a_crash_between_creating_and_recording_the_campaign_makes_no_second_one(world):
    table, mailchimp, _, planning = world

    class DiesOnce(FakeTable):
        def __init__(self, items):
            super().__init__()
            self.items, self.died = items, False

        def transact_write(self, actions):
            if not self.died and any("campaign_id" in getattr(a, "set", {}) for a in actions):
                self.died = True
                raise RuntimeError("the Lambda died here")
            return super().transact_write(actions)

    crashing = DiesOnce(table.items)
    with pytest.raises(RuntimeError):
        uitgave.samenstellen(crashing, mailchimp, default_renderer(), bron(crashing), planning,
                             verzoek="schema-2027-01", who=EDITOR)
    compile_(world)  # the redelivery
    assert len(mailchimp.campaigns) == 1
    assert table.get("NIEUWSBRIEF#2027-01", "UITGAVE")["campaign_id"] in mailchimp.campaigns


def test_approval_is_refused_listing_the_checklist_when_mailchimp_is_not_ready(world):
    table, mailchimp, queue, planning = world
    compile_(world)
    for member in mailchimp.members.values():
        member["status"] = "unsubscribed"  # nobody to send to
    with pytest.raises(NotReady) as exc:
        uitgave.goedkeuren(table, mailchimp, queue, MAAND, planning, EDITOR, COMPILE)
    assert "recipients" in exc.value.errors["checklist"]
    assert table.get("NIEUWSBRIEF#2027-01", "UITGAVE")["status"] == "concept" and queue.sent == []


def test_an_approved_issue_is_scheduled_for_the_first_at_nine_local_time_exactly_once(world):
    table, mailchimp, queue, planning = world
    compile_(world)
    result = uitgave.goedkeuren(table, mailchimp, queue, MAAND, planning, EDITOR, COMPILE + timedelta(days=3))
    assert result["status"] == "goedgekeurd" and result["verzendmoment"] == "2027-01-01T08:00:00Z"
    queue.sent.append(dict(queue.sent[0]))  # delivered twice
    assert deliver(world, COMPILE + timedelta(days=3)) == ["gepland", "skipped"]
    (campaign,) = mailchimp.campaigns.values()
    assert campaign["status"] == "schedule" and campaign["send_time"] == "2027-01-01T08:00:00+00:00"
    assert mailchimp.calls.count("schedule") == 1 and mailchimp.sent == []
    # after approval a compile changes nothing
    assert compile_(world, verzoek="handmatig-2")["veranderd"] is False
    assert len(campaign["test_emails"]) == 1


def test_the_happy_path_takes_six_mailchimp_calls_whatever_the_audience(world):
    table, mailchimp, queue, planning = world
    for n in range(500):
        mailchimp.add_member(f"lid{n}@example.org")
    compile_(world)
    uitgave.goedkeuren(table, mailchimp, queue, MAAND, planning, EDITOR, COMPILE)
    deliver(world, COMPILE)
    assert mailchimp.calls == ["create_campaign", "set_content", "send_test", "checklist", "schedule"]
    # (the real adapter's schedule reads the campaign's status first: six requests)


def test_approval_after_the_send_moment_sends_at_once_and_the_archive_shows_it(world):
    table, mailchimp, queue, planning = world
    compile_(world)
    late = datetime(2027, 1, 2, 10, tzinfo=UTC)
    uitgave.goedkeuren(table, mailchimp, queue, MAAND, planning, EDITOR, late)
    assert deliver(world, late) == ["verzonden"]
    assert mailchimp.sent == list(mailchimp.campaigns)
    assert [i["maand"] for i in uitgave.verzonden(table)] == [MAAND]
    archived = uitgave.archief(table, MAAND)["archief_html"]
    assert "*|" not in archived and "Nieuwsbrief januari 2027" in archived
    # the plan's goal counted itself, once
    from functions.doelen import voortgang
    goals = {d["code"]: d["bereikt"] for d in voortgang.overzicht(table, 2027)["doelen"]}
    assert goals["nieuwsbrieven"] == 1
    uitgave.dagelijks(table, mailchimp, queue, planning, late + timedelta(days=1))
    assert {d["code"]: d["bereikt"] for d in voortgang.overzicht(table, 2027)["doelen"]}["nieuwsbrieven"] == 1


def test_a_withdrawn_approval_unschedules_and_the_issue_can_be_changed_again(world):
    table, mailchimp, queue, planning = world
    compile_(world)
    uitgave.goedkeuren(table, mailchimp, queue, MAAND, planning, EDITOR, COMPILE)
    deliver(world, COMPILE)
    back = uitgave.intrekken(table, mailchimp, MAAND, planning, EDITOR, COMPILE + timedelta(hours=1))
    assert back["status"] == "concept"
    (campaign,) = mailchimp.campaigns.values()
    assert campaign["status"] == "save"
    assert compile_(world, verzoek="handmatig-3")["versie"] == 2
    uitgave.goedkeuren(table, mailchimp, queue, MAAND, planning, EDITOR, COMPILE + timedelta(hours=2))
    assert deliver(world, COMPILE + timedelta(hours=2)) == ["gepland"]
    assert len(mailchimp.campaigns) == 1


def test_a_withdrawal_that_died_before_unscheduling_finishes_when_asked_again(world):
    table, mailchimp, queue, planning = world
    compile_(world)
    uitgave.goedkeuren(table, mailchimp, queue, MAAND, planning, EDITOR, COMPILE)
    assert deliver(world, COMPILE) == ["gepland"]
    real_unschedule = mailchimp.unschedule

    def dies(campaign_id):
        raise TimeoutError("the Lambda was killed here")

    # WHEN the withdrawal dies after its state change, before Mailchimp unscheduled
    mailchimp.unschedule = dies
    with pytest.raises(TimeoutError):
        uitgave.intrekken(table, mailchimp, MAAND, planning, EDITOR, COMPILE + timedelta(hours=1))
    (campaign,) = mailchimp.campaigns.values()
    assert campaign["status"] == "schedule"
    # THEN asking again (the board's retry) unschedules: never sent without approval
    mailchimp.unschedule = real_unschedule
    back = uitgave.intrekken(table, mailchimp, MAAND, planning, EDITOR, COMPILE + timedelta(hours=1))
    assert back["status"] == "concept" and campaign["status"] == "save"
    actions = [i["action"] for (pk, sk), i in table.items.items() if sk.startswith("HIST#")]
    assert actions.count("ingetrokken") == 1


def test_a_withdrawal_that_races_the_consumer_wins(world):
    table, mailchimp, queue, planning = world
    compile_(world)
    uitgave.goedkeuren(table, mailchimp, queue, MAAND, planning, EDITOR, COMPILE)
    real_schedule = mailchimp.schedule

    def schedule_then_withdrawn(campaign_id, when):
        status = real_schedule(campaign_id, when)
        # the eindredactie withdraws while the consumer is between Mailchimp and the table
        table.items[("NIEUWSBRIEF#2027-01", "UITGAVE")]["status"] = "concept"
        return status

    mailchimp.schedule = schedule_then_withdrawn
    assert deliver(world, COMPILE) == ["withdrawn"]
    assert next(iter(mailchimp.campaigns.values()))["status"] == "save"


def test_never_sent_without_approval_and_the_status_says_so(world):
    table, mailchimp, queue, planning = world
    compile_(world)
    after = datetime(2027, 1, 1, 12, tzinfo=UTC)
    for day in range(5):
        uitgave.dagelijks(table, mailchimp, queue, planning, after + timedelta(days=day))
    assert [m for m in queue.sent if m["kind"] == uitgave.VERSTUREN] == []
    assert mailchimp.sent == [] and "schedule" not in mailchimp.calls
    status = uitgave.status(table, MAAND, planning, after)
    assert status["status"] == "concept" and status["te_laat"] is True


def test_a_timeout_on_schedule_is_retried_and_schedules_once(world):
    table, mailchimp, queue, planning = world
    compile_(world)
    uitgave.goedkeuren(table, mailchimp, queue, MAAND, planning, EDITOR, COMPILE)
    message = queue.sent[0]
    mailchimp.fail_next, mailchimp.fail_method = MailchimpError("timed out", retryable=True), "schedule"
    with pytest.raises(MailchimpError):
        uitgave.versturen(table, mailchimp, message, COMPILE)  # SQS will deliver it again
    assert uitgave.versturen(table, mailchimp, message, COMPILE) == "gepland"
    assert [c["status"] for c in mailchimp.campaigns.values()] == ["schedule"]


def test_the_daily_schedule_compiles_once_a_month_at_nine_local_time(world):
    table, mailchimp, queue, planning = world
    firings = [datetime(2026, 12, d, h, tzinfo=UTC) for d in range(18, 24) for h in (7, 8)]
    for when in firings:
        uitgave.dagelijks(table, mailchimp, queue, planning, when)
        for m in list(queue.sent):
            if m["kind"] == uitgave.SAMENSTELLEN:
                uitgave.samenstellen(table, mailchimp, default_renderer(), bron(table, when, m["maand"]),
                                     planning, verzoek=m["verzoek"], who=EDITOR)
        queue.sent.clear()
    assert [c["settings"]["title"] for c in mailchimp.campaigns.values()] == ["nieuwsbrief-2027-01"]


@pytest.mark.parametrize("when,due", [
    (datetime(2026, 12, 20, 8, tzinfo=UTC), "2027-01"),   # winter: 09:00 local is 08:00 UTC
    (datetime(2026, 12, 20, 7, tzinfo=UTC), None),
    (datetime(2026, 6, 20, 7, tzinfo=UTC), "2026-07"),    # summer: 07:00 UTC
    (datetime(2026, 6, 20, 8, tzinfo=UTC), None),
    (datetime(2026, 6, 19, 7, tzinfo=UTC), None),         # before the day
    (datetime(2026, 6, 23, 7, tzinfo=UTC), "2026-07"),    # a missed day is caught up
])
def test_the_compile_hour_is_kept_in_local_time_across_daylight_saving(when, due):
    assert plan.Planning.from_afdeling().compile_due(when) == due


def test_the_send_moment_is_nine_local_time_on_a_quarter_hour_in_utc():
    planning = plan.Planning.from_afdeling()
    assert planning.verstuurmoment("2027-01") == datetime(2027, 1, 1, 8, tzinfo=UTC)
    assert planning.verstuurmoment("2027-07") == datetime(2027, 7, 1, 7, tzinfo=UTC)


def test_the_schedule_in_the_routes_is_the_one_the_planning_explains():
    import inspect

    from functions.nieuwsbrief import routes

    assert f'@bp.schedule("{plan.SCHEDULE}")' in inspect.getsource(routes)


@pytest.mark.parametrize("maand", ["2027-13", "27-01", "", "2027-1", "../2027-01"])
def test_a_month_that_is_not_yyyy_mm_is_a_validation_error(maand):
    from functions.errors import ValidationError

    with pytest.raises(ValidationError) as exc:
        plan.parse_maand(maand)
    assert list(exc.value.errors) == ["maand"]


def test_the_boards_archived_documents_since_the_last_issue_are_linked_never_their_content(world):
    from functions.agendas import archief
    from tests.unit.test_agendas_concept import BESTUUR, FakeArchive

    table, mailchimp, _, _ = world
    archive = FakeArchive()
    body = b"# Agenda\n\n## Opening\n\n## Personeel (besloten)\n\nGEHEIM\n"
    upload = archief.ontvang(table, archive, datum_raw="2026-12-10", stuk="agenda", body=body,
                             headers={"content-type": "text/markdown"}, query={},
                             principal=BESTUUR, now=COMPILE - timedelta(days=5))
    archief.verwerk_upload(upload["upload_id"], table, archive, COMPILE - timedelta(days=5))
    compile_(world)
    (campaign,) = mailchimp.campaigns.values()
    assert f"{BASE}/agendas/2026-12-10" in campaign["html"]
    assert "GEHEIM" not in campaign["html"] and "GEHEIM" not in campaign["plain_text"]


def test_the_mail_shows_last_months_meldpunt_figures_through_the_cell_key_method(world):
    from functions.meldpunt.celsleutel import Cel, publish
    from tests.meldpunt_seed import counter_item, record_key

    table, mailchimp, _, _ = world
    table.put(counter_item("2026-11", "WK051830", 12, cat={"nafluiten": 12}))  # Centrum
    table.put(counter_item("2026-11", "WK051808", 2, cat={"nafluiten": 2}))    # Scheveningen
    compile_(world)
    (campaign,) = mailchimp.campaigns.values()
    html, text = campaign["html"], campaign["plain_text"]
    assert "Meldpunt straatintimidatie: november 2026" in html
    centrum = publish(Cel(12, sum(record_key(f"2026-11-WK051830-{i}") for i in range(12))), 5)
    assert f"- Centrum: {centrum}" in text and "- Scheveningen: <5" in text
    assert '<table class="staven"' in html and "<svg" not in html  # mail clients block SVG
    assert "hoogstens 2" in html


def test_articles_are_sanitised_in_the_html_and_plain_in_the_text(world):
    from functions.nieuwsbrief import artikelen

    table, mailchimp, _, _ = world
    artikelen.toevoegen(table, MAAND, {"titel": "<i>Titel</i>", "volgorde": 1,
                                       "tekst": "Zie [hier](javascript:alert(1)) <script>x()</script> **vet**"},
                        EDITOR, COMPILE)
    compile_(world)
    (campaign,) = mailchimp.campaigns.values()
    html = campaign["html"]
    assert "<strong>vet</strong>" in html and "&lt;i&gt;Titel&lt;/i&gt;" in html
    assert "<script" not in html and 'href="javascript' not in html
    assert "== <i>Titel</i> ==" in campaign["plain_text"]  # text/plain: shown as written


def test_the_agenda_of_next_month_is_in_the_mail_with_calendar_links_and_the_thema_highlighted(world):
    from functions.kalender.activiteiten import activiteiten_tussen

    table, mailchimp, _, _ = world
    compile_(world)
    (campaign,) = mailchimp.campaigns.values()
    html, text = campaign["html"], campaign["plain_text"]
    expected = activiteiten_tussen(table, date(2027, 1, 1), date(2027, 2, 1), base_url=BASE)
    assert expected, "the kalender has meetings in January 2027"
    assert "Agenda van januari 2027" in html
    for a in expected:
        assert a["ics_url"] in html and a["ics_url"] in text
    assert "ThemaBIJ1komst" not in html  # none in January


def test_a_themabij1komst_is_highlighted_in_its_months_issue(world):
    table, mailchimp, _, _ = world
    compile_(world, now=datetime(2027, 1, 20, 8, tzinfo=UTC), maand="2027-02")
    (campaign,) = mailchimp.campaigns.values()
    assert "ThemaBIJ1komst" in campaign["html"] and "background:#f3e8f8" in campaign["html"]
    assert "ThemaBIJ1komst" in campaign["plain_text"]
