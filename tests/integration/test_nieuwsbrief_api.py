"""The monthly newsletter over the real app (moto, the Mailchimp stand-in): articles and their
rights, the preview, the compile and send through the queue consumer, the public archive."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from functions import tokens, wiring
from functions.nieuwsbrief import uitgave
from tests.conftest import sqs_records
from tests.mailchimp_fixtures import adapter_for

JSON = {"content-type": "application/json"}
NOW = datetime.now(timezone.utc)
XSS = ('Hallo <script>alert(1)</script> en [klik](javascript:alert(2)) '
       '<img src=x onerror=alert(3)> **vet**')


@pytest.fixture
def tokens_by_role(aws):
    return {role: tokens.issue(role, f"test-{role}", wiring.table(), NOW)[0]
            for role in ("bestuur", "communicatie", "organizing")}


@pytest.fixture
def mailchimp(aws, standin):
    adapter = adapter_for(standin)
    wiring.override(mailchimp=adapter)
    return standin


def live_markup(html: str) -> list[str]:
    """Every element or attribute in ``html`` that could run script or load something."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Scan(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("script", "img", "iframe", "object", "embed", "svg", "b"):
                found.append(tag)
            for name, value in attrs:
                if name.startswith("on") or (value or "").strip().lower().startswith(
                        ("javascript:", "vbscript:", "data:")):
                    found.append(f"{tag} {name}={value}")

    Scan().feed(html)
    return found


def call(client, method, path, token=None, body=None, headers=None):
    h = dict(headers or JSON)
    if token:
        h["authorization"] = f"Bearer {token}"
    return client.http.request(method, path, headers=h,
                               body=json.dumps(body).encode() if body is not None else b"")


def consume(client, aws):
    """Run the newsletter consumer on what is queued, as the pump or Lambda would."""
    url = aws.env["NIEUWSBRIEF_QUEUE_URL"]
    results = []
    while True:
        batch = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return results
        for m in batch:
            results.append(client.lambda_.invoke("nieuwsbrief_consumer",
                                                 {"Records": sqs_records(m["Body"])}).payload)
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_communicatie_writes_articles_rendered_safely_and_other_werkgroepen_may_not(
        client, aws, tokens_by_role, mailchimp):
    made = call(client, "POST", "/nieuwsbrief/2027-01/artikelen", tokens_by_role["communicatie"],
                {"titel": "Demonstratie <b>Malieveld</b>", "tekst": XSS, "volgorde": 1})
    assert made.status_code == 201, made.body
    assert call(client, "POST", "/nieuwsbrief/2027-01/artikelen", tokens_by_role["organizing"],
                {"titel": "x", "tekst": "y"}).status_code == 403
    listed = call(client, "GET", "/nieuwsbrief/2027-01/artikelen", tokens_by_role["bestuur"])
    assert [a["titel"] for a in listed.json_body["artikelen"]] == ["Demonstratie <b>Malieveld</b>"]
    preview = call(client, "GET", "/nieuwsbrief/2027-01/voorbeeld", tokens_by_role["communicatie"],
                   headers={"accept": "text/html"})
    assert preview.status_code == 200
    html = preview.body.decode()
    assert "<strong>vet</strong>" in html
    assert live_markup(html) == []  # the payloads are text now, not markup
    assert "Demonstratie &lt;b&gt;Malieveld&lt;/b&gt;" in html


@pytest.mark.parametrize("path,body,status,field", [
    ("/nieuwsbrief/2027-13/artikelen", {"titel": "a", "tekst": "b"}, 400, "maand"),
    ("/nieuwsbrief/januari/artikelen", {"titel": "a", "tekst": "b"}, 400, "maand"),
    ("/nieuwsbrief/2027-01/artikelen", {"tekst": "b"}, 400, "titel"),
    ("/nieuwsbrief/2027-01/artikelen", {"titel": "a", "tekst": "x" * 12_001}, 400, "tekst"),
    ("/nieuwsbrief/2027-01/artikelen", {"titel": "a", "tekst": "b", "volgorde": "1"}, 400, "volgorde"),
    ("/nieuwsbrief/2027-01/artikelen", {"titel": ["a"], "tekst": "b"}, 400, "titel"),
])
def test_bad_articles_are_refused_naming_the_field_and_nothing_is_stored(
        client, aws, tokens_by_role, path, body, status, field):
    response = call(client, "POST", path, tokens_by_role["communicatie"], body)
    assert response.status_code == status
    assert field in response.json_body["errors"]
    assert not any(k[1].startswith("ARTIKEL#") for k in _keys(aws))


