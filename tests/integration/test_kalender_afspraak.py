""""Op afspraak" through the real app on moto: the form (bad input keeps every value), the
stored request, its confirmation by SES, the board's list, the draft agenda's view, and
retention of the e-mail addresses by the daily schedule."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest

from functions.kalender import afspraak
from tests.conftest import schedule_event, sqs_event
from tests.kalender_support import NOW, at_now, call, ses_sender, tokens_by_role  # noqa: F401

FORM_HEADERS = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}
MEETING = "bestuur-2026-12-15"


def form_token(client) -> str:
    page = call(client, "GET", "/kalender/op-afspraak", accept="text/html").body.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def post_form(client, fields: dict, lang: str = "nl"):
    return client.http.post(f"/kalender/op-afspraak?lang={lang}", headers=FORM_HEADERS,
                            body=urlencode(fields).encode())


def queued(aws) -> list[dict]:
    url = aws.env["KALENDER_QUEUE_URL"]
    out = []
    while True:
        got = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]))
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def sent_mail() -> list:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages)


@pytest.fixture
def aged(at_now):
    """Posting happens 10 s after the form was fetched (the minimum form age is 3 s)."""
    def later():
        at_now.set(NOW + timedelta(seconds=10))
    return later


def test_the_form_offers_the_coming_board_meetings_in_dutch_and_english(client, at_now):
    nl = call(client, "GET", "/kalender/op-afspraak?activiteit=bestuur-2026-12-29", accept="text/html").body.decode()
    en = call(client, "GET", "/kalender/op-afspraak?lang=en", accept="text/html").body.decode()
    assert "Aanschuiven bij het bestuur" in nl and "Join a board meeting" in en
    assert '<option value="bestuur-2026-12-15">di 15 december 20:00</option>' in nl
    assert '<option value="bestuur-2026-12-29" selected>' in nl
    assert "Tue 29 December 20:00" in en
    assert "<script" not in nl  # no JavaScript needed


def test_bad_input_is_a_400_that_keeps_every_value(client, aws, aged):
    token = form_token(client)
    aged()
    response = post_form(client, {"naam": "Noor <b>", "email": "noor@", "activiteit": MEETING,
                                  "onderwerp": "Meepraten over de huurcampagne", "token": token})
    assert response.status_code == 400
    page = response.body.decode()
    assert 'value="Noor &lt;b&gt;"' in page and 'value="noor@"' in page
    assert '<option value="bestuur-2026-12-15" selected>' in page
    assert ">Meepraten over de huurcampagne</textarea>" in page
    assert "Vul een geldig e-mailadres in" in page and 'aria-invalid="true"' in page
    assert f'value="{token}"' in page  # a valid token is kept: its age keeps counting
    unknown = post_form(client, {"naam": "Noor", "email": "noor@example.org", "activiteit": "bestuur-2026-11-17",
                                 "onderwerp": "x", "token": token}, lang="en")
    assert unknown.status_code == 400 and "cannot be chosen" in unknown.body.decode()
    assert queued(aws) == []


def test_a_request_is_stored_confirmed_by_ses_listed_for_the_board_and_sent_once(
        client, aws, aged, ses_sender, tokens_by_role):
    token = form_token(client)
    aged()
    fields = {"naam": "Noor", "email": "noor@example.org", "activiteit": MEETING,
              "onderwerp": "Meepraten over de huurcampagne", "token": token}
    response = post_form(client, fields)
    assert response.status_code == 200, response.body
    assert "Je aanvraag is binnen" in response.body.decode()
    again = post_form(client, fields)            # the same person, the same meeting
    assert again.status_code == 200
    messages = queued(aws)
    assert len(messages) == 1 and set(messages[0]) == {"kind", "pk", "sk"}  # no personal data
    assert "noor" not in json.dumps(messages[0])

    # the consumer mails the confirmation by SES, once
    client.lambda_.invoke("kalender_berichten_consumer", sqs_event(json.dumps(messages[0])))
    client.lambda_.invoke("kalender_berichten_consumer", sqs_event(json.dumps(messages[0])))
    mails = [m for m in sent_mail() if "noor@example.org" in m.destinations["ToAddresses"]]
    assert len(mails) == 1
    assert mails[0].source == ses_sender
    assert "15 december 2026" in mails[0].subject
    # nothing the sender typed: anyone can enter anyone's address
    assert "Noor" not in mails[0].body and "huurcampagne" not in mails[0].body
    assert mails[0].body.startswith("Hallo,")

    listing = call(client, "GET", "/kalender/op-afspraak/verzoeken?van=2026-12-01&tot=2026-12-31",
                   tokens_by_role["bestuur"])
    assert listing.status_code == 200
    meeting = next(m for m in listing.json_body["vergaderingen"] if m["activiteit"] == MEETING)
    assert meeting["verzoeken"] == [{"naam": "Noor", "email": "noor@example.org", "bevestigd": True,
                                     "onderwerp": "Meepraten over de huurcampagne",
                                     "created_at": "2026-12-01T08:00:10Z"}]
    assert call(client, "GET", "/kalender/op-afspraak/verzoeken", tokens_by_role["organizing"]).status_code == 403

    from functions import wiring
    assert afspraak.verzoeken_voor(wiring.table(), date(2026, 12, 15)) == [
        {"naam": "Noor", "onderwerp": "Meepraten over de huurcampagne", "created_at": "2026-12-01T08:00:10Z"}]
    assert afspraak.verzoeken_voor(wiring.table(), date(2026, 12, 29)) == []


def test_json_clients_get_201_and_a_filled_honeypot_stores_nothing(client, aws, aged):
    token = form_token(client)
    aged()
    body = {"naam": "Sam", "email": "sam@example.org", "activiteit": "bestuur-2026-12-29",
            "onderwerp": "Begroting", "token": token}
    assert call(client, "POST", "/kalender/op-afspraak", body=body).status_code == 201
    assert len(queued(aws)) == 1
    spam = call(client, "POST", "/kalender/op-afspraak", body={**body, "email": "bot@example.org",
                                                              "website": "http://spam.example"})
    assert spam.status_code == 201 and queued(aws) == []


def test_a_form_sent_too_fast_is_a_429_that_keeps_the_values(client, aws, at_now):
    token = form_token(client)
    response = post_form(client, {"naam": "Kim", "email": "kim@example.org", "activiteit": MEETING,
                                  "onderwerp": "Vraag", "token": token})
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert 'value="Kim"' in response.body.decode()
    assert queued(aws) == []


def test_a_queue_outage_is_a_503_that_keeps_the_values_and_stores_nothing(client, aws, aged, monkeypatch):
    from functions import wiring
    from functions.adapters.queue import FakeQueue

    token = form_token(client)
    aged()
    down = FakeQueue()
    down.fail = True
    wiring.override(kalender_queue=down)
    response = post_form(client, {"naam": "Kim", "email": "kim@example.org", "activiteit": MEETING,
                                  "onderwerp": "Vraag", "token": token})
    assert response.status_code == 503 and 'value="kim@example.org"' in response.body.decode()
    assert afspraak.verzoeken(wiring.table(), MEETING) == []


def test_retention_deletes_the_address_two_weeks_after_the_meeting_and_the_request_after_a_year(
        client, aws, aged):
    from functions import wiring

    token = form_token(client)
    aged()
    call(client, "POST", "/kalender/op-afspraak", body={
        "naam": "Ada", "email": "ada@example.org", "activiteit": MEETING, "onderwerp": "Wijkwerk",
        "token": token})
    client.lambda_.invoke("kalender_retentie", schedule_event("2026-12-29T03:45:00Z"))   # day 14: kept
    assert afspraak.verzoeken(wiring.table(), MEETING)[0]["email"] == "ada@example.org"
    client.lambda_.invoke("kalender_retentie", schedule_event("2026-12-30T03:45:00Z"))   # day 15: gone
    kept = afspraak.verzoeken(wiring.table(), MEETING)
    assert len(kept) == 1 and "email" not in kept[0] and kept[0]["naam"] == "Ada"
    assert afspraak.verzoeken_voor(wiring.table(), date(2026, 12, 15))[0]["naam"] == "Ada"
    client.lambda_.invoke("kalender_retentie", schedule_event("2027-12-16T03:45:00Z"))   # a year on
    assert afspraak.verzoeken(wiring.table(), MEETING) == []


def test_the_boards_draft_agenda_lists_the_requests_without_addresses(client, aws, aged, tokens_by_role):
    token = form_token(client)
    aged()
    call(client, "POST", "/kalender/op-afspraak", body={
        "naam": "Noor", "email": "noor@example.org", "activiteit": MEETING,
        "onderwerp": "Meepraten over de huurcampagne", "token": token})
    draft = call(client, "POST", "/agendas/2026-12-15/concept", tokens_by_role["bestuur"], body={})
    assert draft.status_code == 200, draft.body
    markdown = draft.json_body["markdown"]
    assert "op afspraak" in markdown and "Noor" in markdown and "Meepraten over de huurcampagne" in markdown
    assert "noor@example.org" not in markdown
    other = call(client, "POST", "/agendas/2026-12-29/concept", tokens_by_role["bestuur"], body={})
    assert "Noor" not in other.json_body["markdown"]
