"""Items read by one month's public figures, with a 10,000-report history (issue 12): the
figures come from the month's counters (``TELLING#<month>`` / ``<wijk>``), never from the
reports. The history is in moto's DynamoDB (reports and counters as the intake and the review
leave them); the route is served in-process and every item DynamoDB reads is counted from its
answers (``ScannedCount`` of each Query and Scan, 1 for each GetItem that found one)."""
from __future__ import annotations

import json
import random
from collections import defaultdict

import pytest

from tests.bench.cold import Context
from tests.bench.support import api_event

REPORTS = 10_000
MONTHS = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)][:23]  # 2025-01 .. 2026-11
ASKED = "2026-06"


def history(rng: random.Random) -> tuple[list[dict], dict[tuple[str, str], dict]]:
    """10,000 reviewed reports over 23 months, and the counters their review left."""
    from functions.meldpunt import opties, telling

    wijken = sorted(opties.wijk_codes())
    reports, counters = [], defaultdict(dict)
    for n in range(REPORTS):
        maand = rng.choice(MONTHS)
        report = {"pk": f"MELDING#bench{n:05d}", "sk": "MELDING", "id": f"bench{n:05d}",
                  "status": "in_behandeling", "categorieen": rng.sample(opties.CATEGORIEEN, 2),
                  "gronden": [], "rol": "getuige", "wijk": rng.choice(wijken),
                  "datum": f"{maand}-15", "maand": maand, "dagdeel": rng.choice(opties.DAGDELEN),
                  "created_at": f"{maand}-16T10:00:00Z", "beschrijving_enc": "kms1:AAAA",
                  telling.RECORD_KEY: telling.new_record_key(), telling.IN: f"{maand}-17T10:00:00Z",
                  "gsi1pk": "MELDINGEN", "gsi1sk": f"{maand}-16T10:00:00Z#bench{n:05d}"}
        reports.append(report)
        counter = counters[(telling.pk(maand), report["wijk"])]
        for name, value in telling.bijdrage(report, +1).items():
            counter[name] = counter.get(name, 0) + value
    return reports, counters


@pytest.fixture
def history_table(function_environment, monkeypatch):
    """A table of its own, shaped as the template's DataTable, for the 11,000 items (the other
    figures' tables stay small), and the functions pointed at it; deleted afterwards."""
    from functions import wiring
    from infra.local.provision import load_template

    shape = load_template()["Resources"]["DataTable"]["Properties"]
    dynamodb = function_environment.client("dynamodb")
    name = "bench-history"
    dynamodb.create_table(TableName=name, **{k: shape[k] for k in (
        "BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")})
    monkeypatch.setenv("DATA_TABLE", name)
    wiring.reset()
    yield name
    dynamodb.delete_table(TableName=name)


def test_one_months_figures_read_only_that_months_counters(table, function_environment,
                                                           history_table):
    import app
    from functions.adapters import aws
    from functions.adapters.dynamo import DynamoTable

    reports, counters = history(random.Random(12))
    dynamodb = function_environment.client("dynamodb")
    # items serialised as the app's table adapter writes them
    writer = DynamoTable(history_table, dynamodb)
    items = reports + [{"pk": pk, "sk": sk, **counts} for (pk, sk), counts in counters.items()]
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": writer._ser(item)}} for item in items[start:start + 25]]
        while batch:
            batch = dynamodb.batch_write_item(RequestItems={writer.name: batch}) \
                .get("UnprocessedItems", {}).get(writer.name, [])
    in_month = sum(1 for (pk, _) in counters if pk == f"TELLING#{ASKED}")
    reports_in_month = sum(1 for r in reports if r["maand"] == ASKED)

    read, operations = [0], []

    def count(parsed, model, **_):
        operations.append(model.name)
        if model.name in ("Query", "Scan"):
            read[0] += int(parsed.get("ScannedCount", 0))
        elif model.name == "GetItem" and parsed.get("Item"):
            read[0] += 1
        # the table adapter reads with nothing else; any other call shows in the details

    client = aws.client("dynamodb")
    client.meta.events.register("after-call.dynamodb", count)
    answer = app.app(api_event("GET", "/meldpunt/cijfers.json", query={"periode": ASKED},
                               headers={"accept": "application/json"}), Context())
    client.meta.events.unregister("after-call.dynamodb", count)
    assert answer["statusCode"] == 200, answer["body"][:500]
    figures = json.loads(answer["body"])
    assert figures["periode"] == ASKED and isinstance(figures["totaal"], int), figures

    table.record("cijfers_items", f"{read[0]} read; {in_month} in that month", read[0] == in_month,
                 f"GET /meldpunt/cijfers.json?periode={ASKED}: {', '.join(operations)}; "
                 f"history {REPORTS:,} reviewed reports over {len(MONTHS)} months "
                 f"({reports_in_month} in {ASKED}), {len(counters)} counter items in all, "
                 f"{len(items):,} items in the table; counted from DynamoDB's ScannedCount")
