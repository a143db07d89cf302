"""Mailchimp failing on the local stack: an invitation and the newsletter are retried with
backoff, end in their dead-letter queue after the configured five attempts, and are never
sent twice; `make redrive` moves them back after the fix, the replay sends each once, and a
second redrive changes nothing. Counted in the stand-in's own records."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import ROOT, wait_for

pytestmark = [pytest.mark.stack, pytest.mark.slow]

JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def bearer(stack, role):
    return {"Authorization": f"Bearer {stack.tokens[role]}", **JSON}


def queue(stack, name):
    return stack.get("/api/queues", base="console").json()[name]


def redrive(stack, name):
    env = {**os.environ, "LOCAL_STATE_DIR": str(stack.state_dir)}
    done = subprocess.run([sys.executable, "-m", "infra.redrive", "--queue", name], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def applied(stack, campaign_id, action):
    """How many times the stand-in carried out ``action`` on the campaign (2xx, not injected)."""
    return sum(1 for r in stack.get("/api/requests", base="console").json()
               if r["path"] == f"/3.0/campaigns/{campaign_id}/actions/{action}"
               and r["injected"] is None and r["status"] is not None and r["status"] < 300)


def failed_attempts(stack, campaign_id, action):
    return sum(1 for r in stack.get("/api/requests", base="console").json()
               if r["path"] == f"/3.0/campaigns/{campaign_id}/actions/{action}" and r["injected"] is not None)


def campaign(stack, title):
    found = [c for c in stack.get("/api/campaigns", base="console").json() if c["settings"]["title"] == title]
    return found[0] if len(found) == 1 else (None if not found else pytest.fail(f"{len(found)} x {title}"))


@pytest.fixture
def failing_mailchimp(stack):
    yield lambda **body: stack.post("/api/mailchimp/fail", base="console", json=body).raise_for_status()
    stack.post("/api/mailchimp/reset", base="console")


def test_a_newsletter_whose_schedule_fails_is_dead_lettered_and_redriven_to_one_schedule(stack, failing_mailchimp):
    # GIVEN the draft of 2027-03 (compiled by the schedule of 20 February, 09:00 local)
    stack.post("/api/trigger/nieuwsbrief_samenstellen?at=2027-02-20T08:00:00Z", base="console")
    draft = wait_for(lambda: (lambda c: c if c and c["test_emails"] else None)(campaign(stack, "nieuwsbrief-2027-03")),
                     message="the draft of 2027-03")
    # AND Mailchimp answering every schedule with a 500
    failing_mailchimp(mode=500, path_contains=f"/campaigns/{draft['id']}/actions/schedule", times=1000)
    # WHEN it is approved
    assert stack.post("/nieuwsbrief/2027-03/goedkeuren", headers=bearer(stack, "bestuur"), json={}).status_code == 202
    # THEN the consumer tries five times, backing off, and the message lands in the DLQ
    wait_for(lambda: queue(stack, "NieuwsbriefQueue")["dead_letter_depth"] == 1, timeout=60,
             message="the send message in the dead-letter queue")
    assert failed_attempts(stack, draft["id"], "schedule") == 5
    assert applied(stack, draft["id"], "schedule") == 0 and campaign(stack, "nieuwsbrief-2027-03")["status"] == "save"
    # WHEN Mailchimp is fixed and the DLQ redriven
    stack.post("/api/mailchimp/reset", base="console")
    assert "NieuwsbriefQueue: 1 message(s)" in redrive(stack, "NieuwsbriefQueue")
    # THEN it is scheduled once; a second redrive moves nothing and changes nothing
    wait_for(lambda: campaign(stack, "nieuwsbrief-2027-03")["status"] == "schedule", message="scheduled")
    assert "NieuwsbriefQueue: 0 message(s)" in redrive(stack, "NieuwsbriefQueue")
    assert applied(stack, draft["id"], "schedule") == 1
    assert queue(stack, "NieuwsbriefQueue")["dead_letter_depth"] == 0


def test_an_invitation_whose_send_fails_is_dead_lettered_and_redriven_to_one_send(stack, failing_mailchimp):
    # GIVEN a one-off event four days ahead, whose invitation is due today
    day = (datetime.now(timezone.utc) + timedelta(days=4)).astimezone(ZoneInfo("Europe/Amsterdam")).date()
    made = stack.post("/kalender/activiteiten", headers=bearer(stack, "bestuur"), json={
        "titel": "E2E fouten", "start": f"{day}T19:00", "eind": "20:30", "plaats": "Buurthuis",
        "publiek": "leden"})
    assert made.status_code == 201, made.text
    title = f"kalender {made.json()['id']} uitnodiging"
    # AND Mailchimp answering every send with 429 Too Many Requests
    failing_mailchimp(mode=429, path_contains="/actions/send", times=1000)
    # WHEN the daily schedule fires, twice
    at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for _ in range(2):
        assert stack.post(f"/api/trigger/kalender_uitnodigingen?at={at}", base="console").status_code == 200
    # THEN the invitation's campaign exists once, is never sent, and its message is dead-lettered
    wait_for(lambda: queue(stack, "KalenderQueue")["dead_letter_depth"] >= 1 and
             queue(stack, "KalenderQueue")["visible"] + queue(stack, "KalenderQueue")["in_flight"] == 0,
             timeout=90, message="the invitation in the dead-letter queue")
    invitation = campaign(stack, title)
    assert invitation, ([c["settings"]["title"] for c in stack.get("/api/campaigns", base="console").json()],
                        stack.output()[-3000:])
    assert invitation["status"] == "save" and failed_attempts(stack, invitation["id"], "send") == 5
    # WHEN Mailchimp is fixed and the DLQ redriven, THEN it is sent once, to its audience
    stack.post("/api/mailchimp/reset", base="console")
    redrive(stack, "KalenderQueue")
    wait_for(lambda: campaign(stack, title)["status"] == "sent", message="the invitation sent")
    redrive(stack, "KalenderQueue")
    wait_for(lambda: queue(stack, "KalenderQueue")["visible"] + queue(stack, "KalenderQueue")["in_flight"] == 0,
             message="the kalender queue drained")
    assert applied(stack, invitation["id"], "send") == 1
    assert queue(stack, "KalenderQueue")["dead_letter_depth"] == 0
