"""schemathesis against the local stack: generated requests for every operation of
docs/openapi.yaml, valid ones and invalid ones (positive and negative generation), sent over
real HTTP to the API (``python -m infra.local``, answering as API Gateway does) without a
token, with a token of a role the route does not take, and with one it takes. Every answer:
no 5xx, its status code documented, its content type documented for that status, its JSON
body fitting the schema, its required headers there (Retry-After on a 429, ETag on a feed).

The stack is this module's own (its writes, from generated bodies, stay out of the other
end-to-end tests). The number of cases and the time are printed and checked at the end:
at least 500 cases (docs/reliability.md, "Bad input").
"""
from __future__ import annotations

import itertools
import os
import signal
import time
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from functions.config import ROLES
from tests.e2e.conftest import launch

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi.yaml"
# per operation and mode (valid, invalid); each guarded case is sent three ways. Look harder
# with SCHEMATHESIS_EXAMPLES=100 SCHEMATHESIS_SEED=<n> (docs/reliability.md)
EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261201"))
MIN_CASES = 500

CONFIG = schemathesis.config.SchemathesisConfig.from_dict({
    "seed": SEED,
    "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION, "deterministic": True,
                   # the test sends the Authorization header itself: none, a refused role, an allowed one
                   "with-security-parameters": False},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
})
schema = schemathesis.openapi.from_path(DOCUMENT, config=CONFIG)

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]
ACCEPTS = itertools.cycle(["application/json", "text/html", "*/*"])
COUNT = {"cases": 0, "requests": 0, "started": None, "operations": set()}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    running = launch(tmp_path_factory.mktemp("schemathesis-stack"))
    running.wait_until_ready()
    # one archived agenda, so that the document's example date reads a real one
    bestuur = running.tokens["bestuur"]
    put = requests.put(running.api + "/agendas/2026-11-03", timeout=30,
                       headers={"Authorization": f"Bearer {bestuur}", "Content-Type": "text/markdown"},
                       data="# Agenda\n\n1. Opening\n\n## Personeel (besloten)\n\ngeheim\n".encode())
    assert put.status_code == 202, put.text
    COUNT["started"] = time.monotonic()
    yield running
    assert running.stop(signal.SIGINT) == 0, running.output()


def who_may(case) -> tuple[list[str], list[str]]:
    roles = case.operation.definition.raw.get("x-roles")
    if not roles:
        return [], []
    return sorted(roles), sorted(set(ROLES) - set(roles))


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_generated_request_gets_a_documented_answer_and_never_a_5xx(case, api):
    COUNT["cases"] += 1
    COUNT["operations"].add(case.operation.label)
    allowed, refused = who_may(case)
    accept = next(ACCEPTS)
    n = COUNT["cases"]  # each case another refused and another allowed role, in turn
    ways = [None] if not allowed else [None, *([refused[n % len(refused)]] if refused else []),
                                       allowed[n % len(allowed)]]
    for role in ways:
        headers = {"Accept": accept}
        if role is not None:
            headers["Authorization"] = f"Bearer {api.tokens[role]}"
        response = case.call(base_url=api.api, headers=headers, timeout=30)
        COUNT["requests"] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
        if allowed and role is None:
            assert response.status_code == 401, f"{case.operation.label} without a token"
        elif allowed and role in refused:
            assert response.status_code == 403, f"{case.operation.label} with role {role}"
        elif allowed:  # past the authorizer; only a werkgroep's service may still say 403
            assert response.status_code != 401, f"{case.operation.label} refused role {role}"
            if case.operation.definition.raw.get("x-authorizer") != "werkgroep_token":
                assert response.status_code != 403, f"{case.operation.label} refused role {role}"


def test_at_least_500_generated_cases_ran(api):
    elapsed = time.monotonic() - (COUNT["started"] or time.monotonic())
    print(f"\nschemathesis: {COUNT['cases']} generated cases, {COUNT['requests']} requests, "
          f"{len(list(schema.get_all_operations()))} operations, {elapsed:.0f} s")
    assert COUNT["cases"] >= MIN_CASES, COUNT
    every = {op.ok().label for op in schema.get_all_operations()}
    assert COUNT["operations"] == every, f"operations without a case: {sorted(every - COUNT['operations'])}"