def test_a_form_volgorde_that_is_no_number_is_a_400_naming_it_not_a_500(client, aws, tokens_by_role):
    response = client.http.request(
        "POST", "/nieuwsbrief/2027-01/artikelen", body=b"titel=a&tekst=b&volgorde=--5",
        headers={"content-type": "application/x-www-form-urlencoded",
                 "authorization": f"Bearer {tokens_by_role['communicatie']}"})
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"volgorde"}
    assert not any(k[1].startswith("ARTIKEL#") for k in _keys(aws))


def test_a_huge_body_is_413(client, aws, tokens_by_role):
    response = call(client, "POST", "/nieuwsbrief/2027-01/artikelen", tokens_by_role["communicatie"],
                    {"titel": "a", "tekst": "x" * 200_000})
    assert response.status_code == 413


def _keys(aws):
    page = aws.dynamodb.scan(TableName=aws.env["DATA_TABLE"])
    return [(i["pk"]["S"], i["sk"]["S"]) for i in page["Items"]]


def test_approving_a_month_without_a_draft_is_404_and_changes_nothing(client, aws, tokens_by_role,
                                                                     mailchimp):
    response = call(client, "POST", "/nieuwsbrief/2027-02/goedkeuren", tokens_by_role["bestuur"], {})
    assert response.status_code == 404 and set(response.json_body) == {"error"}
    status = call(client, "GET", "/nieuwsbrief/2027-02/status", tokens_by_role["bestuur"]).json_body
    assert status["status"] == "geen"


def test_compile_approve_send_and_archive_through_the_queue(client, aws, tokens_by_role, mailchimp):
    # GIVEN the compile asked for from a script (the schedule does the same, once)
    asked = call(client, "POST", "/nieuwsbrief/2026-12/samenstellen", tokens_by_role["communicatie"], {})
    assert asked.status_code == 202
    consume(client, aws)
    status = call(client, "GET", "/nieuwsbrief/2026-12/status", tokens_by_role["communicatie"]).json_body
    assert status["status"] == "concept" and status["testmail_verstuurd"] is True
    (campaign,) = mailchimp.campaigns()
    assert campaign["test_emails"] == [["eindredactie@denhaag.bij1.org"]]
    # WHEN it is approved after its send moment (1 December 2026, 09:00) has passed
    approved = call(client, "POST", "/nieuwsbrief/2026-12/goedkeuren", tokens_by_role["bestuur"], {})
    assert approved.status_code == 202, approved.body
    consume(client, aws)
    # THEN it is sent at once, once; the archive and its feed show it
    (campaign,) = mailchimp.campaigns()
    assert campaign["status"] == "sent"
    archive = client.http.get("/nieuwsbrief", headers={"accept": "text/html"}).body.decode()
    assert 'href="/nieuwsbrief/2026-12"' in archive
    issue = client.http.get("/nieuwsbrief/2026-12")
    assert issue.status_code == 200 and "*|" not in issue.body.decode()
    feed = client.http.get("/nieuwsbrief.atom")
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    assert "/nieuwsbrief/2026-12</id>" in feed.body.decode()
    assert client.http.get("/nieuwsbrief/2027-01").status_code == 404  # not sent: not public
    # AND approving again sends nothing twice
    call(client, "POST", "/nieuwsbrief/2026-12/goedkeuren", tokens_by_role["bestuur"], {})
    consume(client, aws)
    sends = [r for r in mailchimp.requests() if r["path"].endswith("/actions/send")]
    assert len(sends) == 1


def test_the_signup_form_links_to_the_archive(client):
    page = client.http.get("/nieuwsbrief/aanmelden", headers={"accept": "text/html"}).body.decode()
    assert 'href="/nieuwsbrief?lang=nl"' in page
