"""An attacker with nothing but the public figures API tries to learn a count below k.

Seeded data with small cells over eight months (among them the issue's October with a single
report, pinned to one wijk). The attacker asks every period the API accepts (every month,
quarter and year, and every ``van``/``tot`` pair as the API used to take them), reads every
breakdown of every answer, and combines them: every published number, and every difference
and sum of two published numbers whose report sets nest, narrowed by everything else it
knows (what a number or a "<k" can mean, from ``k`` and ``max_afwijking`` in the answer;
absent, a number is taken as exact and a marker as "anything"). It "recovers" a count when
what it knows leaves exactly one possible value. The test knows which reports every number
counts, so it can check every set the attacker could reason about.

Against the period differencing of the issue (T(m..now) - T(m+1..now)) and the insertion
attack (4 reports of one's own in a wijk shown as "<5"), this fails on the figures as they
were before the cell key method and passes now.
"""
from __future__ import annotations

import random
from itertools import product
from typing import Any, Iterable

import pytest

from functions import wiring
from functions.meldpunt import opties
from tests.meldpunt_seed import record_key

pytestmark = pytest.mark.slow

K = 5
MONTHS = [f"2026-{m:02d}" for m in range(4, 12)]  # April .. November 2026
WIJKEN = ["WK051829", "WK051830", "WK051828", "WK051840", "WK051808", "onbekend"]
CATS = list(opties.CATEGORIEEN[:4])
DAGDELEN = list(opties.DAGDELEN)


def seeded_reports() -> list[dict[str, Any]]:
    """Busy months with small cells among them; October holds exactly one report."""
    rng = random.Random(20261201)
    reports = []
    for month in MONTHS:
        if month == "2026-10":
            plan = {"WK051840": 1}
        elif month == "2026-11":
            plan = {"WK051829": 12, "WK051830": 9, "WK051828": 6, "WK051840": 6, "WK051808": 1}
        else:
            plan = {w: rng.choice([0, 1, 2, 3, 6, 9]) for w in WIJKEN}
        for wijk, n in plan.items():
            for _ in range(n):
                i = len(reports)
                cats = sorted(rng.sample(CATS, rng.choice([1, 1, 2])))
                reports.append({"id": f"r{i:04d}", "maand": month, "wijk": wijk,
                                "stadsdeel": opties.stadsdeel_van(wijk), "categorieen": cats,
                                "gronden": [], "dagdeel": rng.choice(DAGDELEN)})
    return reports


