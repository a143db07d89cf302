"""The ICS feed of a year of meetings (issue 12): its render time and size, and its ETag
answered with 304. Served in-process (``app.app``) on moto's server, the kalender of the
afdeling file with its feed horizon set to a year ahead (the deployed horizon is 60 days
back and 183 ahead)."""
from __future__ import annotations

import dataclasses
import statistics
import time
from datetime import datetime, timezone

from tests.bench.cold import Context
from tests.bench.support import api_event

ROUNDS = 15


def test_a_years_feed_renders_and_its_etag_answers_304(table, function_environment, monkeypatch):
    import app
    from functions import afdeling, wiring
    from functions.kalender import activiteiten as acts
    from functions.kalender import gegevens, ics, paginas

    year = dataclasses.replace(gegevens.huidig(), terug_dagen=0, vooruit_dagen=365)
    monkeypatch.setattr(paginas, "_kalender", lambda: year)
    event = api_event("GET", "/kalender.ics", headers={"accept": "text/calendar"})

    def get(headers=None):
        e = dict(event, headers={**event["headers"], **(headers or {})})
        started = time.perf_counter()
        answer = app.app(e, Context())
        return time.perf_counter() - started, answer

    get()  # the first request imports icalendar and makes the client
    served = []
    for _ in range(ROUNDS):
        seconds, answer = get()
        served.append(seconds)
    assert answer["statusCode"] == 200, answer["body"][:300]
    body = answer["body"]
    events = body.count("BEGIN:VEVENT")
    etag = answer["headers"]["ETag"]

    # the render alone: the same occurrences and labels, no request, no table
    van, tot = acts.horizon(year, acts.vandaag(year, datetime.now(timezone.utc)))
    items = acts.tussen(year, wiring.table(), van, tot)
    rendered = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        again = ics.calendar(year, items, naam="bench", base_url="http://bench",
                             labels=paginas._labels(), afdeling=afdeling.current().naam,
                             years=(van.year, tot.year))
        rendered.append(time.perf_counter() - started)
    assert again.count(b"BEGIN:VEVENT") == events == len(items)

    _, cached = get({"if-none-match": etag})
    not_modified = cached["statusCode"] == 304 and not cached["body"] and cached["headers"]["ETag"] == etag
    _, other = get({"if-none-match": '"something-else"'})
    assert other["statusCode"] == 200

    render_ms, served_ms = statistics.median(rendered) * 1000, statistics.median(served) * 1000
    table.record("ics_year", f"{render_ms:.0f} ms render, {len(body.encode()) / 1024:.0f} KiB, "
                 f"{events} events; 304 {'yes' if not_modified else 'NO'}", not_modified,
                 f"GET /kalender.ics with a 365-day horizon ({van} to {tot}): served in "
                 f"{served_ms:.0f} ms warm (render {render_ms:.0f} ms), median of {ROUNDS}; "
                 f"{len(body.encode()):,} bytes; If-None-Match {etag} -> {cached['statusCode']}, "
                 f"empty body; another ETag -> 200")
