"""Public figures over the real app: JSON and HTML, the cell key method, periods, errors, no scan.

Counters are written straight into the table (``TELLING#<month>`` / ``<wijk>``) with the key
sums of seeded reports (tests.meldpunt_seed.counter_item), as the review keeps them.
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
from functions.meldpunt.celsleutel import Cel, publish
from tests.meldpunt_seed import counter_item, record_key, report_items

THIS_MONTH = cijfers.vandaag()
MONTH = f"{THIS_MONTH.year:04d}-{THIS_MONTH.month:02d}"
YEAR = f"{THIS_MONTH.year:04d}"
QUARTER = f"{YEAR}-K{(THIS_MONTH.month - 1) // 3 + 1}"
CENTRUM = ["WK051805", "WK051822", "WK051823", "WK051827", "WK051828", "WK051829", "WK051830"]
SIZES = {"WK051805": 3, "WK051822": 12, "WK051823": 9, "WK051827": 20, "WK051828": 30,
         "WK051829": 25, "WK051830": 40}


def body(response) -> str:
    return response.body.decode() if isinstance(response.body, bytes) else response.body


def put_counters(table, month=MONTH):
    for wijk, n in SIZES.items():
        table.put(counter_item(month, wijk, n, cat={"nafluiten": n}, dagdeel={"avond": n}))
    table.put(counter_item(month, "WK051840", 7, cat={"nafluiten": 5, "achtervolgen": 2},
                           dagdeel={"nacht": 7}))


def truth(month: str, wijk: str, n: int) -> Cel:
    """The seeded cell of n reports of one wijk in one month (as counter_item keys them)."""
    return Cel(n, sum(record_key(f"{month}-{wijk}-{i}") for i in range(n)))


def test_figures_json_publishes_every_count_through_the_cell_key_method(client, aws):
    put_counters(wiring.table())
    response = client.http.get(f"/meldpunt/cijfers.json?periode={MONTH}")
    assert response.status_code == 200
    data = response.json_body
    assert data["k"] == 5 and data["onderdrukt"] == "<5" and data["max_afwijking"] == 2
    assert data["periode"] == MONTH and data["soort"] == "maand"
    assert "afwijking" in data["methode"]["nl"] and "change" in data["methode"]["en"]
    wijken = data["wijken"]
    # a small count is never shown, nor is an empty one (so a "<5" does not tell 0 from 1-4)
    assert wijken["WK051805"]["totaal"] == "<5" and wijken["WK051801"]["totaal"] == "<5"
    # a large one is its count plus the noise its own reports determine, at most 2 off
    for wijk, n in SIZES.items():
        assert wijken[wijk]["totaal"] == publish(truth(MONTH, wijk, n), 5)
    assert abs(wijken["WK051830"]["totaal"] - 40) <= 2
    centrum = sum((truth(MONTH, w, n) for w, n in SIZES.items()), Cel())
    assert data["stadsdelen"]["centrum"]["totaal"] == publish(centrum, 5)
    assert data["per_categorie"]["achtervolgen"] == "<5"
    assert set(wijken) == {w.code for w in opties.wijken()} | {"onbekend"}


def test_the_same_reports_get_the_same_number_in_every_answer(client, aws):
    put_counters(wiring.table())
    month = client.http.get(f"/meldpunt/cijfers.json?periode={MONTH}").json_body
    quarter = client.http.get(f"/meldpunt/cijfers.json?periode={QUARTER}").json_body
    year = client.http.get(f"/meldpunt/cijfers.json?periode={YEAR}").json_body
    # only this month has reports: the quarter and the year hold the very same sets
    assert month["totaal"] == quarter["per_maand"][MONTH] == year["per_maand"][MONTH]
    assert month["totaal"] == quarter["totaal"] == year["totaal"]
    assert (month["stadsdelen"]["centrum"]["totaal"]
            == year["stadsdelen"]["centrum"]["per_maand"][MONTH])
    again = client.http.get(f"/meldpunt/cijfers.json?periode={MONTH}").json_body
    assert again == month


def test_the_default_period_is_this_year(client, aws):
    data = client.http.get("/meldpunt/cijfers.json").json_body
    assert data["periode"] == YEAR and len(data["maanden"]) == 12


@pytest.mark.parametrize("query,field", [
    ("periode=2026-13", "periode"), ("periode=gisteren", "periode"), ("periode=2026-K5", "periode"),
    ("periode=2999", "periode"), ("periode=1999-01", "periode"),
    ("van=2026-01&tot=2026-05", "van"), ("tot=2026-05", "tot"),
])
def test_bad_periods_are_400_with_field_errors(client, aws, query, field):
    response = client.http.get(f"/meldpunt/cijfers.json?{query}")
    assert response.status_code == 400
    assert field in json.loads(body(response))["errors"]
    page = client.http.get(f"/meldpunt/cijfers?{query}", headers={"accept": "text/html"})
    assert page.status_code == 400 and "text/html" in page.headers["Content-Type"]


@pytest.mark.parametrize("periode,soort,maanden", [
    ("2026", "jaar", 12), ("2026-K4", "kwartaal", 3), ("2026-q2", "kwartaal", 3),
    ("2026-11", "maand", 1)])
def test_a_year_a_quarter_or_a_month(client, aws, periode, soort, maanden):
    data = client.http.get(f"/meldpunt/cijfers.json?periode={periode}").json_body
    assert data["soort"] == soort and len(data["maanden"]) == maanden


def test_the_figures_page_has_accessible_bar_tables_in_dutch(client, aws):
    put_counters(wiring.table())
    response = client.http.get(f"/meldpunt/cijfers?periode={MONTH}")
    assert response.status_code == 200
    html = body(response)
    assert '<html lang="nl">' in html and "Meldingen per wijk" in html
    assert "<svg" not in html  # HTML tables: labels wrap, the numbers are the table
    tables = re.findall(r'<table class="staven" id="([\w-]+)"', html)
    assert tables == ["per-stadsdeel", "per-wijk", "per-categorie"]  # one month: no month chart
    assert html.count('<th scope="row"') > 44
    # the long label is there in full (it was cut off in the SVG chart)
    assert "Fotograferen of filmen zonder toestemming" in html
    assert "Archipelbuurt" in html and "&lt;5" in html and "<5" not in html.replace("&lt;5", "")
    assert "Waarom de getallen niet precies zijn" in html and "hoogstens 2" in html
    # the period is chosen from a list: this month is selected
    assert f'<option value="{MONTH}" selected>' in html


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
    response = client.http.get("/meldpunt/cijfers.json?periode=2025")
    # THEN only that year's counter items were read
    assert response.status_code == 200
    in_range = sum(1 for (m, _w) in counters if "2025-01" <= m <= "2025-12")
    assert 0 < table.reads <= in_range
    expected = sum(c["totaal"] for (m, _w), c in counters.items() if m.startswith("2025"))
    assert abs(response.json_body["totaal"] - expected) <= 2


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


def test_reviewed_reports_count_and_withdrawn_ones_do_not(client, aws):
    # GIVEN six reports stored by the intake consumer and reviewed by the werkgroep
    from functions.meldpunt import intake, ontvangstcode, rechten, review

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
    ids = [f"{n + 1:032x}" for n in range(6)]
    keys = {i: table.get(f"MELDING#{i}", "MELDING")["record_key"] for i in ids}

    def transvaal():
        data = client.http.get(f"/meldpunt/cijfers.json?periode={MONTH}").json_body
        return data["wijken"]["WK051830"]["totaal"], data["per_dagdeel"]["nacht"]

    def expected(counted):
        value = publish(Cel(len(counted), sum(keys[i] for i in counted)), 5)
        return value, value

    assert transvaal() == ("<5", "<5")  # stored, not yet reviewed: nothing counts
    now = datetime.now(timezone.utc)
    for i in ids:
        review.change_status(table, i, "in_behandeling", "", {"name": "n", "role": "politieke-agenda"}, now)
    assert transvaal() == expected(ids)
    # WHEN two reporters withdraw
    rechten.trek_in(codes[0], table, now)
    assert transvaal() == expected(ids[1:])
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
    for name in ("cijfers.html", "digest.html", "digest.txt"):
        source = (TEMPLATE_DIR / "meldpunt" / name).read_text(encoding="utf-8")
        keys = re.findall(r"\bt\(\"([a-z_.\-]+)\"", source)
        used |= {k for k in keys if not k.endswith(".")}  # "prefix." ~ code: listed below
    used |= {f"meldpunt_cijfers.categorie.{c}" for c in opties.CATEGORIEEN}
    used |= {f"meldpunt_digest.status.{s}" for s in ("nieuw", "in_behandeling", "afgehandeld",
                                                     "geannuleerd")}
    assert used - set(nl) == set()


def test_a_period_that_has_begun_is_shown_so_far_and_a_future_one_is_refused(client, aws):
    assert client.http.get(f"/meldpunt/cijfers.json?periode={YEAR}").status_code == 200
    future = f"{THIS_MONTH.year + 1:04d}"
    response = client.http.get(f"/meldpunt/cijfers.json?periode={future}")
    assert response.status_code == 400 and "periode" in response.json_body["errors"]
