"""`make run` under load (issue #6, item 13): 2,000 reports from 8 concurrent clients over
HTTP, each fetching its own form token (one token is good for one report) and posting JSON.

Every acknowledged report must be stored once (the review lists it with its wijk and
categories); the queue must drain within two
minutes of the last post; the stack process must stay under 1 GB; Ctrl-C must stop it in
seconds; and the logs must say what happened (every report stored once, no duplicates, no
failures, no tracebacks). The measured figures are printed.

Its own stack (not the session's): the test measures that process and stops it.
``LOAD_REPORTS`` / ``LOAD_CLIENTS`` change the size for a quick try; the goals stay.
"""
from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
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


def test_the_local_stack_holds_2000_reports_from_8_clients(tmp_path, capsys):
    stack = launch(tmp_path / "load")
    stack.wait_until_ready()
    try:
        opties = stack.get("/meldpunt/opties").json()
        wijken = [w["code"] for w in opties["wijken"] if w["code"] != "onbekend"][:WIJKEN]
        categorieen = opties["categorieen"][:CATEGORIEEN]
        datum = (date.today() - timedelta(days=3)).isoformat()

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

        # THEN the queue drains (a report leaves it only once stored; none in the dead letters).
        # (The public figures count reviewed reports only, perturbed, since the cell key method
        # (#7): the review list is where every stored report is seen, exactly.)
        def intake_queue():
            return stack.get("/api/queues", base="console").json()["MeldpuntQueue"]

        wait_for(lambda: (lambda q: q["visible"] == 0 and q["in_flight"] == 0)(intake_queue()),
                 timeout=DRAIN_GOAL_SECONDS + 60, interval=0.5, message="the intake queue drained")
        drained = time.monotonic() - last_post
        queues = intake_queue()
        peak = peak_memory(stack.pid)
        assert (queues["visible"], queues["in_flight"], queues["dead_letter_depth"]) == (0, 0, 0)

        # AND the review lists every one of them, once, with its wijk and categories
        review = {"Authorization": f"Bearer {stack.tokens['politieke-agenda']}", **JSON}
        stored, cursor = {}, None
        while True:
            page = stack.get("/meldpunt/meldingen", headers=review,
                             params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
            stored.update((m["id"], m) for m in page["meldingen"])
            cursor = page.get("cursor")
            if not cursor:
                break
        assert len(stored) == REPORTS
        per_wijk = Counter(m["wijk"] for m in stored.values())
        per_categorie = Counter(c for m in stored.values() for c in m["categorieen"])
        for i, wijk in enumerate(wijken):
            assert per_wijk[wijk] == len(range(i, REPORTS, WIJKEN)), wijk
        for i, categorie in enumerate(categorieen):
            assert per_categorie[categorie] == len(range(i, REPORTS, CATEGORIEEN)), categorie
        # AND a sample of receipt codes finds its report
        for n in random.Random(6).sample(sorted(codes), 20):
            status = stack.get(f"/meldpunt/status?code={codes[n]}", headers=JSON).json()
            assert status["status"] == "nieuw", status

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
