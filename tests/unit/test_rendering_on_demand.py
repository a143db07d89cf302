"""jinja2 loads when something is rendered, not when a handler only needs the catalogs: a
calendar feed (its labels come from the catalogs) is served without it, which keeps ~35 ms
off that Lambda's cold start (docs/performance.md)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FEED = r"""
import json, sys
from types import SimpleNamespace
from functions import wiring
from functions.adapters.dynamo import FakeTable
from functions.kalender import paginas
wiring.override(table=FakeTable())
answer = paginas.feed(SimpleNamespace(headers={}), "bestuur.ics")
after_feed = "jinja2" in sys.modules
page = wiring.renderer().render("nieuwsbrief/aanmelden.html", "nl", errors={}, values={},
                                werkgroepen=[], base="")
print(json.dumps({"status": answer.status_code, "vevent": "BEGIN:VEVENT" in answer.body,
                  "jinja2_after_feed": after_feed, "jinja2_after_render": "jinja2" in sys.modules,
                  "form": "<form" in page}))
"""


def test_a_calendar_feed_is_served_without_loading_jinja2_and_a_page_still_renders():
    done = subprocess.run([sys.executable, "-c", FEED], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"status": 200, "vevent": True, "jinja2_after_feed": False,
                                       "jinja2_after_render": True, "form": True}
