"""Review API over the real app (chalice test client, moto with KMS and DynamoDB).

Reports are written straight into the table in the layout of docs/data-model.md, with
their description and contact details encrypted by the real KMS adapter (in moto).
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from functions import tokens, wiring
from functions.adapters.mailchimp import FakeMailchimp
from tests.conftest import schedule_event
from tests.meldpunt_seed import put_report

UTC = timezone.utc
NOW = datetime.now(UTC)
SECRET_TEXT = "Hij volgde mij van de tram tot aan mijn voordeur"
EMAIL = "melder.geheim@example.org"
PHONE = "0698765432"

REVIEW_ROUTES = [("GET", "/meldpunt/meldingen"), ("GET", "/meldpunt/meldingen.csv"),
                 ("GET", "/meldpunt/meldingen/m1"), ("POST", "/meldpunt/meldingen/m1/status")]
CONTACT_ROUTE = ("GET", "/meldpunt/meldingen/m1/contact")


@pytest.fixture
def role_tokens(aws):
    return {role: tokens.issue(role, f"test-{role}", wiring.table(), NOW)[0]
            for role in ("politieke-agenda", "bestuur", "communicatie", "organizing")}


@pytest.fixture
def seeded(aws):
    table, crypto = wiring.table(), wiring.crypto()
    put_report(table, "m1", crypto=crypto, created_at=NOW - timedelta(days=2),
               beschrijving=SECRET_TEXT, email=EMAIL, telefoon=PHONE)
    put_report(table, "m2", crypto=crypto, created_at=NOW - timedelta(days=1),
               wijk="WK051840", stadsdeel="escamp", beschrijving="=HYPERLINK(\"http://x\")")
    return table


def call(client, method, path, token=None, body=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return client.http.request(method, path, headers=headers,
                               body=json.dumps(body) if body is not None else
                               ("{}" if method == "POST" else None))


# --- access --------------------------------------------------------------------------------------

def test_review_routes_need_a_token(client, seeded):
    for method, path in REVIEW_ROUTES + [CONTACT_ROUTE]:
        assert call(client, method, path).status_code == 401, path


def test_review_routes_refuse_other_werkgroepen(client, seeded, role_tokens):
    for method, path in REVIEW_ROUTES + [CONTACT_ROUTE]:
        for role in ("communicatie", "organizing"):
            assert call(client, method, path, role_tokens[role]).status_code == 403, (role, path)


def test_review_routes_let_politieke_agenda_and_bestuur_in(client, seeded, role_tokens):
    for role in ("politieke-agenda", "bestuur"):
        for method, path in REVIEW_ROUTES[:3]:
            assert call(client, method, path, role_tokens[role]).status_code == 200, (role, path)


def test_contact_details_are_for_politieke_agenda_only(client, seeded, role_tokens):
    assert call(client, *CONTACT_ROUTE, role_tokens["bestuur"]).status_code == 403
    response = call(client, *CONTACT_ROUTE, role_tokens["politieke-agenda"])
    assert response.status_code == 200
    assert response.json_body == {"id": "m1", "email": EMAIL, "telefoon": PHONE}
    assert response.headers["Cache-Control"] == "no-store"


def test_each_viewing_of_contact_details_is_in_the_history(client, seeded, role_tokens):
    call(client, *CONTACT_ROUTE, role_tokens["politieke-agenda"])
    call(client, *CONTACT_ROUTE, role_tokens["politieke-agenda"])
    detail = call(client, "GET", "/meldpunt/meldingen/m1", role_tokens["bestuur"]).json_body
    viewings = [h for h in detail["geschiedenis"] if h["action"] == "contact_bekeken"]
    assert len(viewings) == 2
    assert {(h["who"], h["role"]) for h in viewings} == {("test-politieke-agenda", "politieke-agenda")}


# --- reading -------------------------------------------------------------------------------------

def test_the_list_has_no_description_and_no_contact(client, seeded, role_tokens):
    response = call(client, "GET", "/meldpunt/meldingen", role_tokens["bestuur"])
    assert [m["id"] for m in response.json_body["meldingen"]] == ["m2", "m1"]
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    for secret in (SECRET_TEXT, EMAIL, PHONE, "kms1:", "receipt"):
        assert secret not in text


def test_the_list_filters_and_pages(client, seeded, role_tokens):
    token = role_tokens["politieke-agenda"]
    assert [m["id"] for m in call(client, "GET", "/meldpunt/meldingen?stadsdeel=escamp",
                                  token).json_body["meldingen"]] == ["m2"]
    first = call(client, "GET", "/meldpunt/meldingen?limit=1", token).json_body
    assert [m["id"] for m in first["meldingen"]] == ["m2"] and first["cursor"]
    second = call(client, "GET", f"/meldpunt/meldingen?limit=1&cursor={first['cursor']}",
                  token).json_body
    assert [m["id"] for m in second["meldingen"]] == ["m1"] and second["cursor"] is None


def test_bad_list_parameters_are_400_with_field_errors_in_json(client, seeded, role_tokens):
    response = call(client, "GET", "/meldpunt/meldingen?limit=500&status=weg",
                    role_tokens["bestuur"])
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"limit", "status"}
    plain = client.http.get("/meldpunt/meldingen?cursor=xyz",
                            headers={"authorization": f"Bearer {role_tokens['bestuur']}"})
    assert plain.status_code == 400 and "cursor" in json.loads(plain.body)["errors"]


def test_one_report_shows_the_decrypted_description_but_no_contact(client, seeded, role_tokens):
    response = call(client, "GET", "/meldpunt/meldingen/m1", role_tokens["bestuur"])
    assert response.status_code == 200
    assert response.json_body["melding"]["beschrijving"] == SECRET_TEXT
    text = json.dumps(response.json_body)
    assert EMAIL not in text and PHONE not in text and "kms1:" not in text


def test_an_unknown_report_is_404(client, seeded, role_tokens):
    assert call(client, "GET", "/meldpunt/meldingen/onbekend", role_tokens["bestuur"]).status_code == 404


# --- status --------------------------------------------------------------------------------------

def test_status_changes_follow_the_transitions_and_land_in_the_history(client, seeded, role_tokens):
    path = "/meldpunt/meldingen/m1/status"
    token = role_tokens["politieke-agenda"]
    assert call(client, "POST", path, token, {"status": "afgehandeld"}).status_code == 409
    ok = call(client, "POST", path, token, {"status": "in_behandeling", "notitie": "gebeld"})
    assert ok.status_code == 200 and ok.json_body["status"] == "in_behandeling"
    done = call(client, "POST", path, role_tokens["bestuur"], {"status": "afgehandeld"})
    assert done.status_code == 200 and done.json_body["closed_at"]
    assert call(client, "POST", path, token, {"status": "geannuleerd"}).status_code == 409
    bad = call(client, "POST", path, token, {"status": "klaar"})
    assert bad.status_code == 400 and "status" in bad.json_body["errors"]
    history = call(client, "GET", "/meldpunt/meldingen/m1", token).json_body["geschiedenis"]
    changes = [(h["who"], h["from"], h["to"], h["note"]) for h in history if h["action"] == "status"]
    assert changes == [("test-politieke-agenda", "nieuw", "in_behandeling", "gebeld"),
                       ("test-bestuur", "in_behandeling", "afgehandeld", None)]


# --- CSV -----------------------------------------------------------------------------------------

def test_the_csv_export_has_no_contact_or_description_and_no_formulas(client, seeded, role_tokens):
    response = call(client, "GET", "/meldpunt/meldingen.csv", role_tokens["bestuur"])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["id", "status"] and len(rows) == 3
    for secret in (SECRET_TEXT, EMAIL, PHONE, "HYPERLINK", "kms1:"):
        assert secret not in text


# --- schedules -----------------------------------------------------------------------------------

def test_the_retention_schedule_deletes_old_contact_details(client, aws):
    table, crypto = wiring.table(), wiring.crypto()
    created = datetime(2025, 1, 10, 12, tzinfo=UTC)
    put_report(table, "oud", crypto=crypto, created_at=created, email=EMAIL)
    result = client.lambda_.invoke("meldpunt_retentie",
                                   schedule_event("2026-01-10T12:00:00Z")).payload
    assert result["contact_verwijderd"] == 1 and result["tekst_verwijderd"] == 1
    assert table.get("MELDING#oud", "CONTACT") is None
    assert "beschrijving_enc" not in table.get("MELDING#oud", "MELDING")


def test_the_digest_schedule_sends_once_per_week(client, aws, seeded):
    mailchimp = FakeMailchimp()
    mailchimp.add_member("werkgroep@example.org", interests=["Politieke agenda"])
    wiring.override(mailchimp=mailchimp)
    event = schedule_event(NOW.strftime("%Y-%m-%dT%H:%M:%SZ"))
    first = client.lambda_.invoke("meldpunt_digest", event).payload
    again = client.lambda_.invoke("meldpunt_digest", event).payload
    assert first["status"] == "sent" and again["status"] == "already_sent"
    (campaign,) = mailchimp.campaigns.values()
    # the link is the review page in the browser (the new reports), not the JSON API
    page = wiring.settings().public_base_url + "/beheer/meldpunt?status=nieuw"
    assert page in campaign["plain_text"] and f'href="{page}"' in campaign["html"]
    assert "/meldpunt/meldingen" not in campaign["plain_text"] + campaign["html"]
    for secret in (SECRET_TEXT, EMAIL, PHONE):
        assert secret not in campaign["html"] and secret not in campaign["plain_text"]
