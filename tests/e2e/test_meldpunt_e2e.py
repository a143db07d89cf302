"""Meldpunt end to end over real HTTP on the local stack (`make run`):
form POST -> SQS (moto) -> queue pump -> intake consumer -> DynamoDB -> figures, review,
the reporter's rights, and the weekly digest through the Mailchimp stand-in."""
from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.conftest import wait_for

pytestmark = [pytest.mark.stack, pytest.mark.slow]

JSON = {"Content-Type": "application/json", "Accept": "application/json"}
MONTH = "2026-03"  # a month no other e2e test reports in


def bearer(stack, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.tokens[role]}"}


def a_wijk(stack) -> str:
    opties = stack.get("/meldpunt/opties").json()
    wijken = [w["code"] for w in opties["wijken"] if w["code"] != "onbekend"]
    return wijken[len(wijken) // 2]


def report(stack, wijk: str, text: str, **extra) -> str:
    token = stack.get("/meldpunt/token").json()["token"]
    categorie = stack.get("/meldpunt/opties").json()["categorieen"][0]
    body = {"categorieen": [categorie], "gronden": [], "rol": "slachtoffer", "wijk": wijk,
            "datum": f"{MONTH}-14", "dagdeel": "avond", "beschrijving": text, "toestemming": True,
            "token": token, **extra}
    response = stack.post("/meldpunt", json=body, headers=JSON)
    assert response.status_code == 201, response.text
    return response.json()["ontvangstcode"]


def wijk_total(stack, wijk: str):
    figures = stack.get(f"/meldpunt/cijfers.json?periode={MONTH}").json()
    return figures["k"], figures["wijken"].get(wijk, {}).get("totaal")


def test_reports_flow_from_the_form_to_review_figures_withdrawal_and_digest(stack):
    wijk = a_wijk(stack)
    secret = f"geheim-verhaal-{uuid.uuid4().hex[:8]}"

    # GIVEN a report from the browser form (url-encoded, as a browser sends it)
    form = stack.get("/meldpunt", headers={"Accept": "text/html"}).text
    token = re.search(r'name="token" value="([^"]+)"', form).group(1)
    browser = stack.post("/meldpunt", headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
                         data={"categorieen": stack.get("/meldpunt/opties").json()["categorieen"][:2],
                               "rol": "getuige", "wijk": wijk, "datum": f"{MONTH}-02",
                               "dagdeel": "nacht", "beschrijving": secret, "toestemming": "on",
                               "contact_gewenst": "on", "contact_email": "melder@example.org",
                               "token": token})
    assert browser.status_code == 200, browser.text
    code = re.search(r'id="ontvangstcode">([^<]+)<', browser.text).group(1).strip()
    # AND six more in the same wijk and month, by JSON
    codes = [code] + [report(stack, wijk, f"{secret}-{n}") for n in range(6)]

    # WHEN the pump has run the intake consumer, THEN werkgroep Politieke agenda can review
    # them, without contact details in the list
    def listed():
        listing = stack.get(f"/meldpunt/meldingen?wijk={wijk}", headers=bearer(stack, "politieke-agenda"))
        assert listing.status_code == 200
        return listing if len(listing.json()["meldingen"]) == 7 else None

    listing = wait_for(listed, message="seven reports stored")
    assert secret not in listing.text and "melder@example.org" not in listing.text
    ids = [m["id"] for m in listing.json()["meldingen"]]
    # AND they are not in the public figures before the werkgroep has looked at them
    assert wijk_total(stack, wijk) == (5, "<5")
    with_contact = [i for i in ids if stack.get(f"/meldpunt/meldingen/{i}", headers=bearer(stack, "bestuur"))
                    .json()["melding"]["beschrijving"] == secret]
    assert len(with_contact) == 1
    melding = with_contact[0]
    assert stack.get(f"/meldpunt/meldingen/{melding}/contact",
                     headers=bearer(stack, "bestuur")).status_code == 403
    contact = stack.get(f"/meldpunt/meldingen/{melding}/contact", headers=bearer(stack, "politieke-agenda"))
    assert contact.status_code == 200 and "melder@example.org" in contact.text
    for i in ids:
        change = stack.post(f"/meldpunt/meldingen/{i}/status", headers={**JSON, **bearer(stack, "bestuur")},
                            json={"status": "in_behandeling", "notitie": "opgepakt"})
        assert change.status_code == 200, change.text

    # THEN the figures show the seven, perturbed by at most 2 (cell key method)
    k, total = wijk_total(stack, wijk)
    assert k == 5 and isinstance(total, int) and abs(total - 7) <= 2
    assert wijk_total(stack, wijk) == (k, total)  # the same answer every time
    page = stack.get(f"/meldpunt/cijfers?periode={MONTH}", headers={"Accept": "text/html"}).text
    assert 'class="staven"' in page and secret not in page

    # AND the reporter sees the status with the receipt code
    status = stack.get(f"/meldpunt/status?code={code}", headers={"Accept": "application/json"})
    assert status.json()["status"] == "in_behandeling"

    # WHEN three reporters withdraw, THEN the wijk drops below k and is shown as "<5"
    for withdrawing in codes[-3:]:
        withdrawn = stack.post("/meldpunt/intrekken", json={"code": withdrawing}, headers=JSON)
        assert withdrawn.json()["resultaat"] == "ingetrokken"
    assert wijk_total(stack, wijk) == (5, "<5")

    # WHEN the weekly digest fires (as EventBridge would on Monday 07:00 UTC)
    fired = stack.post("/api/trigger/meldpunt_digest?at=2026-11-30T07:00:00Z", base="console")
    assert fired.status_code == 200, fired.text
    campaigns = [c for c in stack.get("/api/campaigns", base="console").json()
                 if "digest" in (c["settings"].get("title") or "")]
    # THEN werkgroep Politieke agenda got one campaign, with a link and no report text or contact
    assert len(campaigns) == 1
    digest = campaigns[0]
    assert digest["status"] == "sent"
    assert f'href="{stack.api}/beheer/meldpunt?status=nieuw"' in digest["html"]
    for leak in (secret, "melder@example.org"):
        assert leak not in digest["html"] and leak not in digest["plain_text"]
    members = {m["email"]: m for m in stack.get("/api/members", base="console").json()}
    recipients = digest["recipients"]["resolved"]
    assert recipients, "nobody received the digest"
    # one werkgroep interest is shared by every recipient, and every subscriber with it got it
    shared = set.intersection(*({i for i, on in members[e]["interests"].items() if on} for e in recipients))
    assert len(shared) == 1
    interest = shared.pop()
    assert sorted(recipients) == sorted(e for e, m in members.items()
                                        if m["status"] == "subscribed" and m["interests"].get(interest))

    # AND firing it again in the same week sends nothing twice
    assert stack.post("/api/trigger/meldpunt_digest?at=2026-11-30T07:05:00Z", base="console").status_code == 200
    again = [c for c in stack.get("/api/campaigns", base="console").json()
             if "digest" in (c["settings"].get("title") or "")]
    assert len(again) == 1
