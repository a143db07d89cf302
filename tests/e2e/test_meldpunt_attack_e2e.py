"""The issue's insertion attack, replayed on the local stack over real HTTP.

A wijk shows "<5" for a month with one real report. The attacker sends 4 reports of their
own there; the werkgroep, not knowing, takes them in hand; the attacker reads the wijk's
figure and subtracts their 4. With plain suppression the figure would read exactly 5 and
give the one report away; with the cell key method what is left is a range of values.
"""
from __future__ import annotations

import pytest

from tests.e2e.test_meldpunt_e2e import JSON, bearer

pytestmark = [pytest.mark.stack, pytest.mark.slow]

MONTH = "2026-02"  # a month no other e2e test reports in


def another_wijk(stack) -> str:
    """Not the wijk test_meldpunt_e2e reports in (they share one stack)."""
    wijken = [w["code"] for w in stack.get("/meldpunt/opties").json()["wijken"] if w["code"] != "onbekend"]
    return wijken[len(wijken) // 2 + 1]


def post_report(stack, wijk: str, text: str) -> str:
    token = stack.get("/meldpunt/token").json()["token"]
    body = {"categorieen": ["nafluiten"], "gronden": [], "rol": "getuige", "wijk": wijk,
            "datum": f"{MONTH}-10", "dagdeel": "middag", "beschrijving": text,
            "toestemming": True, "token": token}
    response = stack.post("/meldpunt", json=body, headers=JSON)
    assert response.status_code == 201, response.text
    return response.json()["ontvangstcode"]


def review_everything_new(stack, wijk: str, expect: int, poll) -> None:
    """The werkgroep takes every new report of the wijk in hand (as it would, unknowing)."""
    def new_ones():
        listing = stack.get(f"/meldpunt/meldingen?wijk={wijk}&status=nieuw",
                            headers=bearer(stack, "politieke-agenda")).json()["meldingen"]
        return listing if len(listing) == expect else None

    for melding in poll(new_ones, message=f"{expect} new reports"):
        change = stack.post(f"/meldpunt/meldingen/{melding['id']}/status",
                            headers={**JSON, **bearer(stack, "politieke-agenda")},
                            json={"status": "in_behandeling"})
        assert change.status_code == 200, change.text


def shown(stack, wijk: str):
    figures = stack.get(f"/meldpunt/cijfers.json?periode={MONTH}").json()
    return figures, figures["wijken"][wijk]["totaal"]


def test_four_reports_of_ones_own_do_not_reveal_the_one_that_was_there(stack, poll):
    wijk = another_wijk(stack)
    # GIVEN one real report in the wijk, reviewed, shown as "<5"
    post_report(stack, wijk, "echte melding")
    review_everything_new(stack, wijk, 1, poll)
    assert shown(stack, wijk)[1] == "<5"
    # WHEN the attacker adds 4 reports that pass the review
    own = [post_report(stack, wijk, f"nep {i}") for i in range(4)]
    review_everything_new(stack, wijk, 4, poll)
    figures, value = shown(stack, wijk)
    # THEN what the figure says, minus the attacker's 4, leaves several values for the rest
    d, k = figures["max_afwijking"], figures["k"]
    lo, hi = (value - d, value + d) if isinstance(value, int) else (0, k - 1 + d)
    others = [n for n in range(max(0, lo - 4), hi - 4 + 1)]
    assert len(others) >= 2 and 1 in others, (value, others)
    assert value != 5 or d > 0  # an exact 5 would have given the one report away
    # AND withdrawing their reports afterwards brings the wijk back to what it showed
    for code in own:
        stack.post("/meldpunt/intrekken", json={"code": code}, headers=JSON)
    assert shown(stack, wijk)[1] == "<5"
