"""The real Mailchimp adapter (official client 3.0.80) against the local stand-in."""
from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests

from functions.adapters.mailchimp import FakeMailchimp, MailchimpMarketing
from functions.errors import MailchimpError
from infra.local.mailchimp_standin import DEMO_MEMBERS, MailchimpStandIn
from tests.mailchimp_fixtures import adapter_for

UNSUBSCRIBED = "gijs.demo@example.org"
ANNA = "anna.demo@example.org"


def sends(standin: MailchimpStandIn) -> list[dict]:
    return [r for r in standin.requests()
            if r["method"] == "POST" and r["path"].endswith("/actions/send")]


def ready_campaign(adapter, segment_opts=None, title="Nieuwsbrief november") -> str:
    campaign_id = adapter.create_campaign(title=title, subject="Nieuws", segment_opts=segment_opts,
                                          preview_text="Deze maand")
    adapter.set_content(campaign_id, html="<p>Hallo</p>", plain_text="Hallo")
    return campaign_id


def next_quarter_tomorrow() -> datetime:
    return (datetime.now(timezone.utc) + timedelta(days=1)).replace(minute=15, second=0,
                                                                     microsecond=0)


# -- members ----------------------------------------------------------------------------------

def test_upsert_keeps_an_unsubscribed_member_unsubscribed(standin, mailchimp_adapter):
    member = mailchimp_adapter.upsert_member(UNSUBSCRIBED, status_if_new="pending",
                                             merge_fields={"FNAME": "Gijs"})

    assert member["status"] == "unsubscribed"
    put = [r for r in standin.requests() if r["method"] == "PUT"][-1]
    assert "status" not in put["body"] and put["body"]["status_if_new"] == "pending"


def test_a_new_member_is_pending_until_they_confirm(standin, mailchimp_adapter):
    assert mailchimp_adapter.get_member("nieuw@example.org") is None

    created = mailchimp_adapter.upsert_member("Nieuw@Example.org", language="en")

    assert created["status"] == "pending"
    assert mailchimp_adapter.get_member("nieuw@example.org")["language"] == "en"


def test_interests_reach_the_member_and_their_ids_are_fetched_once(standin, mailchimp_adapter):
    ids = mailchimp_adapter.werkgroep_interest_ids()
    assert set(ids) == {"Communicatie", "Politieke agenda", "Organizing"}

    again = mailchimp_adapter.werkgroep_interest_ids()
    mailchimp_adapter.upsert_member("nieuw@example.org", interests={again["Organizing"]: True})

    member = next(m for m in standin.members() if m["email"] == "nieuw@example.org")
    assert member["interests"][ids["Organizing"]] is True
    assert member["interests"][ids["Communicatie"]] is False
    category_reads = [r for r in standin.requests() if r["path"].endswith("/interest-categories")]
    assert len(category_reads) == 1


def test_tags_are_added_and_removed(standin, mailchimp_adapter):
    mailchimp_adapter.update_tags("chris.demo@example.org", {"bestuur": True, "kascommissie": True})
    mailchimp_adapter.update_tags("chris.demo@example.org", {"kascommissie": False})

    chris = next(m for m in standin.members() if m["email"] == "chris.demo@example.org")
    assert chris["tags"] == ["bestuur"]


def test_tagging_an_unknown_member_is_a_404(mailchimp_adapter):
    with pytest.raises(MailchimpError) as raised:
        mailchimp_adapter.update_tags("niemand@example.org", {"bestuur": True})
    assert raised.value.status == 404 and not raised.value.retryable


# -- segments and campaigns -------------------------------------------------------------------

def test_a_tag_segment_points_at_the_tags_static_segment(standin, mailchimp_adapter):
    opts = mailchimp_adapter.tag_segment("Bestuur")

    assert opts["conditions"] == [{"condition_type": "StaticSegment", "field": "static_segment",
                                   "op": "static_is", "value": standin.segment_id("bestuur")}]


