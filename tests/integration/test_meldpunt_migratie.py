"""The one-off move to the cell key method's counters, under moto: idempotent, reviewed only."""
from __future__ import annotations

from datetime import datetime, timezone

from functions import wiring
from functions.meldpunt import migratie
from functions.meldpunt.celsleutel import Cel, publish
from tests.meldpunt_seed import put_report

NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
CREATED = datetime(2026, 11, 10, 9, tzinfo=timezone.utc)


def old_style(table):
    """Reports as stored before 2026-12-01: no record key, every one in the old counters."""
    statuses = {"a": "nieuw", "b": "in_behandeling", "c": "afgehandeld", "d": "in_behandeling",
                "e": "afgehandeld", "f": "in_behandeling", "g": "geannuleerd", "h": "in_behandeling"}
    for i, status in statuses.items():
        extra = {"withdrawn_at": "2026-11-20T10:00:00Z"} if i == "h" else {}
        report = put_report(table, f"m{i}", created_at=CREATED, status=status, wijk="WK051829",
                            stadsdeel="centrum", datum="2026-11-09", **extra)
        del report["record_key"]
        table.put(report)
    table.put({"pk": "CIJFERS#2026-11", "sk": "WK051829", "totaal": 8, "cat#nafluiten": 8,
               "dagdeel#avond": 8})


def test_the_migration_counts_reviewed_reports_with_their_keys_once(aws):
    table = wiring.table()
    old_style(table)
    # WHEN it runs
    done = migratie.run(table, NOW)
    # THEN every report has a record key, and only the five reviewed, open ones count
    assert done == {"reports": 8, "keys": 8, "counted": 5, "raced": 0, "old_counters_deleted": 1}
    reports = {i: table.get(f"MELDING#m{i}", "MELDING") for i in "abcdefgh"}
    assert all(0 <= r["record_key"] < 2 ** 32 for r in reports.values())
    counter = table.get("TELLING#2026-11", "WK051829")
    counted = [reports[i] for i in "bcdef"]
    assert counter["totaal"] == 5 and counter["cat#nafluiten"] == 5
    assert counter["ks#totaal"] == sum(r["record_key"] for r in counted)
    assert table.get("CIJFERS#2026-11", "WK051829") is None
    # AND the figures publish them through the cell key method
    from functions.meldpunt import cijfers

    data = cijfers.publiceer({"periode": "2026-11"}, table, 5, NOW.date())
    assert data["wijken"]["WK051829"]["totaal"] == publish(
        Cel(5, sum(r["record_key"] for r in counted)), 5)
    # WHEN it runs again, THEN nothing changes
    keys = {i: r["record_key"] for i, r in reports.items()}
    assert migratie.run(table, NOW) == {"reports": 8, "keys": 0, "counted": 0, "raced": 0,
                                        "old_counters_deleted": 0}
    assert table.get("TELLING#2026-11", "WK051829")["totaal"] == 5
    assert {i: table.get(f"MELDING#m{i}", "MELDING")["record_key"] for i in keys} == keys


def test_a_report_reviewed_after_the_migration_counts_once_more(aws):
    from functions.meldpunt import review

    table = wiring.table()
    old_style(table)
    migratie.run(table, NOW)
    review.change_status(table, "ma", "in_behandeling", "", {"name": "n", "role": "politieke-agenda"}, NOW)
    assert table.get("TELLING#2026-11", "WK051829")["totaal"] == 6
    assert migratie.run(table, NOW)["counted"] == 0
    assert table.get("TELLING#2026-11", "WK051829")["totaal"] == 6


def test_the_command_migrates_a_running_stack(tmp_path, monkeypatch, capsys):
    import json

    import boto3
    from moto.server import ThreadedMotoServer

    from functions.adapters.dynamo import DynamoTable
    from infra import migrate_cijfers
    from infra.local.provision import provision

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        env, _ = provision(boto3.client("cloudformation", endpoint_url=endpoint),
                           boto3.client("sqs", endpoint_url=endpoint), parameters={})
        (tmp_path / "stack.json").write_text(json.dumps({"moto": endpoint, "env": env}))
        monkeypatch.setenv("LOCAL_STATE_DIR", str(tmp_path))
        table = DynamoTable(env["DATA_TABLE"], boto3.client("dynamodb", endpoint_url=endpoint))
        old_style(table)
        assert migrate_cijfers.main([]) == 0
        out = capsys.readouterr().out
        assert json.loads(out.strip().splitlines()[-1])["counted"] == 5, out
        assert migrate_cijfers.main([]) == 0
        assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["counted"] == 0
    finally:
        server.stop()
