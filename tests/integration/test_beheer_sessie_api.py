"""Signing in to the beheer pages over the real app: a token becomes a session token that
the review API accepts with the token's own role checks, and signing out ends it."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from functions import tokens, wiring
from functions.config import ROLES
from tests.meldpunt_seed import put_report

NOW = datetime.now(timezone.utc)


@pytest.fixture
def role_tokens(aws):
    return {role: tokens.issue(role, f"test {role}", wiring.table(), NOW)[0] for role in ROLES}


def call(client, method, path, bearer=None, body="{}"):
    headers = {"content-type": "application/json", "accept": "application/json"}
    if bearer:
        headers["authorization"] = f"Bearer {bearer}"
    return client.http.request(method, path, headers=headers,
                               body=body if method in ("POST", "PUT") else None)


def sign_in(client, token):
    response = call(client, "POST", "/beheer/sessie", token)
    assert response.status_code == 201, response.body
    return response.json_body


def test_every_role_can_sign_in_and_the_answer_is_never_cached(client, role_tokens):
    for role in ROLES:
        response = call(client, "POST", "/beheer/sessie", role_tokens[role])
        assert response.status_code == 201
        assert response.headers["Cache-Control"] == "no-store"
        body = response.json_body
        assert body["rol"] == role and body["naam"] == f"test {role}"
        assert body["sessie"].startswith("bij1s_") and 0 < body["seconden"] <= 240 * 60


def test_a_session_gets_exactly_the_roles_of_its_token_on_the_api(client, role_tokens, aws):
    put_report(wiring.table(), "m1", crypto=wiring.crypto(), created_at=NOW - timedelta(days=1),
               beschrijving="tekst", email="melder@example.org")
    sessions = {role: sign_in(client, role_tokens[role])["sessie"] for role in ROLES}
    for role, session in sessions.items():
        listing = call(client, "GET", "/meldpunt/meldingen", session).status_code
        contact = call(client, "GET", "/meldpunt/meldingen/m1/contact", session).status_code
        assert listing == (200 if role in ("politieke-agenda", "bestuur") else 403), role
        assert contact == (200 if role == "politieke-agenda" else 403), role
    # the history names the token's holder, as for a script
    history = call(client, "GET", "/meldpunt/meldingen/m1", sessions["bestuur"]).json_body["geschiedenis"]
    assert [h["who"] for h in history if h["action"] == "contact_bekeken"] == ["test politieke-agenda"]


def test_who_is_signed_in_and_until_when(client, role_tokens):
    session = sign_in(client, role_tokens["communicatie"])
    me = call(client, "GET", "/beheer/sessie", session["sessie"])
    assert me.status_code == 200 and me.headers["Cache-Control"] == "no-store"
    assert me.json_body["naam"] == "test communicatie" and me.json_body["rol"] == "communicatie"
    assert me.json_body["eindigt"] == session["eindigt"]
    plain = call(client, "GET", "/beheer/sessie", role_tokens["communicatie"]).json_body
    assert plain["eindigt"] is None and plain["rol"] == "communicatie"


def test_signing_out_ends_the_session_on_every_route(client, role_tokens):
    session = sign_in(client, role_tokens["politieke-agenda"])["sessie"]
    assert call(client, "GET", "/meldpunt/meldingen", session).status_code == 200
    out = call(client, "DELETE", "/beheer/sessie", session)
    assert out.status_code == 200 and out.json_body == {"uitgelogd": True}
    assert call(client, "GET", "/meldpunt/meldingen", session).status_code == 403
    assert call(client, "GET", "/beheer/sessie", session).status_code == 403
    assert call(client, "GET", "/meldpunt/meldingen", role_tokens["politieke-agenda"]).status_code == 200


def test_a_session_cannot_sign_in_again_nor_a_token_sign_out(client, role_tokens):
    session = sign_in(client, role_tokens["bestuur"])["sessie"]
    again = call(client, "POST", "/beheer/sessie", session)
    assert again.status_code == 400
    assert "_body" in again.json_body["errors"]
    assert call(client, "DELETE", "/beheer/sessie", role_tokens["bestuur"]).status_code == 400


def test_signing_in_takes_nothing_but_the_header(client, role_tokens):
    response = call(client, "POST", "/beheer/sessie", role_tokens["bestuur"],
                    body=json.dumps({"token": role_tokens["bestuur"]}))
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"token"}


def test_no_token_and_a_wrong_token_are_refused(client, role_tokens):
    assert call(client, "POST", "/beheer/sessie").status_code == 401
    assert call(client, "POST", "/beheer/sessie", "bij1_verzonnen").status_code == 403
    assert call(client, "GET", "/beheer/sessie", "bij1s_verzonnen").status_code == 403
