"""The local scheduler fires @app.schedule handlers like EventBridge (test-only Chalice app)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from chalice import Chalice, Rate

from infra.local.schedule_expressions import ScheduleExpressionError
from infra.local.scheduler import Scheduler, UnknownHandler, discover_schedules


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def make_app():
    app = Chalice(app_name="scheduler-test")
    app.seen = []

    @app.schedule("cron(0 8 ? * MON *)")
    def weekly_digest(event):
        app.seen.append(("weekly_digest", event.to_dict()))
        return {"sent": 1, "time": event.to_dict()["time"]}

    @app.schedule(Rate(30, unit=Rate.MINUTES))
    def every_half_hour(event):
        app.seen.append(("every_half_hour", event.to_dict()))

    @app.schedule("rate(1 day)")
    def broken(event):
        raise LookupError("nope")

    @app.route("/")
    def index():
        return {}

    return app


class FakeClock:
    """Time that only moves when the scheduler sleeps."""

    def __init__(self, start: datetime):
        self.now = start
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += timedelta(seconds=seconds)


def test_discovers_every_scheduled_handler_with_its_expression():
    handlers = {h.name: h.expression for h in discover_schedules(make_app())}
    assert handlers == {"weekly_digest": "cron(0 8 ? * MON *)",
                        "every_half_hour": "rate(30 minutes)", "broken": "rate(1 day)"}


def test_an_invalid_expression_is_reported_at_discovery():
    app = Chalice(app_name="bad")

    @app.schedule("cron(0 8 * * * *)")
    def bad(event):
        pass

    with pytest.raises(ScheduleExpressionError, match="exactly one"):
        discover_schedules(app)


def test_trigger_runs_the_handler_with_an_eventbridge_event_at_the_given_time():
    app = make_app()
    lines = []
    scheduler = Scheduler(discover_schedules(app), log=lines.append)

    result = scheduler.trigger("weekly_digest", utc(2026, 12, 25, 8, 0))

    assert result == {"sent": 1, "time": "2026-12-25T08:00:00Z"}
    (name, event), = app.seen
    assert event["source"] == "aws.events" and event["detail-type"] == "Scheduled Event"
    assert event["time"] == "2026-12-25T08:00:00Z" and event["detail"] == {}
    assert event["region"] == "eu-west-1" and event["id"]
    assert event["resources"][0].startswith("arn:aws:events:eu-west-1:")
    assert lines == ["schedule weekly_digest: fired for 2026-12-25T08:00:00Z: ok"]


def test_trigger_of_an_unknown_handler_raises_and_a_failing_handler_is_logged_by_type():
    app = make_app()
    lines = []
    scheduler = Scheduler(discover_schedules(app), log=lines.append)
    with pytest.raises(UnknownHandler):
        scheduler.trigger("nope")
    with pytest.raises(LookupError):
        scheduler.trigger("broken", utc(2026, 1, 1))
    assert lines == ["schedule broken: fired for 2026-01-01T00:00:00Z: LookupError"]


class Recorder(list):
    """app.seen that signals when a handler has fired ``want`` times."""

    def __init__(self, name: str, want: int):
        super().__init__()
        self.name, self.want, self.enough = name, want, threading.Event()

    def append(self, item):
        super().append(item)
        if sum(1 for n, _ in self if n == self.name) >= self.want:
            self.enough.set()


@pytest.mark.parametrize("name, expected", [
    ("weekly_digest", ["2026-11-30T08:00:00Z", "2026-12-07T08:00:00Z"]),
    ("every_half_hour", ["2026-11-27T10:30:00Z", "2026-11-27T11:00:00Z", "2026-11-27T11:30:00Z"]),
])
def test_the_running_scheduler_fires_handlers_at_their_times(name, expected):
    app = make_app()
    app.seen = Recorder(name, len(expected))
    clock = FakeClock(utc(2026, 11, 27, 10, 0))  # a Friday
    scheduler = Scheduler([h for h in discover_schedules(app) if h.name == name],
                          clock=clock, sleep=clock.sleep)
    scheduler.start()
    try:
        assert app.seen.enough.wait(10)
    finally:
        scheduler.stop()
    assert not scheduler.running
    assert [e["time"] for n, e in app.seen][:len(expected)] == expected


def test_stop_returns_promptly_while_waiting_for_a_distant_firing():
    scheduler = Scheduler([h for h in discover_schedules(make_app()) if h.name == "weekly_digest"])
    scheduler.start()
    started = datetime.now()
    scheduler.stop()
    assert (datetime.now() - started).total_seconds() < 2
    assert not scheduler.running
    assert scheduler.describe()[0]["next_fire"].endswith("T08:00:00Z")