def test_an_unknown_tag_or_interest_is_a_404(mailchimp_adapter):
    with pytest.raises(MailchimpError) as tag:
        mailchimp_adapter.tag_segment("penningmeester")
    with pytest.raises(MailchimpError) as interest:
        mailchimp_adapter.interest_segment("Feestcommissie")
    assert tag.value.status == interest.value.status == 404


def test_campaign_lifecycle_reaches_only_subscribers_with_the_interest(standin, mailchimp_adapter):
    campaign_id = mailchimp_adapter.create_campaign(
        title="Werkgroep communicatie 2026-11", subject="Nieuws van communicatie",
        segment_opts=mailchimp_adapter.interest_segment("Communicatie"), preview_text="Kort")
    assert mailchimp_adapter.checklist(campaign_id)["is_ready"] is False  # no content yet

    mailchimp_adapter.set_content(campaign_id, html="<p>Hallo</p>", plain_text="Hallo")
    mailchimp_adapter.send_test(campaign_id, ["redactie@example.org"])
    assert mailchimp_adapter.checklist(campaign_id)["is_ready"] is True
    status = mailchimp_adapter.send(campaign_id)

    assert status == "sending"  # accepted (204), no read-back
    campaign = standin.campaigns()[0]
    assert campaign["id"] == campaign_id and campaign["status"] == "sent"
    # gijs has the interest but unsubscribed
    assert campaign["recipients"]["emails"] == [ANNA, "chris.demo@example.org",
                                                "eli.demo@example.org"]
    assert campaign["test_emails"] == [["redactie@example.org"]]
    assert campaign["settings"] == {
        "subject_line": "Nieuws van communicatie", "title": "Werkgroep communicatie 2026-11",
        "from_name": "BIJ1 Den Haag", "reply_to": "denhaag@bij1.org", "preview_text": "Kort"}
    assert campaign["html"] == "<p>Hallo</p>" and campaign["plain_text"] == "Hallo"


def test_a_tag_campaign_reaches_only_subscribed_members_with_the_tag(standin, mailchimp_adapter):
    mailchimp_adapter.send(ready_campaign(mailchimp_adapter,
                                          mailchimp_adapter.tag_segment("bestuur")))

    assert standin.campaigns()[0]["recipients"]["emails"] == [
        ANNA, "bram.demo@example.org", "dewi.demo@example.org"]


def test_a_second_send_is_a_no_op_that_returns_sent(standin, mailchimp_adapter):
    campaign_id = ready_campaign(mailchimp_adapter)

    assert mailchimp_adapter.send(campaign_id) == "sending"
    assert mailchimp_adapter.send(campaign_id) == "sent"   # read first: left alone

    assert len(sends(standin)) == 1


def test_find_campaign_by_title_returns_the_newest_match(mailchimp_adapter):
    assert mailchimp_adapter.find_campaign_by_title("Agenda bestuur 2026-12") is None
    mailchimp_adapter.create_campaign(title="Agenda bestuur 2026-12", subject="a")
    newest = mailchimp_adapter.create_campaign(title="Agenda bestuur 2026-12", subject="b")
    mailchimp_adapter.create_campaign(title="Iets anders", subject="c")

    found = mailchimp_adapter.find_campaign_by_title("Agenda bestuur 2026-12")

    assert found["id"] == newest and found["settings"]["subject_line"] == "b"


# -- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode, status, retryable", [
    (429, 429, True), (500, 500, True), (503, 503, True), ("empty:429", 429, True),
    ("empty:500", 500, True), (400, 400, False), ("empty:400", 400, False)])
def test_failures_become_mailchimp_errors(standin, mailchimp_adapter, mode, status, retryable):
    standin.fail(mode, "/campaigns")

    with pytest.raises(MailchimpError) as raised:
        mailchimp_adapter.create_campaign(title="t", subject="s")

    assert (raised.value.status, raised.value.retryable) == (status, retryable)
    assert standin.requests()[-1]["status"] == status


