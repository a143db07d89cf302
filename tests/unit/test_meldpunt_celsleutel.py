"""The cell key method: a proper perturbation table, the same answer to the same question,
never a count below k shown as itself, and the error within the documented bound."""
from __future__ import annotations

import math
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from functions.meldpunt import cijfers, opties
from functions.meldpunt.celsleutel import D, KEY_RANGE, PTABLE, Cel, noise, publish
from tests.meldpunt_seed import counter_item

K = 5
keys = st.integers(min_value=0, max_value=KEY_RANGE - 1)


def test_every_row_of_the_table_is_a_distribution_with_mean_zero_and_bounded_noise():
    for count, row in PTABLE.items():
        assert math.isclose(sum(p for _, p in row), 1.0)
        assert math.isclose(sum(n * p for n, p in row), 0.0, abs_tol=1e-12)
        assert all(abs(n) <= D and count + n >= 0 for n, _ in row)


def test_noise_follows_the_table_over_the_cell_key():
    # the share of cell keys that give each noise is the table's probability
    row = dict(PTABLE[max(PTABLE)])
    steps = 10_000
    seen: dict[int, int] = {}
    for i in range(steps):
        n = noise(40, i * KEY_RANGE // steps)
        seen[n] = seen.get(n, 0) + 1
    assert {n: round(c / steps, 2) for n, c in seen.items()} == row


@given(st.lists(st.tuples(st.integers(0, 60), keys), max_size=40), st.integers(2, 10))
def test_the_same_question_always_gets_the_same_answer(cells, k):
    for n, ks in cells:
        assert publish(Cel(n, ks), k) == publish(Cel(n, ks), k)
        assert publish(Cel(n, ks + KEY_RANGE), k) == publish(Cel(n, ks), k)  # modulo the range


@given(st.integers(0, 1000), keys, st.integers(2, 10))
def test_a_count_below_k_is_never_shown_as_itself_and_shown_counts_are_close(n, ks, k):
    shown = publish(Cel(n, ks), k)
    if n < k:
        assert shown == f"<{k}"
    if isinstance(shown, int):
        assert shown >= k and abs(shown - n) <= D
    else:
        assert shown == f"<{k}" and n <= k - 1 + D


reports = st.lists(st.tuples(st.sampled_from(["WK051829", "WK051830", "WK051801", "onbekend"]),
                             st.sampled_from(["2026-01", "2026-02", "2026-03", "2026-04"]),
                             st.sampled_from(opties.CATEGORIEEN[:3]), keys), max_size=120)


def _counters(rs):
    items: dict[tuple[str, str], dict] = {}
    for wijk, month, cat, key in rs:
        item = items.setdefault((month, wijk), {"pk": f"TELLING#{month}", "sk": wijk})
        for attribute in ("totaal", f"cat#{cat}", "dagdeel#avond"):
            item[attribute] = item.get(attribute, 0) + 1
            item["ks#" + attribute] = item.get("ks#" + attribute, 0) + key
    return list(items.values())


def _numbers(data):
    """Every published value of an answer, with where it is."""
    out = [("totaal", data["totaal"])]
    out += [(f"maand {m}", v) for m, v in data["per_maand"].items()]
    out += [(f"cat {c}", v) for c, v in data["per_categorie"].items()]
    for code, w in data["wijken"].items():
        out.append((f"wijk {code}", w["totaal"]))
        out += [(f"wijk {code} {c}", v) for c, v in w["per_categorie"].items()]
    for code, sd in data["stadsdelen"].items():
        out.append((f"sd {code}", sd["totaal"]))
        out += [(f"sd {code} {m}", v) for m, v in sd["per_maand"].items()]
    return out


@settings(max_examples=60, deadline=None)
@given(reports)
def test_figures_of_random_report_sets_keep_every_promise(rs):
    periode = cijfers.parse_periode({"periode": "2026-K1"}, date(2026, 12, 1))
    data = cijfers.figures(_counters(rs), periode, K)
    # the same question, the same answer
    assert cijfers.figures(_counters(rs), periode, K) == data
    # the truth of every cell, counted straight from the reports of the quarter (April is not)
    in_period = [r for r in rs if r[1] in periode.maanden]
    true = {"totaal": len(in_period)}
    for wijk, month, cat, _ in in_period:
        sd = opties.stadsdeel_van(wijk)
        for where in (f"maand {month}", f"cat {cat}", f"wijk {wijk}", f"wijk {wijk} {cat}",
                      f"sd {sd}", f"sd {sd} {month}"):
            true[where] = true.get(where, 0) + 1
    for where, shown in _numbers(data):
        n = true.get(where, 0)
        if n < K:
            assert shown == "<5", (where, n, shown)
        if isinstance(shown, int):
            assert abs(shown - n) <= D, (where, n, shown)
        else:
            assert n <= K - 1 + D, (where, n, shown)


def test_seeded_counters_carry_a_key_sum_beside_every_count():
    item = counter_item("2026-01", "WK051829", 3, cat={"nafluiten": 2})
    assert set(item) == {"pk", "sk", "totaal", "ks#totaal", "cat#nafluiten", "ks#cat#nafluiten"}
