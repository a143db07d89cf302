"""Speed and memory goals of the meldpunt (`make bench`).

Goals on this machine: the public figures for the longest period allowed (36 months,
every wijk reporting) computed with primary and secondary suppression in under 1.5 s and
under 8 MB peak; the report form rendered in under 5 ms once warm.
Measured 2026-11-27: 0.3 s and 0.5 MB; ~1 ms.
"""
import random
import tracemalloc

import pytest

from functions.meldpunt import cijfers, opties
from functions.meldpunt.paginas import form_context
from functions.rendering import Renderer
from tests.meldpunt_seed import counter_item


@pytest.fixture(scope="module")
def busy_three_years():
    rng = random.Random(1)
    periode = cijfers.Periode(van="2023-12", tot="2026-11")
    items = []
    for month in periode.maanden:
        for wijk in opties.wijk_codes():
            n = rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 15])
            if n:
                items.append(counter_item(month, wijk, n, dagdeel={"avond": n},
                                          cat={c: rng.randint(0, n) for c in rng.sample(opties.CATEGORIEEN, 3)}))
    return periode, items


def test_figures_for_three_busy_years(benchmark, busy_three_years):
    periode, items = busy_three_years
    result = benchmark.pedantic(cijfers.figures, args=(items, periode, 5), rounds=3, iterations=1)
    assert isinstance(result["totaal"], int) and result["totaal"] > 1000
    assert benchmark.stats.stats.max < 1.5


def test_figures_memory(busy_three_years):
    periode, items = busy_three_years
    tracemalloc.start()
    cijfers.figures(items, periode, 5)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MiB"


def test_rendering_the_report_form(benchmark):
    from datetime import datetime, timezone

    renderer = Renderer()
    now = datetime(2026, 11, 27, tzinfo=timezone.utc)
    context = form_context({}, {}, "token", now)
    html = benchmark(renderer.render, "meldpunt/formulier.html", "nl", base="", **context)
    assert 'name="beschrijving"' in html
    assert benchmark.stats.stats.median < 0.005
