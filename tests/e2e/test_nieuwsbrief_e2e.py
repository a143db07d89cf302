"""The monthly newsletter on the local stack over real HTTP: the schedule fired twice gives one
draft with a test mail; approving it schedules it once; an issue approved after its send
moment goes out at once and appears in the archive."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_for

pytestmark = [pytest.mark.stack, pytest.mark.slow]

JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def bearer(stack, role):
    return {"Authorization": f"Bearer {stack.tokens[role]}", **JSON}


def newsletters(stack, month):
    return [c for c in stack.get("/api/campaigns", base="console").json()
            if c["settings"].get("title") == f"nieuwsbrief-{month}"]


def test_the_schedule_twice_gives_one_draft_and_approval_one_scheduled_campaign(stack):
    for _ in range(2):
        fired = stack.post("/api/trigger/nieuwsbrief_samenstellen?at=2026-12-20T08:00:00Z", base="console")
        assert fired.status_code == 200, fired.text
    drafts = wait_for(lambda: [c for c in newsletters(stack, "2027-01") if c["test_emails"]],
                      message="a draft of 2027-01 with its test mail")
    assert len(newsletters(stack, "2027-01")) == 1
    (draft,) = drafts
    assert draft["status"] == "save" and draft["test_emails"] == [["eindredactie@denhaag.bij1.org"]]
    assert "*|UNSUB|*" in draft["html"] and draft["plain_text"]
    # a third firing on another day, after the draft exists, compiles nothing again
    stack.post("/api/trigger/nieuwsbrief_samenstellen?at=2026-12-21T08:00:00Z", base="console")
    approved = stack.post("/nieuwsbrief/2027-01/goedkeuren", headers=bearer(stack, "communicatie"), json={})
    assert approved.status_code == 202, approved.text
    wait_for(lambda: newsletters(stack, "2027-01")[0]["status"] == "schedule", message="scheduled")
    status = stack.get("/nieuwsbrief/2027-01/status", headers=bearer(stack, "bestuur")).json()
    assert status["status"] == "gepland" and status["verzendmoment"] == "2027-01-01T08:00:00Z"
    (campaign,) = newsletters(stack, "2027-01")
    assert len(campaign["test_emails"]) == 1


def test_an_issue_approved_after_its_send_moment_goes_out_once_and_is_archived(stack):
    stack.post("/api/trigger/nieuwsbrief_samenstellen?at=2026-11-20T08:00:00Z", base="console")
    wait_for(lambda: [c for c in newsletters(stack, "2026-12") if c["test_emails"]],
             message="a draft of 2026-12")
    for _ in range(2):
        stack.post("/nieuwsbrief/2026-12/goedkeuren", headers=bearer(stack, "bestuur"), json={})
    wait_for(lambda: newsletters(stack, "2026-12")[0]["status"] == "sent", message="sent")
    assert len(newsletters(stack, "2026-12")) == 1
    archive = wait_for(lambda: stack.get("/nieuwsbrief", headers={"Accept": "application/json"}).json()
                       ["nieuwsbrieven"], message="the archive")
    assert [i["maand"] for i in archive] == ["2026-12"]
    page = stack.get("/nieuwsbrief/2026-12")
    assert page.status_code == 200 and "*|" not in page.text
    (campaign,) = newsletters(stack, "2026-12")
    sends = [r for r in stack.get("/api/requests", base="console").json()
             if r["path"] == f"/3.0/campaigns/{campaign['id']}/actions/send" and r["status"] == 204]
    assert len(sends) == 1
