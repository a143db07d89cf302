"""Retention: contact details and description deleted on time, to the second; idempotent."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from functions.config import Settings
from functions.meldpunt import retentie, review
from tests.meldpunt_seed import put_report

UTC = timezone.utc
CREATED = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
T = retentie.Termijnen()
SECOND = timedelta(seconds=1)


def seed(table, crypto, melding_id="m1", **kwargs):
    kwargs.setdefault("created_at", CREATED)
    kwargs.setdefault("email", "melder@example.org")
    return put_report(table, melding_id, crypto=crypto, **kwargs)


def report(table, melding_id="m1"):
    return table.get(f"MELDING#{melding_id}", "MELDING")


def contact(table, melding_id="m1"):
    return table.get(f"MELDING#{melding_id}", "CONTACT")


def retention_notes(table, melding_id="m1"):
    return [h["note"] for h in review.history(table, melding_id) if h["action"] == "retentie"]


# --- contact details ---------------------------------------------------------------------------

def test_contact_of_a_closed_report_stays_until_90_days_after_closing(table, crypto):
    closed = CREATED + timedelta(days=10)
    seed(table, crypto, status="afgehandeld", closed_at=closed)
    retentie.run(table, closed + timedelta(days=90) - SECOND, T)
    assert contact(table) is not None and report(table)["heeft_contact"] is True
    assert retention_notes(table) == []


def test_contact_of_a_closed_report_is_deleted_90_days_after_closing(table, crypto):
    closed = CREATED + timedelta(days=10)
    seed(table, crypto, status="afgehandeld", closed_at=closed)
    retentie.run(table, closed + timedelta(days=90), T)
    assert contact(table) is None
    assert report(table)["heeft_contact"] is False
    assert report(table)["contact_deleted_at"] == "2025-09-09T12:00:00Z"
    assert retention_notes(table) == ["contactgegevens verwijderd"]


def test_contact_of_an_open_report_stays_until_365_days(table, crypto):
    seed(table, crypto, status="in_behandeling")
    retentie.run(table, CREATED + timedelta(days=365) - SECOND, T)
    assert contact(table) is not None


def test_contact_of_an_open_report_is_deleted_after_365_days(table, crypto):
    seed(table, crypto, status="in_behandeling")
    retentie.run(table, CREATED + timedelta(days=365), T)
    assert contact(table) is None


def test_closing_late_does_not_extend_the_365_day_limit(table, crypto):
    closed = CREATED + timedelta(days=360)
    seed(table, crypto, status="afgehandeld", closed_at=closed)
    retentie.run(table, CREATED + timedelta(days=365), T)
    assert contact(table) is None


def test_a_report_without_contact_gets_no_contact_history(table, crypto):
    seed(table, crypto, email=None, status="afgehandeld", closed_at=CREATED)
    retentie.run(table, CREATED + timedelta(days=200), T)
    assert retention_notes(table) == []


# --- description -------------------------------------------------------------------------------

def test_description_stays_until_365_days(table, crypto):
    seed(table, crypto)
    retentie.run(table, CREATED + timedelta(days=365) - SECOND, T)
    item = report(table)
    assert item["beschrijving_enc"] and "text_deleted_at" not in item


def test_description_date_and_role_go_after_365_days_and_the_figures_fields_stay(table, crypto):
    before = seed(table, crypto, gronden=["racisme"], categorieen=["nafluiten", "achtervolgen"])
    now = CREATED + timedelta(days=365)
    retentie.run(table, now, T)
    item = report(table)
    assert "beschrijving_enc" not in item and "datum" not in item and "rol" not in item
    assert item["text_deleted_at"] == "2026-06-01T12:00:00Z"
    for kept in ("categorieen", "gronden", "wijk", "stadsdeel", "maand", "dagdeel", "status",
                 "created_at", "id"):
        assert item[kept] == before[kept]
    assert "beschrijving, datum en rol verwijderd" in retention_notes(table)
    shown = review.get_report(table, crypto, "m1")["melding"]
    assert shown["beschrijving"] is None and shown["datum"] is None


def test_the_code_only_report_loses_its_ttl_and_stays(table, crypto):
    seed(table, crypto, expires_at=int((CREATED + timedelta(days=395)).timestamp()))
    retentie.run(table, CREATED + timedelta(days=365), T)
    assert "expires_at" not in report(table)
    assert contact(table) is None  # contact items keep their own TTL until deleted


def test_a_withdrawal_that_stopped_half_way_is_cleaned_at_once(table, crypto):
    seed(table, crypto, withdrawn_at="2025-06-02T08:00:00Z")
    retentie.run(table, CREATED + timedelta(days=91), T)
    assert contact(table) is None
    assert not {"beschrijving_enc", "datum", "rol"} & set(report(table))


def test_a_withdrawn_report_loses_its_date_and_role_too(table, crypto):
    seed(table, crypto, email=None, beschrijving=None, withdrawn_at="2025-06-02T08:00:00Z",
         text_deleted_at="2025-06-02T08:00:00Z", heeft_contact=False, expires_at=1)
    retentie.run(table, CREATED + timedelta(days=91), T)
    item = report(table)
    assert "datum" not in item and "rol" not in item
    assert item["text_deleted_at"] == "2025-06-02T08:00:00Z" and item["maand"] == "2025-05"
    assert "expires_at" in item  # a withdrawn report is left to its TTL


# --- the run -----------------------------------------------------------------------------------

def test_a_second_run_changes_nothing(table, crypto):
    seed(table, crypto, status="afgehandeld", closed_at=CREATED)
    now = CREATED + timedelta(days=400)
    first = retentie.run(table, now, T)
    snapshot = {k: dict(v) for k, v in table.items.items()}
    second = retentie.run(table, now + timedelta(days=1), T)
    assert first["contact_verwijderd"] == 1 and first["tekst_verwijderd"] == 1
    assert second["contact_verwijderd"] == 0 and second["tekst_verwijderd"] == 0
    assert {k: dict(v) for k, v in table.items.items()} == snapshot


def test_the_run_stops_at_reports_too_young_for_any_deadline(table, crypto):
    now = datetime(2026, 11, 27, 3, 15, tzinfo=UTC)
    for n in range(30):
        seed(table, crypto, f"oud{n}", created_at=now - timedelta(days=200 + n))
    for n in range(200):
        seed(table, crypto, f"jong{n:03d}", created_at=now - timedelta(days=89, minutes=n))
    table.reads = 0
    stats = retentie.run(table, now, T)
    assert stats["bekeken"] == 30
    assert table.reads <= 30 + retentie.PAGE_SIZE


def test_many_reports_are_walked_page_by_page(table, crypto):
    now = CREATED + timedelta(days=366)
    for n in range(250):
        seed(table, crypto, f"m{n:03d}", created_at=CREATED - timedelta(minutes=n))
    stats = retentie.run(table, now, T)
    assert stats == {"bekeken": 250, "contact_verwijderd": 250, "tekst_verwijderd": 250}
    assert not [k for k in table.items if k[1] == "CONTACT"]


def test_periods_come_from_the_settings():
    settings = Settings.from_env({"MELDPUNT_CONTACT_DAYS_AFTER_CLOSE": "30",
                                  "MELDPUNT_CONTACT_MAX_DAYS": "180",
                                  "MELDPUNT_TEXT_MAX_DAYS": "200"})
    t = retentie.Termijnen.from_settings(settings)
    assert (t.contact_days_after_close, t.contact_max_days, t.text_max_days) == (30, 180, 200)
    closed = {"created_at": "2026-01-01T00:00:00Z", "closed_at": "2026-01-10T00:00:00Z"}
    assert retentie.contact_deadline(closed, t) == datetime(2026, 2, 9, tzinfo=UTC)
    assert retentie.text_deadline(closed, t) == datetime(2026, 7, 20, tzinfo=UTC)
