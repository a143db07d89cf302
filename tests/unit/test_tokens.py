from datetime import datetime, timezone

import pytest

from functions import tokens
from functions.adapters.dynamo import FakeTable
from functions.errors import NotFound, ValidationError

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)


def test_issued_token_authenticates_as_its_name_and_role():
    table = FakeTable()
    token, principal = tokens.issue("bestuur", "tim", table, NOW)
    assert tokens.authenticate(token, table) == principal
    assert principal.role == "bestuur" and principal.name == "tim"


def test_only_the_hash_of_a_token_is_stored():
    table = FakeTable()
    token, _ = tokens.issue("communicatie", "latifa", table, NOW)
    stored = repr(table.items)
    assert token not in stored
    assert tokens.hash_token(token) in stored


def test_revoked_token_no_longer_authenticates():
    table = FakeTable()
    token, principal = tokens.issue("organizing", "tim", table, NOW)
    tokens.revoke(principal.token_id, table, NOW)
    assert tokens.authenticate(token, table) is None
    assert tokens.list_tokens(table)[0]["revoked_at"] == NOW.isoformat()


def test_revoking_an_unknown_id_is_not_found():
    with pytest.raises(NotFound):
        tokens.revoke("000000000000", FakeTable(), NOW)


@pytest.mark.parametrize("candidate", ["", "bij1_", "bij1_unknown", "Bearer x", "x" * 500])
def test_unknown_or_malformed_tokens_do_not_authenticate(candidate):
    table = FakeTable()
    tokens.issue("bestuur", "tim", table, NOW)
    assert tokens.authenticate(candidate, table) is None


def test_unknown_role_and_empty_name_are_refused():
    with pytest.raises(ValidationError) as exc:
        tokens.issue("admin", " ", FakeTable(), NOW)
    assert set(exc.value.errors) == {"role", "name"}


def test_two_tokens_for_one_person_are_different():
    table = FakeTable()
    a, _ = tokens.issue("bestuur", "tim", table, NOW)
    b, _ = tokens.issue("bestuur", "tim", table, NOW)
    assert a != b and len(tokens.list_tokens(table)) == 2
