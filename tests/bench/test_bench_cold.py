"""Cold starts ÷ their floor (issue 12): a fresh process importing the handler's module and
serving one event through moto's server, against a fresh process that imports boto3,
creates the same clients and makes the same AWS calls (traced from the handler, not
assumed). Both timed as whole processes, interleaved, median of ``BENCH_ROUNDS`` (11) each.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any, Callable

from tests.bench.support import (
    COLD,
    FLOOR,
    FORM_SECRET,
    Run,
    api_event,
    authorizer_event,
    fresh_keys,
    interleaved,
    median_ms,
    meldpunt_event,
    run_child,
)

ROUNDS = max(10, int(os.environ.get("BENCH_ROUNDS", "11")))
GOAL = 1.3


def cold_ratio(table, key: str, env: dict[str, str], handler: str,
               event: Callable[[int], dict[str, Any]], status: Any,
               operations: list[tuple[str, str]] | set[tuple[str, str]]) -> float:
    """``operations``: the AWS calls the handler must make, in order (a list) or as a set."""
    # the AWS calls the handler makes, from one traced run (not timed)
    traced = run_child(COLD, [handler, json.dumps(event(-100))], dict(env, BENCH_TRACE="1")).out
    assert traced["status"] == status, traced
    calls = traced["calls"]
    made = [(s, o) for s, o, _ in calls]
    if isinstance(operations, list):
        assert made == operations, made
    else:
        assert made and set(made) == operations, made

    def measured(n: int) -> Run:
        run = run_child(COLD, [handler, json.dumps(event(n))], env)
        assert run.out["status"] == status, run.out
        return run

    def floor(n: int) -> Run:
        run = run_child(FLOOR, [json.dumps(fresh_keys(calls, n))], env)
        assert run.out["calls"] == len(calls)
        return run

    ms, fs = interleaved(ROUNDS, measured, floor)
    m, f = median_ms([r.wall for r in ms]), median_ms([r.wall for r in fs])
    mc, fc = median_ms([r.cpu for r in ms]), median_ms([r.cpu for r in fs])
    ratio = m / f
    table.record(key, f"{ratio:.2f} ({m:.0f} ms ÷ {f:.0f} ms)", ratio <= GOAL,
                 f"handler {handler}; floor = import boto3 + "
                 + ", ".join(f"{s}.{o}" for s, o in made)
                 + f"; wall clock, median of {ROUNDS} runs each, interleaved (spread "
                 f"{min(r.wall for r in ms) * 1000:.0f}-{max(r.wall for r in ms) * 1000:.0f} ms vs "
                 f"{min(r.wall for r in fs) * 1000:.0f}-{max(r.wall for r in fs) * 1000:.0f} ms); "
                 f"CPU time {mc / fc:.2f} ({mc:.0f} ms ÷ {fc:.0f} ms)")
    return ratio


MELDPUNT_CALLS = [("dynamodb", "PutItem"), ("kms", "Encrypt"), ("sqs", "SendMessage")]


def test_cold_report_from_the_browser_form(table, child_env):
    cold_ratio(table, "cold_meldpunt", child_env, "app.app",
               lambda n: meldpunt_event(FORM_SECRET, n, html=True), 200, MELDPUNT_CALLS)


def test_cold_report_from_a_script(table, child_env):
    cold_ratio(table, "cold_meldpunt_json", child_env, "app.app",
               lambda n: meldpunt_event(FORM_SECRET, n, html=False), 201, MELDPUNT_CALLS)


def test_cold_authorizer(table, child_env, aws_server):
    from functions import tokens
    from functions.adapters.dynamo import DynamoTable

    dynamo = DynamoTable(aws_server.table_name, aws_server.client("dynamodb"))
    token, _ = tokens.issue("communicatie", "bench", dynamo, datetime.now(timezone.utc))
    cold_ratio(table, "cold_authorizer", child_env, "functions.authorizers.werkgroep_token",
               lambda n: authorizer_event(token), "allow", [("dynamodb", "GetItem")])


def test_cold_calendar_feed(table, child_env):
    # the feed reads the stored changes of each year its horizon touches (one query a year)
    event = api_event("GET", "/kalender/bestuur.ics", resource="/kalender/{feed}",
                      path_parameters={"feed": "bestuur.ics"}, headers={"accept": "text/calendar"})
    cold_ratio(table, "cold_feed", child_env, "app.app", lambda n: event, 200,
               {("dynamodb", "Query")})
