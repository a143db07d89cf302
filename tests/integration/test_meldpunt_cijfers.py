"""Public figures over the real app: JSON and HTML, suppression, errors, and no scan.

Counters are written straight into the table (``CIJFERS#<month>`` / ``<wijk>``), as the
intake keeps them.
"""
from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import datetime, timezone

import pytest

from functions import wiring
from functions.meldpunt import cijfers, opties
from tests.meldpunt_seed import counter_item, report_items

THIS_MONTH = cijfers.vandaag()
MONTH = f"{THIS_MONTH.year:04d}-{THIS_MONTH.month:02d}"
CENTRUM = ["WK051805", "WK051822", "WK051823", "WK051827", "WK051828", "WK051829", "WK051830"]


def body(response) -> str:
    return response.body.decode() if isinstance(response.body, bytes) else response.body


def put_counters(table, month=MONTH):
    # Centrum: one small wijk among large ones (3 -> "<5", and one more must go with it)
    sizes = {"WK051805": 3, "WK051822": 12, "WK051823": 9, "WK051827": 20, "WK051828": 30,
             "WK051829": 25, "WK051830": 40}
    for wijk, n in sizes.items():
        table.put(counter_item(month, wijk, n, cat={"nafluiten": n}, dagdeel={"avond": n}))
    table.put(counter_item(month, "WK051840", 7, cat={"nafluiten": 5, "achtervolgen": 2},
                           dagdeel={"nacht": 7}))
    return sizes


def test_figures_json_names_k_and_suppresses_small_counts(client, aws):
    put_counters(wiring.table())
    response = client.http.get(f"/meldpunt/cijfers.json?van={MONTH}&tot={MONTH}")
    assert response.status_code == 200
    data = response.json_body
    assert data["k"] == 5 and data["onderdrukt"] == "<5"
    wijken = data["wijken"]
    assert wijken["WK051805"]["totaal"] == "<5"
    assert wijken["WK051823"]["totaal"] == "<5"  # secondary: the next-smallest in Centrum
    assert wijken["WK051830"]["totaal"] == 40 and wijken["WK051801"]["totaal"] == 0
    assert data["stadsdelen"]["centrum"]["totaal"] == 139
    assert data["stadsdelen"]["escamp"]["totaal"] == 7
    assert data["per_categorie"]["achtervolgen"] == "<5"
    assert data["totaal"] == 146 and data["per_maand"][MONTH] == 146
    assert set(wijken) == {w.code for w in opties.wijken()} | {"onbekend"}


def test_no_suppressed_wijk_can_be_recomputed_from_the_published_json(client, aws):
    put_counters(wiring.table())
    data = client.http.get(f"/meldpunt/cijfers.json?van={MONTH}&tot={MONTH}").json_body
    for code, stadsdeel in data["stadsdelen"].items():
        if not isinstance(stadsdeel["totaal"], int):
            continue
        hidden = [w for w in stadsdeel["wijken"] if not isinstance(data["wijken"][w]["totaal"], int)]
        assert len(hidden) != 1, f"{code}: {hidden} follows by subtraction"


def test_default_period_is_the_last_twelve_months(client, aws):
    data = client.http.get("/meldpunt/cijfers.json").json_body
    assert data["tot"] == MONTH and len(data["maanden"]) == 12


@pytest.mark.parametrize("query,field", [
    ("van=2026-13", "van"), ("tot=gisteren", "tot"), ("van=2020-01&tot=2026-01", "van"),
    ("van=2026-05&tot=2026-01", "van"), ("van=2999-01", "van"),
])
def test_bad_periods_are_400_with_field_errors(client, aws, query, field):
    response = client.http.get(f"/meldpunt/cijfers.json?{query}")
    assert response.status_code == 400
    assert field in json.loads(body(response))["errors"]
    page = client.http.get(f"/meldpunt/cijfers?{query}", headers={"accept": "text/html"})
    assert page.status_code == 400 and "text/html" in page.headers["Content-Type"]


def test_the_figures_page_has_accessible_charts_with_tables_in_dutch(client, aws):
    put_counters(wiring.table())
    response = client.http.get(f"/meldpunt/cijfers?van={MONTH}&tot={MONTH}")
    assert response.status_code == 200
    html = body(response)
    assert '<html lang="nl">' in html and "Meldingen per wijk" in html
    charts = re.findall(r'<svg role="img" aria-labelledby="([\w-]+)-title \1-desc"', html)
    assert charts == ["per-stadsdeel", "per-wijk", "per-categorie", "per-maand"]
    for chart in charts:
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html
    assert html.count("<table>") == 4 and html.count('<th scope="row">') > 44
    assert "Archipelbuurt" in html and "&lt;5" in html and "<5" not in html.replace("&lt;5", "")


def test_the_figures_page_speaks_english(client, aws):
    html = body(client.http.get("/meldpunt/cijfers?lang=en"))
    assert '<html lang="en">' in html and "Reports per neighbourhood" in html
    html = body(client.http.get("/meldpunt/cijfers", headers={"accept-language": "en-GB,en;q=0.8"}))
    assert "Reports per month" in html