def test_a_problem_json_error_keeps_title_and_detail_and_chains_the_client_error(
        standin, mailchimp_adapter):
    with pytest.raises(MailchimpError) as raised:
        mailchimp_adapter.get_campaign("onbekend")

    error = raised.value
    assert error.status == 404 and not error.retryable
    assert "Resource Not Found" in str(error)
    assert error.detail == "The requested resource could not be found."
    assert type(error.__cause__).__name__ == "ApiClientError"


def test_a_timeout_is_a_retryable_error_without_status(standin):
    standin.fail("timeout", "/members/")
    adapter = adapter_for(standin, timeout=0.5)

    with pytest.raises(MailchimpError) as raised:
        adapter.get_member(ANNA)

    assert raised.value.status is None and raised.value.retryable
    assert "timed out" in str(raised.value)


def test_an_unreachable_mailchimp_is_a_retryable_error(standin):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    adapter = MailchimpMarketing(api_key="k-us1", server="us1", list_id="l",
                                 base_url=f"http://127.0.0.1:{port}/3.0", timeout=1)

    with pytest.raises(MailchimpError) as raised:
        adapter.get_campaign("x")

    assert raised.value.status is None and raised.value.retryable


def test_a_wrong_api_key_is_a_401_that_no_retry_fixes(standin):
    adapter = MailchimpMarketing(api_key="verkeerd-us1", server="us1", list_id=standin.list_id,
                                 base_url=standin.base_url)

    with pytest.raises(MailchimpError) as raised:
        adapter.get_member(ANNA)

    assert raised.value.status == 401 and not raised.value.retryable


def test_an_empty_404_on_get_member_still_means_no_member(standin, mailchimp_adapter):
    standin.fail("empty:404", "/members/")

    assert mailchimp_adapter.get_member(ANNA) is None


def test_error_messages_never_carry_the_email_address(standin, mailchimp_adapter):
    standin.fail(500, "/members/")
    with pytest.raises(MailchimpError) as server_error:
        mailchimp_adapter.upsert_member(ANNA)
    with pytest.raises(MailchimpError) as invalid:
        mailchimp_adapter.upsert_member("kapot@@example.org")

    assert "anna" not in str(server_error.value)
    assert invalid.value.status == 400 and "kapot" not in str(invalid.value)


# -- idempotent send under failures -----------------------------------------------------------

@pytest.mark.parametrize("mode", ["timeout", 500, 502, 400])
def test_send_that_failed_after_mailchimp_sent_reads_the_status_and_does_not_send_again(
        standin, mode):
    # GIVEN Mailchimp performs the send but the answer is lost (timeout), a 5xx,
    # or a 400 because a concurrent send came first
    adapter = adapter_for(standin, timeout=0.5)
    campaign_id = ready_campaign(adapter)
    standin.fail(mode, "/actions/send", after_applying=True)

    # WHEN we send
    status = adapter.send(campaign_id)

    # THEN the adapter reads the status instead of failing or sending again
    assert status == "sent"
    assert len(sends(standin)) == 1
    assert standin.campaigns()[0]["status"] == "sent"
    assert adapter.send(campaign_id) == "sent" and len(sends(standin)) == 1


def test_send_that_failed_before_anything_happened_raises_and_a_retry_sends_once(
        standin, mailchimp_adapter):
    campaign_id = ready_campaign(mailchimp_adapter)
    standin.fail(500, "/actions/send")

    with pytest.raises(MailchimpError) as raised:
        mailchimp_adapter.send(campaign_id)
    assert raised.value.retryable and standin.campaigns()[0]["status"] == "save"

    assert mailchimp_adapter.send(campaign_id) == "sending"  # e.g. the SQS redelivery
    assert [r["status"] for r in sends(standin)] == [500, 204]


