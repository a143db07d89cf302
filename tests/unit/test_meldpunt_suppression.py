"""Small-cell suppression: primary (1..k-1 hidden), secondary (nothing recomputable).

The property tests attack every published table in two ways that share no code with
``functions.meldpunt.suppressie``: repeated subtraction (any sum with one unknown left
gives it away, and what is learnt is used again), and exact linear algebra (a hidden
cell is recomputable when adding it as an equation does not raise the rank).
"""
from __future__ import annotations

import random

import pytest

from functions.meldpunt.suppressie import (Sum, marker, primary, publish, recomputable, suppress,
                                           table_with_margins)

K = 5


# --- the attacks (independent of the implementation) ---------------------------------------

def subtraction_attack(values, sums, hidden):
    """Cells an attacker recovers by subtracting published counts, over and over."""
    known = {c: v for c, v in values.items() if c not in hidden}
    learnt = set()
    progress = True
    while progress:
        progress = False
        for s in sums:
            unknown = [m for m in s.members if m not in known]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            parts = sum(known[p] for p in s.parts if p != cell)
            known[cell] = parts if s.total == cell else known[s.total] - parts
            learnt.add(cell)
            progress = True
    return learnt


P = 2**61 - 1  # a prime: exact linear algebra over GF(P), fast with Python ints


def algebra_attack(sums, hidden):
    """Hidden cells fixed by the sums: e_j lies in the row space of the system.

    Gauss-Jordan over GF(P) on sparse rows; a cell is fixed exactly when, in the reduced
    form, one row holds it alone. (Ranks over GF(P) equal ranks over the rationals unless
    P divides a minor of a 0/1/-1 matrix: not a practical concern at these sizes.)
    """
    rows = []
    for s in sums:
        row = {}
        for cell, sign in [(s.total, 1)] + [(p, -1) for p in s.parts]:
            if cell in hidden:
                row[cell] = (row.get(cell, 0) + sign) % P
        row = {c: v for c, v in row.items() if v}
        if row:
            rows.append(row)
    reduced = []  # list of (pivot, row)
    for row in rows:
        for pivot, prow in reduced:
            f = row.get(pivot)
            if f:
                for c, v in prow.items():
                    row[c] = (row.get(c, 0) - f * v) % P
                row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        pivot = min(row, key=repr)
        inv = pow(row[pivot], P - 2, P)
        row = {c: v * inv % P for c, v in row.items()}
        for i, (q, qrow) in enumerate(reduced):
            f = qrow.get(pivot)
            if f:
                for c, v in row.items():
                    qrow[c] = (qrow.get(c, 0) - f * v) % P
                reduced[i] = (q, {c: v for c, v in qrow.items() if v})
        reduced.append((pivot, row))
    return {pivot for pivot, row in reduced if len(row) == 1}


def assert_protected(values, sums, k=K):
    hidden = suppress(values, sums, k)
    assert primary(values, k) <= hidden
    assert all(values[c] >= 1 for c in hidden), "a hidden zero protects nothing"
    assert not subtraction_attack(values, sums, hidden)
    assert not algebra_attack(sums, hidden)
    for s in sums:  # the sums themselves are consistent
        assert values[s.total] == sum(values[p] for p in s.parts)
    return hidden


# --- primary suppression ---------------------------------------------------------------------

def test_counts_from_one_to_k_minus_one_are_published_as_less_than_k():
    values = {"a": 0, "b": 1, "c": 4, "d": 5, "e": 17}
    hidden = suppress(values, [], K)
    assert publish(values, hidden, K) == {"a": 0, "b": "<5", "c": "<5", "d": 5, "e": 17}


def test_k_is_configurable_and_named_in_the_marker():
    values = {"a": 2, "b": 9}
    assert publish(values, suppress(values, [], 10), 10) == {"a": "<10", "b": "<10"}
    assert marker(3) == "<3"


def test_zero_is_published_as_zero():
    values, sums = table_with_margins({"w1": {"x": 0, "y": 12}, "w2": {"x": 0, "y": 30}})
    assert suppress(values, sums, K) == frozenset()


# --- secondary suppression ---------------------------------------------------------------------

