"""What the daily run finds due for one occurrence (pure: an occurrence, its markers, a time)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from functions.adapters.dynamo import FakeTable
from functions.kalender import activiteiten as acts
from functions.kalender import gegevens
from functions.kalender.uitnodigingen import due

K = gegevens.huidig()
# afdelingsbijeenkomst on Thursday 10 December 2026, 19:30 local: invited 14 days ahead
A = acts.een(K, FakeTable(), "afdelingsbijeenkomst-2026-12-10")
SENT_NOV_26 = {"uitnodiging": {"status": "verstuurd", "sent_at": "2026-11-26T07:00:00Z", "sequence": 0}}


def at(day: int, month: int = 12, hour: int = 7) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=timezone.utc)


def test_the_invitation_is_due_from_its_day_on_until_the_meeting_begins():
    assert due(K, A, {}, at(25, 11)) == []
    assert due(K, A, {}, at(26, 11)) == [("uitnodiging", "uitnodiging")]
    assert due(K, A, {}, at(10, 12, 18)) == [("uitnodiging", "uitnodiging")]   # caught up, 19:30 local
    assert due(K, A, {}, at(10, 12, 19)) == []                               # begun at 18:30 UTC


def test_a_reminder_follows_its_lead_time_and_only_an_earlier_invitation():
    assert due(K, A, SENT_NOV_26, at(8)) == []
    assert due(K, A, SENT_NOV_26, at(9)) == [("herinnering", "herinnering")]
    two_days = replace(A, herinnering_dagen=2)
    assert due(K, two_days, SENT_NOV_26, at(8)) == [("herinnering", "herinnering")]
    invited_today = {"uitnodiging": {"status": "verstuurd", "sent_at": "2026-12-09T07:00:00Z"}}
    assert due(K, A, invited_today, at(9, hour=8)) == []
    assert due(K, replace(A, herinnering=False), SENT_NOV_26, at(9)) == []


def test_cancellation_and_move_notices_only_after_a_sent_invitation():
    cancelled = replace(A, status=acts.GEANNULEERD)
    assert due(K, cancelled, {}, at(1)) == []
    assert due(K, cancelled, SENT_NOV_26, at(1)) == [("afgelast", "afgelast")]
    moved = replace(A, verplaatst=True, verplaatst_sequence=1, sequence=1)
    assert due(K, moved, SENT_NOV_26, at(1)) == [("verplaatst", "verplaatst-1")]
    invited_after_the_move = {"uitnodiging": {**SENT_NOV_26["uitnodiging"], "sequence": 1}}
    assert due(K, moved, invited_after_the_move, at(1)) == []


def test_a_marked_mail_is_not_due_again_unless_its_message_got_lost():
    queued = {"uitnodiging": {"status": "wachtrij", "queued_at": "2026-12-01T06:00:00Z"}}
    assert due(K, A, queued, at(1)) == []
    assert due(K, A, queued, at(1, hour=13)) == [("uitnodiging", "uitnodiging")]  # 7 h later
    done = {"uitnodiging": {"status": "verstuurd", "queued_at": "2026-11-01T06:00:00Z",
                            "sent_at": "2026-12-01T06:00:00Z"}}
    assert due(K, A, done, at(1, hour=13)) == []