def test_a_429_on_send_is_raised_without_reading_the_status_again(standin, mailchimp_adapter):
    campaign_id = ready_campaign(mailchimp_adapter)
    standin.fail(429, "/actions/send")

    with pytest.raises(MailchimpError) as raised:
        mailchimp_adapter.send(campaign_id)

    assert raised.value.status == 429
    assert standin.requests()[-1]["path"].endswith("/actions/send")


# -- schedule ---------------------------------------------------------------------------------

@pytest.mark.parametrize("when", [
    datetime(2030, 1, 1, 10, 7, tzinfo=timezone.utc),
    datetime(2030, 1, 1, 10, 15, 30, tzinfo=timezone.utc),
    datetime(2030, 1, 1, 10, 15)])  # naive
def test_schedule_rejects_times_off_the_quarter_hour_before_any_request(
        standin, mailchimp_adapter, when):
    before = len(standin.requests())

    with pytest.raises(ValueError):
        mailchimp_adapter.schedule("any-campaign", when)

    assert len(standin.requests()) == before


def test_schedule_sends_utc_on_the_quarter_hour(standin, mailchimp_adapter):
    campaign_id = ready_campaign(mailchimp_adapter)
    local = next_quarter_tomorrow().astimezone(ZoneInfo("Europe/Amsterdam"))

    mailchimp_adapter.schedule(campaign_id, local)

    campaign = standin.campaigns()[0]
    assert campaign["status"] == "schedule"
    assert campaign["send_time"] == local.astimezone(timezone.utc).isoformat()
    assert standin.requests()[-1]["body"]["schedule_time"].endswith("+00:00")


def test_scheduling_in_the_past_is_a_400(mailchimp_adapter):
    campaign_id = ready_campaign(mailchimp_adapter)

    with pytest.raises(MailchimpError) as raised:
        mailchimp_adapter.schedule(campaign_id, datetime(2020, 1, 1, 10, 0, tzinfo=timezone.utc))

    assert raised.value.status == 400 and not raised.value.retryable


def test_a_scheduled_campaign_goes_out_when_its_time_comes(standin, mailchimp_adapter):
    campaign_id = ready_campaign(mailchimp_adapter)
    when = next_quarter_tomorrow()
    mailchimp_adapter.schedule(campaign_id, when)

    standin.now = lambda: when + timedelta(minutes=1)

    assert mailchimp_adapter.get_campaign(campaign_id)["status"] == "sent"
    assert mailchimp_adapter.send(campaign_id) == "sent" and not sends(standin)


# -- configuration ----------------------------------------------------------------------------

def test_a_base_url_containing_server_is_used_verbatim():
    adapter = MailchimpMarketing(api_key="k-us21", server="us21", list_id="l",
                                 base_url="http://mailchimp-server.test/3.0/")
    urls = []

    def fake_request(method, url, query_params=None, headers=None, body=None):
        urls.append(url)
        response = requests.models.Response()
        response.status_code, response._content = 200, b'{"id": "c1", "status": "save"}'
        response.headers["Content-Type"] = "application/json"
        return response

    adapter.client.api_client.request = fake_request
    adapter.get_campaign("c1")

    assert urls == ["http://mailchimp-server.test/3.0/campaigns/c1"]


def test_without_a_base_url_the_data_centre_goes_into_the_host():
    adapter = MailchimpMarketing(api_key="k-us21", server="", list_id="l", timeout=3)

    assert adapter.base_url == "https://us21.api.mailchimp.com/3.0"
    assert adapter.client.api_client.host == adapter.base_url
    assert adapter.client.api_client.timeout == 3.0
    assert "k-us21" not in repr(adapter)


# -- the stand-in itself ----------------------------------------------------------------------