def test_a_single_small_wijk_in_a_stadsdeel_takes_the_next_smallest_with_it():
    # GIVEN a stadsdeel whose total is published, with one small wijk
    values = {"sd": 3 + 8 + 20 + 40, "w1": 3, "w2": 8, "w3": 20, "w4": 40}
    sums = [Sum("sd", ("w1", "w2", "w3", "w4"))]
    # WHEN suppressed
    hidden = suppress(values, sums, K)
    # THEN the next-smallest wijk is hidden too, the rest and the total stay
    assert hidden == {"w1", "w2"}
    assert publish(values, hidden, K) == {"sd": 71, "w1": "<5", "w2": "<5", "w3": 20, "w4": 40}


def test_secondary_cells_are_never_zero_counts():
    values = {"sd": 3 + 0 + 0 + 40, "w1": 3, "w2": 0, "w3": 0, "w4": 40}
    hidden = suppress(values, [Sum("sd", ("w1", "w2", "w3", "w4"))], K)
    assert hidden == {"w1", "w4"}


def test_a_stadsdeel_with_one_non_zero_wijk_hides_its_total():
    values = {"all": 3 + 50 + 60, "sd1": 3, "sd2": 50, "sd3": 60, "w1": 3, "w2": 0}
    sums = [Sum("sd1", ("w1", "w2")), Sum("all", ("sd1", "sd2", "sd3"))]
    hidden = assert_protected(values, sums)
    assert {"w1", "sd1"} <= hidden
    assert "all" not in hidden


def test_one_small_cell_in_a_two_way_table_hides_a_rectangle():
    values, sums = table_with_margins({
        "w1": {"nafluiten": 2, "volgen": 11, "anders": 30},
        "w2": {"nafluiten": 9, "volgen": 14, "anders": 25},
        "w3": {"nafluiten": 12, "volgen": 13, "anders": 40},
    })
    hidden = assert_protected(values, sums)
    assert ("w1", "nafluiten") in hidden
    # its row and its column each lose one more cell, and so does the crossing cell
    assert len([c for c in hidden if c[0] == "w1"]) >= 2
    assert len([c for c in hidden if c[1] == "nafluiten"]) >= 2
    assert ("*", "*") not in hidden


def test_a_hidden_grand_total_is_protected_against_its_parts():
    values = {"all": 4, "a": 4, "b": 0}
    hidden = assert_protected(values, [Sum("all", ("a", "b"))])
    assert hidden == {"all", "a"}


def test_two_hidden_cells_per_sum_are_not_enough_when_one_is_a_bridge():
    # GIVEN a 4x4 table where every row and column has 0 or >= 2 hidden cells, but the
    # hidden cell (r2, c3) is the only link between two blocks of hidden cells
    rows = {r: {c: 20 + i * 4 + j for j, c in enumerate(["c1", "c2", "c3", "c4"])}
            for i, r in enumerate(["r1", "r2", "r3", "r4"])}
    values, sums = table_with_margins(rows)
    block = {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2"),
             ("r3", "c3"), ("r3", "c4"), ("r4", "c3"), ("r4", "c4")}
    hidden = block | {("r2", "c3")}
    for s in sums:
        assert sum(m in hidden for m in s.members) != 1
    # THEN adding up rows r1, r2 and subtracting columns c1, c2 gives the bridge away
    assert recomputable(sums, hidden) == {("r2", "c3")}
    assert algebra_attack(sums, hidden) == {("r2", "c3")}
    # and the blocks alone are safe
    assert recomputable(sums, block) == set()


def test_suppression_repairs_a_bridge_that_the_simple_rule_leaves():
    # The three small cells force the bridge pattern above through the simple rule.
    rows = {"r1": {"c1": 1, "c2": 1, "c3": 50, "c4": 60},
            "r2": {"c1": 1, "c2": 30, "c3": 2, "c4": 70},
            "r3": {"c1": 40, "c2": 45, "c3": 1, "c4": 1},
            "r4": {"c1": 55, "c2": 65, "c3": 75, "c4": 1}}
    values, sums = table_with_margins(rows)
    assert_protected(values, sums)


def test_sums_over_unknown_cells_are_refused():
    with pytest.raises(ValueError):
        suppress({"a": 1}, [Sum("t", ("a",))], K)


# --- property tests: random tables, every attack fails ---------------------------------------

def _small_count(rng):
    return rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 12, 20, 35])


