"""`make run` under load (issue #6, item 13): 2,000 reports from 8 concurrent clients over
HTTP, each fetching its own form token (one token is good for one report) and posting JSON.

Every acknowledged report must be stored, and counted once the werkgroep has taken it in hand
(8 reviewers over HTTP; the exact counters are read from the stack's moto, the public
figures checked within the cell key method's bound); the queue must drain within two
minutes of the last post; the stack process must stay under 1 GB; Ctrl-C must stop it in
seconds; and the logs must say what happened (every report stored once, no duplicates, no
failures, no tracebacks). The measured figures are printed.

Its own stack (not the session's): the test measures that process and stops it.
``LOAD_REPORTS`` / ``LOAD_CLIENTS`` change the size for a quick try; the goals stay. With
``LOAD_RESULT=<file>`` the figures are also written there as JSON (``make bench`` reads them).
"""
from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import launch, wait_for

pytestmark = [pytest.mark.stack, pytest.mark.slow, pytest.mark.load]

REPORTS = int(os.environ.get("LOAD_REPORTS", "2000"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "8"))
DRAIN_GOAL_SECONDS = 120
MEMORY_GOAL_BYTES = 1024 ** 3
STOP_GOAL_SECONDS = 10
WIJKEN = 10      # reports spread over this many wijken and
CATEGORIEEN = 4  # categories, so that every published cell is well above k
JSON = {"Accept": "application/json"}


def peak_memory(pid: int) -> int:
    """The process's peak resident set size (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/<pid>/status")


def the_report(n: int, token: str, wijken: list[str], categorieen: list[str], datum: str) -> dict:
    body = {"categorieen": [categorieen[n % CATEGORIEEN]], "gronden": [], "rol": "getuige",
            "wijk": wijken[n % WIJKEN], "datum": datum, "dagdeel": "avond",
            "beschrijving": f"Belasting {n}: " + "iemand riep iets na. " * random.randint(1, 20),
            "toestemming": True, "token": token}
    if n % 4 == 0:  # some leave contact details (a second encryption)
        body.update(contact_gewenst=True, contact_email=f"melder{n}@example.org")
    return body


def counters(stack, month: str) -> dict[str, dict[str, int]]:
    """The exact counters of a month, read from the stack's moto (per wijk: counts only)."""
    import boto3
    from boto3.dynamodb.types import TypeDeserializer

    dynamodb = boto3.client("dynamodb", endpoint_url=stack.info["moto"], region_name="eu-west-1",
                            aws_access_key_id="local", aws_secret_access_key="local")
    d = TypeDeserializer()
    items = dynamodb.query(TableName=stack.env["DATA_TABLE"], KeyConditionExpression="pk = :p",
                           ExpressionAttributeValues={":p": {"S": f"TELLING#{month}"}})["Items"]
    out = {}
    for item in items:
        plain = {k: d.deserialize(v) for k, v in item.items()}
        out[plain["sk"]] = {k: int(v) for k, v in plain.items()
                            if k not in ("pk", "sk") and not k.startswith("ks#")}
    return out