def test_the_standin_rejects_a_wrong_key_and_unknown_paths_with_problem_json(standin):
    wrong = requests.get(f"{standin.base_url}/ping", auth=("x", "fout"), timeout=5)
    unknown = requests.get(f"{standin.base_url}/verzonnen", auth=("x", standin.api_key), timeout=5)
    ping = requests.get(f"{standin.base_url}/ping", auth=("x", standin.api_key), timeout=5)

    assert wrong.status_code == 401 and unknown.status_code == 404 and ping.ok
    for answer in (wrong, unknown):
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert set(answer.json()) == {"type", "title", "status", "detail", "instance"}
    assert [r["status"] for r in standin.requests()] == [401, 404, 200]


def test_the_standin_rejects_a_body_whose_email_does_not_match_the_hash(standin):
    answer = requests.put(f"{standin.base_url}/lists/{standin.list_id}/members/0123abcd",
                          json={"email_address": ANNA, "status_if_new": "pending"},
                          auth=("x", standin.api_key), timeout=5)

    assert answer.status_code == 400


def test_the_standin_ignores_a_tags_body_of_the_wrong_shape_like_mailchimp(standin):
    answer = requests.post(f"{standin.base_url}/lists/{standin.list_id}/members/{ANNA}/tags",
                           json={"tags": ["bestuur", "nieuw"]}, auth=("x", standin.api_key),
                           timeout=5)

    assert answer.status_code == 204
    assert next(m for m in standin.members() if m["email"] == ANNA)["tags"] == ["bestuur"]


def test_the_standin_prints_nothing(standin, mailchimp_adapter, capfd):
    mailchimp_adapter.get_member(ANNA)
    requests.get(f"{standin.base_url}/verzonnen", timeout=5)

    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_the_standin_refuses_an_unknown_failure_mode(standin):
    with pytest.raises(ValueError):
        standin.fail("slow")


def test_the_standin_demo_audience_is_seeded_once_however_often_it_is_seeded(standin):
    standin.seed_demo()

    members = standin.members()
    assert len(members) == len(DEMO_MEMBERS)
    assert sum(m["status"] == "subscribed" for m in members) == 6
    assert sum("bestuur" in m["tags"] and m["status"] == "subscribed" for m in members) == 3


# -- the fake has the real adapter's semantics ------------------------------------------------

@pytest.fixture(params=["real", "fake"])
def either(request):
    """The real adapter on the seeded stand-in, or the fake seeded with the same audience."""
    if request.param == "real":
        return request.getfixturevalue("mailchimp_adapter")
    fake = FakeMailchimp()
    for email, status, tags, interests, first_name in DEMO_MEMBERS:
        fake.add_member(email, status=status, tags=tags, interests=interests,
                        merge_fields={"FNAME": first_name})
    return fake


def test_both_keep_an_unsubscribed_member_unsubscribed_and_make_new_ones_pending(either):
    assert either.upsert_member(UNSUBSCRIBED)["status"] == "unsubscribed"
    assert either.get_member("nieuw@example.org") is None
    assert either.upsert_member("nieuw@example.org")["status"] == "pending"


def test_both_send_once_and_then_answer_sent(either):
    """The send is accepted ("sending"); a second call reads the status and leaves it."""
    campaign_id = either.create_campaign(title="t", subject="s",
                                         segment_opts=either.tag_segment("bestuur"))
    assert either.checklist(campaign_id)["is_ready"] is False
    either.set_content(campaign_id, html="<p>x</p>", plain_text="x")

    assert either.send(campaign_id) == "sending"
    assert either.send(campaign_id) == "sent"
    assert either.get_campaign(campaign_id)["emails_sent"] == 3
    assert either.find_campaign_by_title("t")["id"] == campaign_id


def test_both_refuse_to_send_a_campaign_that_is_not_ready(either):
    campaign_id = either.create_campaign(title="t", subject="s")

    with pytest.raises(MailchimpError) as raised:
        either.send(campaign_id)

    assert raised.value.status == 400