def counter_items(reports: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for r in reports:
        item = items.setdefault((r["maand"], r["wijk"]), {"pk": f"TELLING#{r['maand']}", "sk": r["wijk"]})
        key = record_key(r["id"])
        names = ["totaal", f"dagdeel#{r['dagdeel']}"] + [f"cat#{c}" for c in r["categorieen"]]
        for name in names:
            item[name] = item.get(name, 0) + 1
            item["ks#" + name] = item.get("ks#" + name, 0) + key
    # the same counts under the name the figures read before the cell key method
    old = [{**i, "pk": i["pk"].replace("TELLING#", "CIJFERS#")} for i in items.values()]
    return list(items.values()) + old


def queries() -> list[str]:
    out = []
    for i, van in enumerate(MONTHS):  # every van/tot pair (the old API)
        for tot in MONTHS[i:]:
            out.append(f"van={van}&tot={tot}")
    out += [f"periode={m}" for m in MONTHS]
    out += ["periode=2026-K2", "periode=2026-K3", "periode=2026-K4", "periode=2026"]
    return out


def report_set(reports, months, **match) -> frozenset:
    def ok(r):
        for field, value in match.items():
            if field == "categorie":
                if value not in r["categorieen"]:
                    return False
            elif r[field] != value:
                return False
        return r["maand"] in months
    return frozenset(r["id"] for r in reports if ok(r))


def observations(data: dict[str, Any], reports) -> Iterable[tuple[frozenset, Any]]:
    """Every published number of one answer, with the set of reports it counts."""
    months = set(data["maanden"])
    yield report_set(reports, months), data["totaal"]
    for m, v in data["per_maand"].items():
        yield report_set(reports, {m}), v
    for c, v in data["per_categorie"].items():
        yield report_set(reports, months, categorie=c), v
    for d, v in data["per_dagdeel"].items():
        yield report_set(reports, months, dagdeel=d), v
    for sd, s in data["stadsdelen"].items():
        yield report_set(reports, months, stadsdeel=sd), s["totaal"]
        for m, v in s["per_maand"].items():
            yield report_set(reports, {m}, stadsdeel=sd), v
        for c, v in s["per_categorie"].items():
            yield report_set(reports, months, stadsdeel=sd, categorie=c), v
    for w, x in data["wijken"].items():
        yield report_set(reports, months, wijk=w), x["totaal"]
        for c, v in x["per_categorie"].items():
            yield report_set(reports, months, wijk=w, categorie=c), v


INF = 10 ** 9


def interval(value: Any, data: dict[str, Any]) -> tuple[int, int]:
    """What the attacker may conclude about a count from its published value."""
    d = int(data.get("max_afwijking", 0))
    if isinstance(value, int):
        return max(0, value - d), value + d
    if "max_afwijking" in data:  # "<k": the count plus its noise was below k
        return 0, data["k"] - 1 + d
    return 0, INF  # old suppression: small, or a larger count hidden to protect one


class Attacker:
    def __init__(self) -> None:
        self.known: dict[frozenset, tuple[int, int]] = {}

    def learn(self, cells: frozenset, lo: int, hi: int) -> None:
        old_lo, old_hi = self.known.get(cells, (0, INF))
        self.known[cells] = (max(lo, old_lo), min(hi, old_hi))

    def combine(self) -> None:
        """Differences (and so sums) of every two known sets that nest."""
        sets = sorted(self.known, key=len)
        for big in sets:
            lo_b, hi_b = self.known[big]
            for small in sets:
                if len(small) >= len(big) or len(big) - len(small) >= K:
                    continue  # only a difference below k is of interest
                if not small <= big:
                    continue
                lo_s, hi_s = self.known[small]
                self.learn(big - small, max(0, lo_b - hi_s), hi_b - lo_s)

    def recovered(self) -> list[tuple[int, tuple[str, ...]]]:
        """Every count from 1 to k-1 the attacker knows exactly."""
        return [(len(cells), tuple(sorted(cells))[:3]) for cells, (lo, hi) in self.known.items()
                if lo == hi and 0 < len(cells) < K]


@pytest.fixture
def seeded(aws):
    reports = seeded_reports()
    table = wiring.table()
    for item in counter_items(reports):
        table.put(item)
    return reports


def test_no_count_below_k_is_recovered_from_every_answer_the_api_gives(client, seeded):
    attacker = Attacker()
    answered = 0
    for query in queries():
        response = client.http.get(f"/meldpunt/cijfers.json?{query}")
        if response.status_code != 200:
            continue
        answered += 1
        data = response.json_body
        for cells, value in observations(data, seeded):
            attacker.learn(cells, *interval(value, data))
    assert answered >= 12  # every month, quarter and year
    attacker.combine()
    assert attacker.recovered() == []


def test_the_issues_period_differencing_reveals_nothing(client, seeded):
    # October held exactly one report, in WK051840: the issue recovered it from
    # T(October..November) - T(November). Those ranges are no longer offered...
    both = client.http.get("/meldpunt/cijfers.json?van=2026-10&tot=2026-11")
    assert both.status_code == 400 and set(both.json_body["errors"]) == {"van", "tot"}
    # ... and what is offered (the fourth quarter, its months) narrows October down to no
    # single value, for the whole city and for the wijk
    attacker = Attacker()
    for periode in ("2026-K4", "2026-10", "2026-11", "2026"):
        data = client.http.get(f"/meldpunt/cijfers.json?periode={periode}").json_body
        for cells, value in observations(data, seeded):
            attacker.learn(cells, *interval(value, data))
    attacker.combine()
    october = report_set(seeded, {"2026-10"})
    assert len(october) == 1
    lo, hi = attacker.known[october]
    assert hi - lo >= 2, (lo, hi)
    assert attacker.recovered() == []


def test_the_insertion_attack_reveals_nothing(client, seeded):
    # GIVEN WK051808 in November holds one report (shown "<5")
    from functions.meldpunt.celsleutel import Cel, publish

    november = [r for r in seeded if r["maand"] == "2026-11" and r["wijk"] == "WK051808"]
    assert len(november) == 1
    before = client.http.get("/meldpunt/cijfers.json?periode=2026-11").json_body
    assert before["wijken"]["WK051808"]["totaal"] == "<5"
    # WHEN the attacker adds 4 reports of their own there, and they pass the review
    own = [{"id": f"own{i}", "maand": "2026-11", "wijk": "WK051808", "stadsdeel": "scheveningen",
            "categorieen": [CATS[0]], "gronden": [], "dagdeel": "avond"} for i in range(4)]
    table = wiring.table()
    for item in counter_items(seeded + own):
        table.put(item)
    after = client.http.get("/meldpunt/cijfers.json?periode=2026-11").json_body
    shown = after["wijken"]["WK051808"]["totaal"]
    keys = sum(record_key(r["id"]) for r in november + own)
    assert shown == publish(Cel(5, keys), K)
    # THEN subtracting their own 4 leaves at least two possible values for the other count
    lo, hi = interval(shown, after)
    others = set(range(max(0, lo - 4), hi - 4 + 1)) & set(range(0, K - 1 + 2 + 1))
    assert len(others) >= 2 and 1 in others
