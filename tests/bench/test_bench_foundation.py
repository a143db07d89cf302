"""Speed and memory goals of the Foundation (run with `make bench`, never in `make test`).

Goals (2 cores, Python 3.11, this machine): a cold `import app` under 150 ms with nothing
heavy loaded; rendering a form under 2 ms once warm; parsing a full form body under 0.2 ms.
"""
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

from functions.http import parse_body
from functions.rendering import Renderer

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - start


def test_cold_import_of_app_is_cheap(benchmark):
    overhead = min(_run("pass") for _ in range(3))
    benchmark.pedantic(_run, args=("import app",), rounds=5, iterations=1)
    cost = benchmark.stats.stats.min - overhead
    assert cost < 0.150, f"import app costs {cost * 1000:.0f} ms over a bare interpreter"
    heavy = subprocess.run([sys.executable, "-c", "import sys, app; print(sorted(m for m in "
                            "('boto3', 'jinja2', 'mailchimp_marketing') if m in sys.modules))"],
                           cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    assert heavy == "[]"


def test_rendering_the_signup_form(benchmark):
    renderer = Renderer()
    html = benchmark(renderer.render, "nieuwsbrief/aanmelden.html", "nl", errors={}, values={},
                     werkgroepen=["communicatie", "politieke-agenda", "organizing"], base="")
    assert "<form" in html
    assert benchmark.stats.stats.median < 0.002


def test_parsing_a_form_body(benchmark):
    body = ("email=sam%40example.org&voornaam=Sam&" + "&".join(["werkgroepen=organizing"] * 3)).encode()
    request = SimpleNamespace(raw_body=body, headers={"content-type": "application/x-www-form-urlencoded"})
    form = benchmark(parse_body, request)
    assert form.first("email") == "sam@example.org"
    assert benchmark.stats.stats.median < 0.0002


def test_rendering_memory_stays_small():
    renderer = Renderer()
    renderer.render("nieuwsbrief/aanmelden.html", "nl", errors={}, values={}, werkgroepen=[], base="")
    tracemalloc.start()
    for _ in range(200):
        renderer.render("nieuwsbrief/aanmelden.html", "en", errors={"email": "x"}, values={"email": "a"},
                        werkgroepen=["organizing"], base="")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2 * 1024 * 1024, f"peak {peak / 1024:.0f} KiB while rendering"