def test_the_local_stack_holds_2000_reports_from_8_clients(tmp_path, capsys):
    stack = launch(tmp_path / "load")
    stack.wait_until_ready()
    try:
        opties = stack.get("/meldpunt/opties").json()
        wijken = [w["code"] for w in opties["wijken"] if w["code"] != "onbekend"][:WIJKEN]
        categorieen = opties["categorieen"][:CATEGORIEEN]
        datum = (date.today() - timedelta(days=3)).isoformat()
        month = datum[:7]

        # WHEN 8 clients post 2,000 reports, each with a token of its own
        codes: dict[int, str] = {}
        refused: list[str] = []
        lock = threading.Lock()

        def client(first: int) -> None:
            session = requests.Session()
            for n in range(first, REPORTS, CLIENTS):
                token = session.get(stack.api + "/meldpunt/token", headers=JSON, timeout=60).json()["token"]
                answer = session.post(stack.api + "/meldpunt", headers=JSON, timeout=60,
                                      json=the_report(n, token, wijken, categorieen, datum))
                with lock:
                    if answer.status_code == 201:
                        codes[n] = answer.json()["ontvangstcode"]
                    else:
                        refused.append(f"{answer.status_code} {answer.text[:200]}")

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        last_post = time.monotonic()
        assert not refused, f"{len(refused)} reports were not acknowledged: {refused[:5]}"
        assert len(codes) == REPORTS

        # THEN the queue drains: every acknowledged report stored once
        def drained_queue():
            q = stack.get("/api/queues", base="console").json()["MeldpuntQueue"]
            return q["visible"] == 0 and q["in_flight"] == 0

        wait_for(drained_queue, timeout=DRAIN_GOAL_SECONDS + 60, interval=0.5,
                 message="the meldpunt queue drained")
        drained = time.monotonic() - last_post
        queues = stack.get("/api/queues", base="console").json()["MeldpuntQueue"]
        peak = peak_memory(stack.pid)
        assert queues["dead_letter_depth"] == 0

        # AND the review lists every one of them (werkgroep Politieke agenda's token)
        review = {"Authorization": f"Bearer {stack.tokens['politieke-agenda']}", **JSON}
        ids, cursor = set(), None
        while True:
            page = stack.get("/meldpunt/meldingen", headers=review,
                             params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
            ids.update(m["id"] for m in page["meldingen"])
            cursor = page.get("cursor")
            if not cursor:
                break
        assert len(ids) == REPORTS

        # WHEN the werkgroep takes every report in hand (8 reviewers), THEN each counts once
        order = sorted(ids)
        failed_reviews: list[str] = []

        def reviewer(first: int) -> None:
            session = requests.Session()
            for melding in order[first::CLIENTS]:
                answer = session.post(f"{stack.api}/meldpunt/meldingen/{melding}/status", headers=review,
                                      json={"status": "in_behandeling"}, timeout=60)
                if answer.status_code != 200:
                    with lock:
                        failed_reviews.append(f"{answer.status_code} {answer.text[:200]}")

        threads = [threading.Thread(target=reviewer, args=(c,)) for c in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        assert not failed_reviews, failed_reviews[:5]
        exact = counters(stack, month)
        for i, wijk in enumerate(wijken):
            assert exact[wijk]["totaal"] == len(range(i, REPORTS, WIJKEN)), wijk
        assert sum(c["totaal"] for c in exact.values()) == REPORTS
        for i, categorie in enumerate(categorieen):
            assert sum(c.get(f"cat#{categorie}", 0) for c in exact.values()) == len(range(i, REPORTS, CATEGORIEEN))
        # and the public figures show them through the cell key method: within 2 of the truth
        public = stack.get(f"/meldpunt/cijfers.json?periode={month}", headers=JSON).json()
        assert abs(public["totaal"] - REPORTS) <= public["max_afwijking"]
        for i, wijk in enumerate(wijken):
            assert abs(public["wijken"][wijk]["totaal"] - len(range(i, REPORTS, WIJKEN))) <= 2

        # AND a sample of receipt codes finds its report
        for n in random.Random(6).sample(sorted(codes), 20):
            status = stack.get(f"/meldpunt/status?code={codes[n]}", headers=JSON).json()
            assert status["status"] == "in_behandeling", status

        # WHEN Ctrl-C
        stopping = time.monotonic()
        assert stack.stop(signal.SIGINT, timeout=60) == 0
        stop_seconds = time.monotonic() - stopping
    finally:
        stack.kill()

    posting = last_post - started
    with capsys.disabled():
        print(f"\nload: {REPORTS} reports from {CLIENTS} clients in {posting:.1f} s "
              f"({REPORTS / posting:.1f} reports/s); queue drained {drained:.1f} s after the last "
              f"post; peak memory {peak / 1024 ** 2:.0f} MiB; Ctrl-C took {stop_seconds:.1f} s")
    if os.environ.get("LOAD_RESULT"):  # `make bench` reads the figures from here
        Path(os.environ["LOAD_RESULT"]).write_text(json.dumps({
            "reports": REPORTS, "clients": CLIENTS, "acknowledged": len(codes), "stored": len(ids),
            "counted": sum(c["totaal"] for c in exact.values()), "posting_seconds": posting,
            "reports_per_second": REPORTS / posting, "drained_seconds": drained,
            "peak_mib": peak / 1024 ** 2, "stop_seconds": stop_seconds}), encoding="utf-8")

    # THEN the goals hold
    assert drained <= DRAIN_GOAL_SECONDS, f"drained {drained:.0f} s after the last post"
    assert peak < MEMORY_GOAL_BYTES, f"peak memory {peak / 1024 ** 2:.0f} MiB"
    assert stop_seconds <= STOP_GOAL_SECONDS, f"Ctrl-C took {stop_seconds:.1f} s"

    # AND the logs say what happened: each report stored once, on its first delivery
    output = stack.output()
    assert output.count('"event": "meldpunt.queued"') == REPORTS
    assert output.count('"event": "meldpunt.stored"') == REPORTS
    assert '"event": "meldpunt.duplicate"' not in output
    assert '"event": "sqs.record_failed"' not in output
    assert "Traceback" not in output and "Error on request" not in output
    assert "pump MeldpuntIntakeConsumer: batch of" in output
    assert "melder0@example.org" not in output, "an e-mail address reached the logs"
