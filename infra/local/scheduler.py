"""The local scheduler: what EventBridge scheduled rules do for ``@app.schedule`` handlers.

Each scheduled handler gets a thread that sleeps until its next firing (UTC, see
``schedule_expressions``) and then calls the handler with an EventBridge-shaped event
whose ``time`` is the firing time. ``trigger(name, at)`` runs a handler at once, as if
EventBridge had fired at ``at``: the console uses it to replay any date.

Where it differs from EventBridge:
- A ``rate(...)`` counts from the start of the local stack (first firing one period
  later); EventBridge counts from the rule's creation.
- Firings missed while the machine slept are not caught up: the next one is computed
  from the current time (EventBridge does not catch up either).
- A handler runs in the scheduler's thread: a slow run delays only its own next firing.
  Errors are logged (type only) and not retried (EventBridge retries async invocations
  of a failing Lambda up to twice).
"""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from chalice.app import ScheduledEventConfig

from infra.local.schedule_expressions import Schedule, format_time, parse

ACCOUNT = "123456789012"
Log = Callable[[str], None]
MAX_SLEEP_SECONDS = 30.0  # re-check the clock now and then (suspend, clock changes)


class UnknownHandler(KeyError):
    """No scheduled handler of that name."""


@dataclass(frozen=True)
class ScheduledHandler:
    name: str
    expression: str
    schedule: Schedule = field(repr=False)
    handler: Callable[[dict[str, Any], Any], Any] = field(repr=False)


def discover_schedules(app: Any) -> list[ScheduledHandler]:
    """Every ``@app.schedule`` handler with its parsed expression (a bad one raises here)."""
    out = []
    for source in app.event_sources:
        if isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            if hasattr(expression, "to_string"):
                expression = expression.to_string()
            out.append(ScheduledHandler(name=source.name, expression=expression,
                                        schedule=parse(expression), handler=app.handler_map[source.name]))
    return out


def scheduled_event(name: str, at: datetime, *, region: str = "eu-west-1",
                    rule_prefix: str = "bij1-denhaag-local") -> dict[str, Any]:
    """The event EventBridge sends a scheduled rule's target."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": ACCOUNT, "time": format_time(at), "region": region,
            "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{rule_prefix}-{name}"],
            "detail": {}}


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Scheduler:
    def __init__(self, handlers: list[ScheduledHandler], *, region: str = "eu-west-1",
                 rule_prefix: str = "bij1-denhaag-local",
                 context_factory: Optional[Callable[[str], Any]] = None,
                 clock: Callable[[], datetime] = _utcnow,
                 sleep: Optional[Callable[[float], Any]] = None, log: Optional[Log] = None):
        """``clock`` and ``sleep`` are for tests (a fake clock that advances when slept on)."""
        self.handlers = {h.name: h for h in handlers}
        self.region = region
        self.rule_prefix = rule_prefix
        self._context_factory = context_factory or _default_context
        self._clock = clock
        self._log = log or (lambda line: None)
        self._stop = threading.Event()
        self._sleep = sleep or self._stop.wait
        self._threads: list[threading.Thread] = []
        self.anchor = clock()
        self.next_fire: dict[str, Optional[datetime]] = {}

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self.anchor = self._clock()
        for handler in self.handlers.values():
            thread = threading.Thread(target=self._run, args=(handler,), daemon=True,
                                      name=f"schedule-{handler.name}")
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = [t for t in self._threads if t.is_alive()]

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _run(self, handler: ScheduledHandler) -> None:
        after = self.anchor
        while not self._stop.is_set():
            due = handler.schedule.next_after(after, self.anchor)
            self.next_fire[handler.name] = due
            if due is None:
                self._log(f"schedule {handler.name}: {handler.expression} never fires again")
                return
            while not self._stop.is_set():
                left = (due - self._clock()).total_seconds()
                if left <= 0:
                    break
                self._sleep(min(left, MAX_SLEEP_SECONDS))
            if self._stop.is_set():
                return
            try:
                self.fire(handler.name, due)
            except Exception:  # noqa: BLE001 - logged in fire(); the schedule goes on
                pass
            # the next firing after the later of "due" and "now": missed ones are skipped
            after = max(due, self._clock())

    def now(self) -> datetime:
        return self._clock()

    # --- running a handler -------------------------------------------------------------

    def fire(self, name: str, at: Optional[datetime] = None) -> Any:
        """Run the handler now with an event as if EventBridge fired at ``at``; return its result."""
        if name not in self.handlers:
            raise UnknownHandler(name)
        at = at or self._clock()
        event = scheduled_event(name, at, region=self.region, rule_prefix=self.rule_prefix)
        try:
            result = self.handlers[name].handler(event, self._context_factory(name))
        except Exception as exc:
            self._log(f"schedule {name}: fired for {event['time']}: {type(exc).__name__}")
            raise
        self._log(f"schedule {name}: fired for {event['time']}: ok")
        return result

    trigger = fire

    def describe(self) -> list[dict[str, Any]]:
        return [{"name": h.name, "expression": h.expression,
                 "next_fire": format_time(self.next_fire[h.name]) if self.next_fire.get(h.name) else None}
                for h in self.handlers.values()]


def _default_context(name: str) -> Any:
    from chalice.local import LambdaContext

    return LambdaContext(name, memory_size=256, max_runtime_ms=30_000)
