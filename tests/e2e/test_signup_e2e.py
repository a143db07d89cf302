"""Newsletter signup end to end over real HTTP: browser form -> API -> SQS (moto) -> queue
pump -> consumer -> Mailchimp stand-in, as `make run` runs it."""
from __future__ import annotations

import hashlib
import re
import time
import uuid
from html import unescape

import pytest
import requests

pytestmark = [pytest.mark.stack, pytest.mark.slow]

FORM = "/nieuwsbrief/aanmelden"
BROWSER = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html",
           "Accept-Language": "en"}


def unique_email(label: str) -> str:
    return f"e2e-{label}-{uuid.uuid4().hex[:8]}@example.org"


def hidden_fields(page: str) -> list[tuple[str, str]]:
    """Hidden inputs of the form (anti-spam tokens and the like), sent back as a browser would."""
    out = []
    for tag in re.findall(r"<input\b[^>]*>", page):
        if re.search(r'type="hidden"', tag):
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                out.append((unescape(name.group(1)), unescape(value.group(1)) if value else ""))
    return out


def submit(stack, fields: list[tuple[str, str]]) -> requests.Response:
    """GET the form like a browser, then POST it url-encoded with the typed fields."""
    page = stack.get(FORM, headers={"Accept": "text/html", "Accept-Language": "en"})
    assert page.status_code == 200
    return stack.post(FORM, data=hidden_fields(page.text) + fields, headers=BROWSER)


def member(stack, email: str):
    return next((m for m in stack.get("/api/members", base="console").json()
                 if m["email"].lower() == email.lower()), None)


def interest_names(stack) -> dict[str, str]:
    """Interest id -> name, read from the stand-in through Mailchimp's own API."""
    base, auth = stack.info["mailchimp"], ("anystring", stack.env["MAILCHIMP_API_KEY"])
    list_id = stack.env["MAILCHIMP_LIST_ID"]
    names = {}
    categories = requests.get(f"{base}/lists/{list_id}/interest-categories", auth=auth, timeout=10).json()
    for category in categories["categories"]:
        interests = requests.get(f"{base}/lists/{list_id}/interest-categories/{category['id']}/interests",
                                 auth=auth, timeout=10).json()
        names.update({i["id"]: i["name"] for i in interests["interests"]})
    return names


def signup_queue_is_idle(stack) -> bool:
    queue = stack.get("/api/queues", base="console").json()["SignupQueue"]
    return queue["visible"] == 0 and queue["in_flight"] == 0


def member_requests(stack, email: str) -> list[dict]:
    digest = hashlib.md5(email.lower().encode("utf-8")).hexdigest()
    return [r for r in stack.get("/api/requests", base="console").json() if digest in r["path"]]


def test_a_browser_signup_becomes_a_pending_member_with_the_chosen_werkgroepen(stack, poll):
    email = unique_email("ok")

    # GIVEN the form, filled in as a browser sends it
    response = submit(stack, [("email", email), ("voornaam", "Ada"),
                              ("werkgroepen", "communicatie"), ("werkgroepen", "organizing")])

    # THEN the visitor sees the "check your inbox" page at once
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Check your inbox" in response.text

    # AND the pump runs the consumer, which puts the member in Mailchimp, pending double opt-in
    found = poll(lambda: member(stack, email), timeout=20, message="the member in the stand-in")
    assert found["status"] == "pending"
    assert found["merge_fields"].get("FNAME") == "Ada"
    names = interest_names(stack)
    chosen = {names[i] for i, on in found["interests"].items() if on}
    assert chosen == {"Communicatie", "Organizing"}
    poll(lambda: signup_queue_is_idle(stack), timeout=10, message="the signup queue to drain")
    assert "pump NieuwsbriefAanmeldenConsumer: batch of" in stack.output()
    assert email not in stack.output(), "an e-mail address reached the logs"


def test_a_bad_email_rerenders_the_form_with_the_typed_values_and_queues_nothing(stack):
    before = len(stack.get("/api/requests", base="console").json())

    response = submit(stack, [("email", "ada-at-example.org"), ("voornaam", "Ada Lovelace"),
                              ("werkgroepen", "politieke-agenda")])

    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert 'value="ada-at-example.org"' in page, "the typed e-mail address is kept"
    assert 'value="Ada Lovelace"' in page, "the typed first name is kept"
    assert re.search(r'value="politieke-agenda"\s+checked', page), "the chosen werkgroep stays ticked"
    assert 'id="email-error"' in page and 'aria-invalid="true"' in page, "the e-mail field says what is wrong"

    # nothing was queued: after a few pump cycles the stand-in has heard nothing new
    time.sleep(3)
    assert signup_queue_is_idle(stack)
    assert len(stack.get("/api/requests", base="console").json()) == before
    assert member(stack, "ada-at-example.org") is None


def test_an_unsubscribed_member_who_signs_up_again_stays_unsubscribed(stack, poll):
    # GIVEN someone who unsubscribed (the demo audience has one)
    unsubscribed = [m for m in stack.get("/api/members", base="console").json()
                    if m["status"] == "unsubscribed"]
    assert unsubscribed, "seed_demo should hold an unsubscribed member"
    email = unsubscribed[0]["email"]
    seen_before = len(member_requests(stack, email))

    # WHEN they fill in the form again
    response = submit(stack, [("email", email), ("werkgroepen", "organizing")])
    assert response.status_code == 200

    # THEN the consumer looked them up (the message was processed) ...
    poll(lambda: len(member_requests(stack, email)) > seen_before, timeout=20,
             message="the consumer to look up the member")
    poll(lambda: signup_queue_is_idle(stack), timeout=10, message="the signup queue to drain")
    # ... and left them unsubscribed, without writing to the member
    assert member(stack, email)["status"] == "unsubscribed"
    writes = [r for r in member_requests(stack, email)[seen_before:] if r["method"] in ("PUT", "PATCH", "POST")]
    assert writes == []
