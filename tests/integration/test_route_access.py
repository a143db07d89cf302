"""Every route made an access decision: public on purpose, or guarded by a role authorizer.

Walks ``app.routes`` (so a new route is covered the moment it exists) and proves, for
every guarded route: no token → 401, a token of a role that may not → 403, and a
token of a role that may → past the authorizer. The same for the beheer pages' sessions
(``bij1s_…``, decision 012): a live session is its token's role on every route, an ended,
expired or revoked-with-its-token one is a 403 everywhere. Every authorizer of
``functions/auth.py::AUTHORIZER_ROLES`` is in use and walked (``werkgroep_token`` and
``nieuwsbrief_token`` among them), and each lets through exactly its roles.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

import app as app_module
from functions import auth, tokens
from functions.config import ROLES


def all_routes():
    for path, methods in app_module.app.routes.items():
        for method, entry in methods.items():
            yield path, method, entry


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "onbekend", path)


def test_every_route_is_public_or_role_restricted():
    undecided, both = [], []
    for path, method, entry in all_routes():
        public = (path, method) in auth.PUBLIC_ROUTES
        guarded = entry.authorizer is not None
        if not public and not guarded:
            undecided.append(f"{method} {path}")
        if public and guarded:
            both.append(f"{method} {path}")
    assert not undecided, f"routes without an access decision: {undecided}"
    assert not both, f"routes both public and guarded: {both}"


def test_every_authorizer_in_use_has_declared_roles():
    for path, method, entry in all_routes():
        if entry.authorizer is not None:
            assert entry.authorizer.name in auth.AUTHORIZER_ROLES, f"{method} {path}"


@pytest.fixture
def role_tokens(aws):
    from functions import wiring

    now = datetime(2026, 11, 27, tzinfo=timezone.utc)
    issued = {role: tokens.issue(role, f"test-{role}", wiring.table(), now)[0] for role in ROLES}
    revoked, principal = tokens.issue("bestuur", "oud-bestuur", wiring.table(), now)
    tokens.revoke(principal.token_id, wiring.table(), now)
    issued["revoked"] = revoked
    return issued


def guarded_routes():
    return [(p, m, e) for p, m, e in all_routes() if e.authorizer is not None]


def test_guarded_routes_exist():
    assert guarded_routes(), "no guarded routes at all"


def _call(client, method, path, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = "{}" if method in ("POST", "PUT", "PATCH") else None
    return client.http.request(method, concrete(path), headers=headers, body=body)


def test_guarded_routes_refuse_missing_wrong_and_revoked_tokens(client, role_tokens):
    for path, method, entry in guarded_routes():
        allowed = auth.AUTHORIZER_ROLES[entry.authorizer.name]
        assert _call(client, method, path).status_code == 401, f"no token: {method} {path}"
        assert _call(client, method, path, "bij1_not-a-token").status_code == 403, f"{method} {path}"
        assert _call(client, method, path, role_tokens["revoked"]).status_code == 403, f"{method} {path}"
        for role in ROLES:
            status = _call(client, method, path, role_tokens[role]).status_code
            if role in allowed:
                assert status not in (401, 403), f"{role} refused on {method} {path}"
            else:
                assert status == 403, f"{role} let through on {method} {path} ({status})"


def test_the_principal_reaches_the_view(client, role_tokens):
    response = client.http.get("/whoami", headers={"authorization": f"Bearer {role_tokens['bestuur']}"})
    assert response.status_code == 200
    assert response.json_body["role"] == "bestuur"
    assert response.json_body["name"] == "test-bestuur"


def test_every_declared_authorizer_guards_some_route_and_is_walked():
    in_use = {e.authorizer.name for _, _, e in guarded_routes()}
    assert in_use == set(auth.AUTHORIZER_ROLES), "an authorizer without routes, or one undeclared"
    from functions import authorizers

    for name in auth.AUTHORIZER_ROLES:  # each is a Lambda of its own: functions/authorizers.py
        assert callable(getattr(authorizers, name)), name


@pytest.fixture
def role_sessions(role_tokens):
    """A live session per role; an ended one; an expired one; one of a revoked token."""
    from datetime import timedelta

    from functions import wiring
    from functions.beheer import sessie

    now = datetime.now(timezone.utc)
    table = wiring.table()
    live = {role: sessie.start(role_tokens[role], table, now, 60)["sessie"] for role in ROLES}
    ended = sessie.start(role_tokens["bestuur"], table, now, 60)["sessie"]
    sessie.stop(ended, table, {"role": "bestuur"})
    expired = sessie.start(role_tokens["bestuur"], table, now - timedelta(hours=5), 60)["sessie"]
    doomed, principal = tokens.issue("bestuur", "vertrekt", table, now)
    orphan = sessie.start(doomed, table, now, 60)["sessie"]
    tokens.revoke(principal.token_id, table, now)
    return {**live, "ended": ended, "expired": expired, "orphan": orphan}


def test_sessions_pass_as_their_tokens_role_and_ended_ones_nowhere(client, role_sessions):
    for path, method, entry in guarded_routes():
        allowed = auth.AUTHORIZER_ROLES[entry.authorizer.name]
        for dead in ("ended", "expired", "orphan"):
            status = _call(client, method, path, role_sessions[dead]).status_code
            assert status == 403, f"{dead} session on {method} {path} ({status})"
        for role in ROLES:
            status = _call(client, method, path, role_sessions[role]).status_code
            if role in allowed:
                assert status not in (401, 403), f"{role} session refused on {method} {path}"
            else:
                assert status == 403, f"{role} session let through on {method} {path} ({status})"
