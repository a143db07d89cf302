"""Helpers shared by the kalender tests: a fixed "now", tokens per role, JSON calls."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

# Tuesday 1 December 2026, 09:00 in Den Haag: the board meets on 15 December (W51),
# 29 December (W53) and 5 January (W01); the werkgroepen in W50, W02 and later.
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
SENDER = "denhaag@bij1.org"


@pytest.fixture
def at_now(monkeypatch):
    """The kalender's entry points see ``NOW`` as the current time (``set(t)`` moves it)."""
    from functions.kalender import paginas

    clock = {"now": NOW}
    monkeypatch.setattr(paginas, "_now", lambda: clock["now"])

    class Clock:
        def set(self, when: datetime) -> None:
            clock["now"] = when

        @property
        def now(self) -> datetime:
            return clock["now"]

    return Clock()


@pytest.fixture
def tokens_by_role(aws):
    from functions import tokens, wiring

    return {role: tokens.issue(role, f"kalender-{role}", wiring.table(), NOW)[0]
            for role in ("bestuur", "communicatie", "politieke-agenda", "organizing")}


@pytest.fixture
def ses_sender(aws):
    """SES refuses a sender that is not verified: verify ours, as the operator does once."""
    import boto3

    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    return SENDER


def call(client, method: str, path: str, token: str | None = None, body: dict | None = None,
         accept: str = "application/json", headers: dict | None = None):
    h = {"accept": accept, **(headers or {})}
    if token:
        h["authorization"] = f"Bearer {token}"
    if body is not None:
        h["content-type"] = "application/json"
    return client.http.request(method, path, headers=h,
                               body=json.dumps(body).encode() if body is not None else None)


def ics_events(text: str) -> list:
    """Events as the independent ``ics`` parser reads them (not icalendar, which wrote them)."""
    import ics

    return sorted(ics.Calendar(text).events, key=lambda e: (e.begin, e.uid))
