"""The kalender end to end over real HTTP on the local stack (`make run`): one-off events for
each audience from a script, the daily trigger through the console, the queue pump, the
consumer and the Mailchimp stand-in (one campaign each, to the right people; a second trigger
adds none), and an op-afspraak request confirmed by SES (moto)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import wait_for

pytestmark = [pytest.mark.stack, pytest.mark.slow]

JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def bearer(stack, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.tokens[role]}", **JSON}


def drained(stack) -> None:
    def empty():
        queue = stack.get("/api/queues", base="console").json()["KalenderQueue"]
        return queue["visible"] == 0 and queue["in_flight"] == 0
    wait_for(empty, message="the kalender queue to drain")


def kalender_campaigns(stack) -> dict[str, dict]:
    return {c["settings"]["title"]: c for c in stack.get("/api/campaigns", base="console").json()
            if (c["settings"].get("title") or "").startswith("kalender ")}


def test_the_daily_trigger_invites_each_audience_once(stack):
    now = datetime.now(timezone.utc)
    day = (now + timedelta(days=3)).astimezone(ZoneInfo("Europe/Amsterdam")).date()
    members = stack.get("/api/members", base="console").json()
    subscribed = {m["email"]: m for m in members if m["status"] == "subscribed"}
    organizing = next(i for i, on in subscribed["bram.demo@example.org"]["interests"].items() if on)
    audiences = {"iedereen": sorted(subscribed),
                 "leden": sorted(e for e, m in subscribed.items() if "lid" in m["tags"]),
                 "werkgroep": sorted(e for e, m in subscribed.items() if m["interests"].get(organizing)),
                 "bestuur": sorted(e for e, m in subscribed.items() if "bestuur" in m["tags"])}
    assert all(audiences.values()) and len({tuple(v) for v in audiences.values()}) == 4

    # GIVEN one-off events, one per audience, three days ahead (so their invitation is due)
    ids = {}
    for publiek in audiences:
        response = stack.post("/kalender/activiteiten", headers=bearer(stack, "bestuur"), json={
            "titel": f"E2E {publiek}", "start": f"{day}T19:00", "eind": "20:30", "plaats": "Buurthuis",
            "publiek": publiek, **({"werkgroep": "organizing"} if publiek == "werkgroep" else {})})
        assert response.status_code == 201, response.text
        ids[publiek] = response.json()["id"]

    # WHEN the daily schedule fires (as EventBridge would)
    at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    fired = stack.post(f"/api/trigger/kalender_uitnodigingen?at={at}", base="console")
    assert fired.status_code == 200, fired.text
    queued = fired.json()["result"]["in_wachtrij"]
    assert {f"{i}/uitnodiging" for i in ids.values()} <= set(queued)

    # THEN the pump and the consumer send one campaign per event, to that event's audience
    titles = {p: f"kalender {i} uitnodiging" for p, i in ids.items()}
    sent = wait_for(lambda: (lambda c: c if all(c.get(t, {}).get("status") == "sent" for t in titles.values())
                             else None)(kalender_campaigns(stack)), message="the four invitations")
    for publiek, title in titles.items():
        assert sorted(sent[title]["recipients"]["resolved"]) == audiences[publiek], publiek
        assert f"/kalender/activiteiten/{ids[publiek]}.ics" in sent[title]["html"]
    drained(stack)   # the series' own invitations of today went through the same queue
    everything = kalender_campaigns(stack)
    assert all(c["status"] == "sent" for c in everything.values())

    # AND a second trigger queues nothing and creates no campaign
    again = stack.post(f"/api/trigger/kalender_uitnodigingen?at={at}", base="console")
    assert again.status_code == 200 and again.json()["result"]["in_wachtrij"] == []
    drained(stack)
    assert kalender_campaigns(stack).keys() == everything.keys()
    assert stack.get("/api/queues", base="console").json()["KalenderQueue"]["dead_letter_depth"] == 0

    # AND the one-off is in the public feed with its stable UID
    feed = stack.get("/kalender.ics").text
    assert f"UID:{ids['iedereen']}@den-haag.kalender.bij1.org" in feed


def test_an_op_afspraak_request_is_confirmed_by_mail(stack):
    page = stack.get("/kalender/op-afspraak", headers={"Accept": "text/html"}).text
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    meeting = re.search(r'<option value="(bestuur-[0-9-]+)"', page).group(1)
    response = stack.post("/kalender/op-afspraak", headers=JSON, json={
        "naam": "E2E Lid", "email": "e2e.lid@example.org", "activiteit": meeting,
        "onderwerp": "Meekijken bij de begroting", "token": token})
    assert response.status_code == 201, response.text
    mail = wait_for(lambda: [m for m in stack.get("/api/mail", base="console").json()
                             if "e2e.lid@example.org" in m["to"]], message="the confirmation mail")
    assert len(mail) == 1 and mail[0]["body"].startswith("Hallo,")
    assert "Meekijken bij de begroting" not in mail[0]["body"]   # nothing the sender typed
    listing = stack.get("/kalender/op-afspraak/verzoeken", headers=bearer(stack, "bestuur")).json()
    requests_ = [v for m in listing["vergaderingen"] if m["activiteit"] == meeting for v in m["verzoeken"]]
    assert [r["naam"] for r in requests_] == ["E2E Lid"] and requests_[0]["bevestigd"] is True