def random_hierarchy(rng):
    """Stadsdelen of wijken, crossed with months: the shape of the published figures."""
    stadsdelen = {f"sd{i}": [f"w{i}.{j}" for j in range(rng.randint(1, 5))]
                  for i in range(rng.randint(1, 4))}
    months = [f"m{m}" for m in range(rng.randint(1, 4))]
    counts = {(w, m): _small_count(rng) for ws in stadsdelen.values() for w in ws for m in months}
    values, sums = {}, []
    for sd, ws in stadsdelen.items():
        for w in ws:
            values[("wijk", w)] = sum(counts[(w, m)] for m in months)
        values[("sd", sd)] = sum(values[("wijk", w)] for w in ws)
        sums.append(Sum(("sd", sd), tuple(("wijk", w) for w in ws)))
        for m in months:
            values[("sd", sd, m)] = sum(counts[(w, m)] for w in ws)
        sums.append(Sum(("sd", sd), tuple(("sd", sd, m) for m in months)))
    for m in months:
        values[("maand", m)] = sum(values[("sd", sd, m)] for sd in stadsdelen)
        sums.append(Sum(("maand", m), tuple(("sd", sd, m) for sd in stadsdelen)))
    values[("totaal",)] = sum(values[("sd", sd)] for sd in stadsdelen)
    sums.append(Sum(("totaal",), tuple(("sd", sd) for sd in stadsdelen)))
    sums.append(Sum(("totaal",), tuple(("maand", m) for m in months)))
    return values, sums


@pytest.mark.parametrize("seed", range(150))
def test_no_hidden_cell_of_a_random_hierarchy_can_be_recomputed(seed):
    values, sums = random_hierarchy(random.Random(seed))
    assert_protected(values, sums)


@pytest.mark.parametrize("seed", range(150))
def test_no_hidden_cell_of_a_random_two_way_table_can_be_recomputed(seed):
    rng = random.Random(1000 + seed)
    rows = {f"r{i}": {f"c{j}": _small_count(rng) for j in range(rng.randint(1, 5))}
            for i in range(rng.randint(1, 5))}
    values, sums = table_with_margins(rows)
    assert_protected(values, sums, k=rng.choice([3, 5, 10]))


def test_the_attacks_do_find_what_naive_publishing_gives_away():
    # guard against attacks that can never succeed: primary suppression alone leaks
    values = {"sd": 71, "w1": 3, "w2": 8, "w3": 20, "w4": 40}
    sums = [Sum("sd", ("w1", "w2", "w3", "w4"))]
    assert subtraction_attack(values, sums, {"w1"}) == {"w1"}
    assert algebra_attack(sums, {"w1"}) == {"w1"}


def test_exempt_cells_are_not_hidden_for_being_small_but_still_protect_others():
    values = {"all": 3, "nieuw": 3, "klaar": 0, "w1": 3, "w2": 0}
    sums = [Sum("all", ("nieuw", "klaar")), Sum("all", ("w1", "w2"))]
    hidden = suppress(values, sums, K, exempt=["nieuw", "klaar"])
    assert {"all", "w1", "nieuw"} <= hidden  # else "nieuw" would give the total away
    assert not algebra_attack(sums, hidden) and not subtraction_attack(values, sums, hidden)
    values = {"all": 9, "nieuw": 8, "klaar": 1, "w1": 9, "w2": 0}
    assert suppress(values, sums, K, exempt=["nieuw", "klaar"]) == frozenset()


@pytest.mark.parametrize("seed", range(25))
def test_no_hidden_cell_of_the_published_figures_can_be_recomputed(seed):
    # GIVEN counters as the intake keeps them, for the real wijken, categories and dagdelen
    from datetime import date

    from functions.meldpunt import cijfers, opties

    rng = random.Random(5000 + seed)
    periode = cijfers.parse_periode({"van": "2026-01", "tot": f"2026-{rng.randint(1, 6):02d}"},
                                    date(2026, 11, 27))
    codes = [w.code for w in opties.wijken()] + [opties.WIJK_ONBEKEND]
    counters = {}
    for _ in range(rng.choice([5, 40, 200, 1500])):
        month, wijk = rng.choice(periode.maanden), rng.choice(codes)
        item = counters.setdefault((month, wijk), {"pk": f"CIJFERS#{month}", "sk": wijk, "totaal": 0})
        item["totaal"] += 1
        for c in rng.sample(opties.CATEGORIEEN, rng.randint(1, 3)):
            item[f"cat#{c}"] = item.get(f"cat#{c}", 0) + 1
        d = rng.choice(opties.DAGDELEN)
        item[f"dagdeel#{d}"] = item.get(f"dagdeel#{d}", 0) + 1
    # WHEN the figures are built
    values, sums = cijfers.cells(counters.values(), periode, cijfers.Indeling.den_haag())
    # THEN no attack recovers a hidden cell
    assert_protected(values, sums)
