"""Browser sessions of a token (functions/beheer/sessie.py): they end by themselves, end with
their token, never stretch themselves, and are stored as a hash without any name."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from functions import tokens
from functions.beheer import sessie
from functions.errors import Forbidden, ValidationError

NOW = datetime(2026, 12, 1, 19, 30, tzinfo=timezone.utc)
MINUTES = 240


@pytest.fixture
def token(table):
    issued, _ = tokens.issue("politieke-agenda", "Nadine Avéres", table, NOW)
    return issued


def test_a_session_carries_its_tokens_name_and_role(table, token):
    started = sessie.start(token, table, NOW, MINUTES)
    assert started["sessie"].startswith("bij1s_") and started["sessie"] != token
    assert (started["naam"], started["rol"]) == ("Nadine Avéres", "politieke-agenda")
    assert started["eindigt"] == "2026-12-01T23:30:00Z" and started["seconden"] == MINUTES * 60
    principal = tokens.authenticate(started["sessie"], table, NOW + timedelta(minutes=1))
    assert principal == tokens.authenticate(token, table)


def test_a_session_ends_by_itself_at_its_end(table, token):
    session = sessie.start(token, table, NOW, MINUTES)["sessie"]
    end = NOW + timedelta(minutes=MINUTES)
    assert tokens.authenticate(session, table, end - timedelta(seconds=1)) is not None
    assert tokens.authenticate(session, table, end) is None
    assert tokens.authenticate(session, table, end + timedelta(days=3)) is None


def test_revoking_the_token_ends_its_sessions(table, token):
    session = sessie.start(token, table, NOW, MINUTES)["sessie"]
    tokens.revoke(tokens.authenticate(token, table).token_id, table, NOW)
    assert tokens.authenticate(session, table, NOW + timedelta(minutes=1)) is None


def test_a_revoked_token_cannot_start_a_session_even_past_a_cached_authorizer(table, token):
    # the gateway may still let the revoked token through from its authorizer cache
    tokens.revoke(tokens.authenticate(token, table).token_id, table, NOW)
    with pytest.raises(Forbidden):
        sessie.start(token, table, NOW, MINUTES)


def test_a_session_cannot_start_another_so_it_never_outlives_its_end(table, token):
    session = sessie.start(token, table, NOW, MINUTES)["sessie"]
    with pytest.raises(ValidationError) as refused:
        sessie.start(session, table, NOW + timedelta(minutes=200), MINUTES)
    assert refused.value.errors == {"_body": "beheer.fout.sessie_uit_sessie"}


def test_signing_out_ends_the_session_at_once_and_twice_is_harmless(table, token):
    session = sessie.start(token, table, NOW, MINUTES)["sessie"]
    principal = {"name": "Nadine Avéres", "role": "politieke-agenda", "token_id": "x"}
    assert sessie.stop(session, table, principal) == {"uitgelogd": True}
    assert tokens.authenticate(session, table, NOW) is None
    assert sessie.stop(session, table, principal) == {"uitgelogd": True}
    assert tokens.authenticate(token, table) is not None  # the token itself lives on


def test_a_plain_token_is_not_a_session_to_sign_out(table, token):
    with pytest.raises(ValidationError):
        sessie.stop(token, table, {"role": "politieke-agenda"})


def test_a_session_is_stored_as_its_hash_without_a_name_and_with_a_ttl(table, token):
    session = sessie.start(token, table, NOW, MINUTES)["sessie"]
    stored = [i for i in table.items.values() if i["pk"] == sessie.PK]
    assert len(stored) == 1
    item = stored[0]
    assert session not in repr(table.items) and token not in repr(table.items)
    assert item["sk"] == tokens.hash_token(session) and item["token"] == tokens.hash_token(token)
    assert "Nadine" not in repr(item)
    assert item["expires_at"] == int((NOW + timedelta(minutes=MINUTES, days=1)).timestamp())


def test_describe_tells_who_and_until_when(table, token):
    session = sessie.start(token, table, NOW, MINUTES)["sessie"]
    principal = {"name": "Nadine Avéres", "role": "politieke-agenda"}
    later = NOW + timedelta(minutes=40)
    assert sessie.describe(session, principal, table, later) == {
        "naam": "Nadine Avéres", "rol": "politieke-agenda", "eindigt": "2026-12-01T23:30:00Z",
        "seconden": 200 * 60}
    assert sessie.describe(token, principal, table, later)["eindigt"] is None


@pytest.mark.parametrize("bad", ["bij1s_", "bij1s_" + "x" * 300, "bij1s_nope", "bij1_s", ""])
def test_a_made_up_session_is_nobody(table, token, bad):
    sessie.start(token, table, NOW, MINUTES)
    assert tokens.authenticate(bad, table, NOW) is None