@pytest.mark.slow
def test_figures_read_only_the_counters_of_the_requested_months(client, aws):
    # GIVEN a 10,000-report history over three years: reports and counters, as the intake
    # writes them (batch writes straight into the table)
    rng = random.Random(7)
    months = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)][:35]
    wijken = [w.code for w in opties.wijken()] + ["onbekend"]
    counters: dict[tuple[str, str], Counter] = {}
    items = []
    for n in range(10_000):
        month, wijk = rng.choice(months), rng.choice(wijken)
        cat = rng.choice(opties.CATEGORIEEN)
        created = datetime(int(month[:4]), int(month[5:]), rng.randint(1, 28), 12, tzinfo=timezone.utc)
        items += report_items(f"r{n:05d}", created_at=created, wijk=wijk, categorieen=[cat],
                              datum=created.date().isoformat(), beschrijving=None)
        c = counters.setdefault((month, wijk), Counter())
        c.update({"totaal": 1, f"cat#{cat}": 1, "dagdeel#avond": 1})
    items += [counter_item(m, w, c["totaal"], cat={k[4:]: v for k, v in c.items() if k.startswith("cat#")},
                           dagdeel={"avond": c["dagdeel#avond"]}) for (m, w), c in counters.items()]
    _batch_put(aws, items)
    table = wiring.table()
    # WHEN the figures of one year are asked for
    table.reads = 0
    response = client.http.get("/meldpunt/cijfers.json?van=2025-01&tot=2025-12")
    # THEN only that year's counter items were read
    assert response.status_code == 200
    in_range = sum(1 for (m, _w) in counters if "2025-01" <= m <= "2025-12")
    assert 0 < table.reads <= in_range
    expected = sum(c["totaal"] for (m, _w), c in counters.items() if m.startswith("2025"))
    assert response.json_body["totaal"] == expected


def _batch_put(aws, items):
    from boto3.dynamodb.types import TypeSerializer

    ser = TypeSerializer()
    name = aws.env["DATA_TABLE"]
    for i in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": {k: ser.serialize(v) for k, v in item.items()}}}
                    for item in items[i:i + 25]]
        while requests:
            result = aws.dynamodb.batch_write_item(RequestItems={name: requests})
            requests = result.get("UnprocessedItems", {}).get(name, [])


def test_reports_stored_by_the_intake_count_and_withdrawn_ones_do_not(client, aws):
    # GIVEN six reports stored by the intake consumer (its own transaction and counters)
    from functions.meldpunt import intake, ontvangstcode, rechten

    table, crypto = wiring.table(), wiring.crypto()
    day = f"{MONTH}-01"
    codes = []
    for n in range(6):
        code = ontvangstcode.nieuw()
        codes.append(code)
        melding_id = f"{n + 1:032x}"
        intake.bewaar({
            "kind": intake.MESSAGE_KIND, "v": intake.MESSAGE_VERSION, "id": melding_id,
            "receipt_hash": ontvangstcode.hash_van(code), "created_at": f"{day}T10:0{n}:00Z",
            "categorieen": ["nafluiten"], "gronden": [], "rol": "getuige", "wijk": "WK051830",
            "stadsdeel": "centrum", "datum": day, "dagdeel": "nacht", "contact_gewenst": False,
            "beschrijving_enc": crypto.encrypt("tekst", intake.context(
                intake.PURPOSE_BESCHRIJVING, melding_id)),
            "contact_enc": None}, table, text_max_days=365, contact_max_days=365)

    def transvaal():
        data = client.http.get(f"/meldpunt/cijfers.json?van={MONTH}&tot={MONTH}").json_body
        return data["wijken"]["WK051830"]["totaal"], data["per_dagdeel"]["nacht"]

    assert transvaal() == (6, 6)
    # WHEN two reporters withdraw
    now = datetime.now(timezone.utc)
    rechten.trek_in(codes[0], table, now)
    assert transvaal() == (5, 5)
    rechten.trek_in(codes[1], table, now)
    rechten.trek_in(codes[1], table, now)  # twice: counted down once
    # THEN they no longer count, and four is too few to show
    assert transvaal() == ("<5", "<5")


def test_every_text_of_figures_and_digest_is_in_both_catalogs():
    from functions.i18n import CATALOG_DIR
    from functions.rendering import TEMPLATE_DIR

    folder = CATALOG_DIR / "meldpunt-cijfers"
    nl = json.loads((folder / "nl.json").read_text(encoding="utf-8"))
    en = json.loads((folder / "en.json").read_text(encoding="utf-8"))
    assert set(nl) == set(en)
    used = set()
    for name in ("cijfers.html", "_cijfers_grafiek.html", "digest.html", "digest.txt"):
        source = (TEMPLATE_DIR / "meldpunt" / name).read_text(encoding="utf-8")
        keys = re.findall(r"\bt\(\"([a-z_.\-]+)\"", source)
        used |= {k for k in keys if not k.endswith(".")}  # "prefix." ~ code: listed below
    used |= {f"meldpunt_cijfers.categorie.{c}" for c in opties.CATEGORIEEN}
    used |= {f"meldpunt_digest.status.{s}" for s in ("nieuw", "in_behandeling", "afgehandeld",
                                                     "geannuleerd")}
    assert used - set(nl) == set()


def test_a_last_month_in_the_future_means_up_to_now(client, aws):
    # "this year" asked as van=<January>&tot=<December> is answered up to this month
    from functions.meldpunt.cijfers import vandaag

    today = vandaag()
    this_month = f"{today.year:04d}-{today.month:02d}"
    response = client.http.get(f"/meldpunt/cijfers.json?van={today.year:04d}-01&tot={today.year:04d}-12")
    assert response.status_code == 200, response.body
    assert response.json_body["tot"] == this_month
