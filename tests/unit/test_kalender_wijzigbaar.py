"""Who may change an occurrence, and which changes it can make now (pure: an occurrence, a
principal, a time): what the beheer pages show is what the changes themselves allow."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from functions.adapters.dynamo import FakeTable
from functions.errors import Forbidden
from functions.kalender import activiteiten as acts
from functions.kalender import gegevens
from functions.kalender.wijzigingen import check_allowed, may_change, possible

K = gegevens.huidig()
BEFORE = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
ROLES = ("bestuur", "communicatie", "politieke-agenda", "organizing")


def een(activiteit_id: str) -> acts.Activiteit:
    return acts.een(K, FakeTable(), activiteit_id)


BOARD = een("bestuur-2026-12-29")
WG_ORG = een("werkgroep-organizing-2027-01-13")
BRANCH = een("afdelingsbijeenkomst-2026-12-10")
THEMA = een("themabij1komst-2026-12-19")


def principal(role: str) -> dict[str, str]:
    return {"role": role, "name": f"test-{role}", "token_id": "t"}


@pytest.mark.parametrize("a", [BOARD, WG_ORG, BRANCH, THEMA, replace(THEMA, werkgroep="communicatie"),
                               replace(WG_ORG, soort=acts.EENMALIG)], ids=lambda a: f"{a.id}-{a.werkgroep}")
@pytest.mark.parametrize("role", ROLES)
def test_may_change_is_exactly_check_allowed(a, role):
    try:
        check_allowed(principal(role), a)
        allowed = True
    except Forbidden:
        allowed = False
    assert may_change(principal(role), a) is allowed


def test_the_board_any_a_werkgroep_its_own_and_an_unhosted_themabij1komst():
    assert [r for r in ROLES if may_change(principal(r), BOARD)] == ["bestuur"]
    assert [r for r in ROLES if may_change(principal(r), BRANCH)] == ["bestuur"]
    assert [r for r in ROLES if may_change(principal(r), WG_ORG)] == ["bestuur", "organizing"]
    assert [r for r in ROLES if may_change(principal(r), THEMA)] == list(ROLES)
    hosted = replace(THEMA, werkgroep="communicatie")
    assert [r for r in ROLES if may_change(principal(r), hosted)] == ["bestuur", "communicatie"]


def test_possible_changes_follow_the_state():
    board = principal("bestuur")
    assert possible(board, BOARD, BEFORE) == {"annuleren": True, "verplaatsen": True, "notitie": True,
                                              "thema": False}
    assert possible(board, THEMA, BEFORE)["thema"] is True
    cancelled = replace(BOARD, status=acts.GEANNULEERD)
    assert possible(board, cancelled, BEFORE) == {"annuleren": False, "verplaatsen": False,
                                                  "notitie": True, "thema": False}
    # a cancelled themaBIJ1komst: only the note (the theme of a meeting that will not be)
    assert possible(board, replace(THEMA, status=acts.GEANNULEERD), BEFORE)["thema"] is False
    begun = BOARD.start
    assert not any(possible(board, BOARD, begun).values())
    assert not any(possible(principal("organizing"), BOARD, BEFORE).values())
