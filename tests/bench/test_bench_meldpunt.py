"""Speed and memory goals of the meldpunt (`make bench`).

Goals on this machine: with 36 busy months of counters (every wijk reporting), the public
figures of the longest period allowed (a year), through the cell key method, in under
1.5 s and under 8 MB peak, reading only that year's counters; the report form rendered in
under 5 ms once warm.
Measured 2026-11-27 (suppression, 36 months): 0.3 s and 0.5 MB; ~1 ms.
Measured 2026-12-01 (cell key, a year of the 36): see `make bench`'s table, where each goal
is judged (a miss is printed there, it does not fail the run).
"""
import random
import tracemalloc

import pytest

from functions.meldpunt import cijfers, opties
from functions.meldpunt.paginas import form_context
from functions.rendering import Renderer
from tests.meldpunt_seed import counter_item


MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)]


@pytest.fixture(scope="module")
def busy_three_years():
    """A FakeTable holding 36 months of counters; the year asked for is 2025."""
    from functions.adapters.dynamo import FakeTable

    rng = random.Random(1)
    table = FakeTable()
    for month in MONTHS:
        for wijk in opties.wijk_codes():
            n = rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 15])
            if n:
                table.put(counter_item(month, wijk, n, dagdeel={"avond": n},
                                       cat={c: rng.randint(0, n) for c in rng.sample(opties.CATEGORIEEN, 3)}))
    in_year = sum(1 for (pk, _sk) in table.items if pk.startswith("TELLING#2025-"))
    return table, in_year


def _publish(table):
    from datetime import date

    return cijfers.publiceer({"periode": "2025"}, table, 5, date(2026, 12, 1))


def test_figures_of_a_year_out_of_three_busy_years(benchmark, busy_three_years, table):
    counters, in_year = busy_three_years
    counters.reads = 0
    result = benchmark.pedantic(_publish, args=(counters,), rounds=3, iterations=1)
    assert isinstance(result["totaal"], int) and result["totaal"] > 1000
    slowest = benchmark.stats.stats.max
    table.record("cijfers_year", f"{slowest * 1000:.0f} ms; {counters.reads // 3} items read "
                 f"of {in_year} that year", slowest < 1.5 and counters.reads == 3 * in_year,
                 name="a year's figures out of 36 busy months (slowest of 3)",
                 goal="< 1.5 s; that year's counters only")
    assert counters.reads == 3 * in_year  # three rounds, each reading that year's counters only


def test_figures_memory(busy_three_years, table):
    counters, _ = busy_three_years
    tracemalloc.start()
    _publish(counters)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    table.record("cijfers_memory", f"{peak / 1024 / 1024:.1f} MiB", peak < 8 * 1024 * 1024,
                 name="peak memory of a year's figures", goal="< 8 MB")


def test_rendering_the_report_form(benchmark, table):
    from datetime import datetime, timezone

    renderer = Renderer()
    now = datetime(2026, 11, 27, tzinfo=timezone.utc)
    context = form_context({}, {}, "token", now)
    html = benchmark(renderer.render, "meldpunt/formulier.html", "nl", base="", **context)
    assert 'name="beschrijving"' in html
    median = benchmark.stats.stats.median
    table.record("render_report_form", f"{median * 1000:.1f} ms", median < 0.005,
                 name="report form rendered, warm (median)", goal="< 5 ms")
