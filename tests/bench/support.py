"""Helpers of the bench: Lambda events, a meldpunt report, fresh processes timed, medians."""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from resource import RUSAGE_CHILDREN, getrusage
from typing import Any, Callable
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
COLD = HERE / "cold.py"
FLOOR = HERE / "floor.py"
FORM_SECRET = "bench-form-secret"  # the functions' FORM_SECRET in the bench (tests/bench/conftest.py)


def api_event(method: str, path: str, *, resource: str | None = None,
              path_parameters: dict[str, str] | None = None, headers: dict[str, str] | None = None,
              body: str | None = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway (REST, proxy) event as Lambda hands it to ``app.app``."""
    resource = resource or path
    return {"resource": resource, "path": path, "httpMethod": method,
            "headers": dict(headers or {}), "multiValueHeaders": {},
            "queryStringParameters": dict(query) if query else None,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "pathParameters": path_parameters, "stageVariables": None,
            "requestContext": {"resourcePath": resource, "httpMethod": method,
                               "path": f"/api{path}", "stage": "api", "requestId": "bench",
                               "identity": {}},
            "body": body, "isBase64Encoded": False}


def authorizer_event(token: str) -> dict[str, Any]:
    """A TOKEN authorizer's event, for a script's call to a werkgroep route."""
    return {"type": "TOKEN", "authorizationToken": f"Bearer {token}",
            "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:bench/api/POST/kalender/activiteiten"}


def report(token: str, n: int = 0) -> dict[str, Any]:
    """A valid report (no contact details: one KMS encrypt), as the form sends it."""
    from functions.meldpunt import opties

    wijk = sorted(opties.wijk_codes() - {opties.WIJK_ONBEKEND})[n % 10]
    return {"categorieen": [opties.CATEGORIEEN[n % len(opties.CATEGORIEEN)]], "gronden": [],
            "rol": "getuige", "wijk": wijk, "datum": (date.today() - timedelta(days=2)).isoformat(),
            "dagdeel": "avond", "toestemming": True, "token": token,
            "beschrijving": f"Bench {n}: iemand riep mij iets na bij de tramhalte. " * 4}


def old_enough_token(secret: str) -> str:
    """A fresh form token issued a minute ago (past the minimum form age)."""
    from functions.meldpunt import formtoken

    return formtoken.issue(secret, datetime.now(timezone.utc) - timedelta(minutes=1))


def meldpunt_event(secret: str, n: int, *, html: bool) -> dict[str, Any]:
    """POST /meldpunt as a browser posts the form (HTML answer) or a script posts JSON."""
    body = report(old_enough_token(secret), n)
    if html:
        form = dict(body, toestemming="on")
        return api_event("POST", "/meldpunt", headers={
            "content-type": "application/x-www-form-urlencoded",
            "accept": "text/html,application/xhtml+xml", "accept-language": "nl"},
            body=urlencode(form, doseq=True))
    return api_event("POST", "/meldpunt", headers={"content-type": "application/json",
                                                   "accept": "application/json"},
                     body=json.dumps(body))


@dataclass(frozen=True)
class Run:
    wall: float   # seconds from starting the process to its exit (interpreter start included)
    cpu: float    # CPU seconds the process used (user + system): less sensitive to a busy machine
    out: dict     # the JSON line it printed


def run_child(script: Path, args: list[str], env: dict[str, str], timeout: float = 60) -> Run:
    """Run a fresh ``python <script> <args>`` and wait for it. A failing child fails the
    figure: it cannot be measured."""
    before = getrusage(RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - started
    after = getrusage(RUSAGE_CHILDREN)  # this child, reaped by run()
    if done.returncode != 0:
        raise AssertionError(f"{script.name} {args[:1]} exited {done.returncode}:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(seconds, cpu, json.loads(done.stdout.strip().splitlines()[-1]))


def fresh_keys(calls: list, n: int) -> list:
    """The traced calls again, a conditional put given a key of its own (so it succeeds, as
    the handler's did, instead of failing on the handler's own item)."""
    out = []
    for service, operation, params in calls:
        params = json.loads(json.dumps(params))
        if operation == "PutItem" and params.get("ConditionExpression"):
            params["Item"]["pk"]["S"] += f"#floor-{n}"
        out.append([service, operation, params])
    return out


def interleaved(rounds: int, measured: Callable[[int], Any], floor: Callable[[int], Any],
                warmup: int = 1) -> tuple[list[Any], list[Any]]:
    """Both, one after the other, alternating which goes first (ABBA), after a warm-up pair
    that is not counted (disk cache). Returns (measured results, floor results)."""
    for i in range(warmup):
        measured(-1 - i)
        floor(-1 - i)
    ms, fs = [], []
    for i in range(rounds):
        if i % 2 == 0:
            ms.append(measured(i))
            fs.append(floor(i))
        else:
            fs.append(floor(i))
            ms.append(measured(i))
    return ms, fs


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000
