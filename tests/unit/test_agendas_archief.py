"""The archive's services with fakes: upload, consumer, chain, views, idempotency, the check."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from functions.adapters.s3 import FakeArchive
from functions.agendas import archief, manifest, verificatie
from functions.errors import BadRequest, NotFound, ValidationError
from tests.agendas_support import AGENDA_MD, BESTUUR, NOW, minimal_pdf

MD = {"content-type": "text/markdown; charset=utf-8"}
PDFH = {"content-type": "application/pdf"}


@pytest.fixture
def archive() -> FakeArchive:
    return FakeArchive()


def upload(table, archive, body=AGENDA_MD.encode(), headers=MD, query=None, datum="2026-12-03",
           stuk="agenda", process=True):
    receipt = archief.ontvang(table, archive, datum_raw=datum, stuk=stuk, body=body, headers=headers,
                              query=query or {}, principal=BESTUUR, now=NOW)
    if process:
        event = {"Records": [{"eventName": "ObjectCreated:Put",
                              "s3": {"object": {"key": f"uploads/{receipt['upload_id']}"}}}]}
        archief.verwerk_bericht(event, table, archive, NOW)
    return receipt


def test_an_upload_is_archived_with_a_manifest_entry_and_a_public_view_without_besloten_parts(table, archive):
    receipt = upload(table, archive)
    assert receipt["status"] == "ontvangen" and receipt["besloten"] == ["2. Vrijwilliger in de knel (besloten)"]
    status = archief.upload_status(table, "2026-12-03", receipt["upload_id"])
    assert status["status"] == "opgenomen" and status["seq"] == 1 and status["versie"] == 1
    entry = table.get(manifest.PK, manifest.entry_sk(1))
    assert entry["uploader"] == "Tim Kies" and entry["vorige_hash"] == manifest.GENESIS
    assert entry["sha256"] == receipt["sha256"]
    doc = archief.document(table, "2026-12-03", "agenda")
    assert doc["zichtbaar"] and "VERTROUWELIJK" not in doc["html"] and "VERTROUWELIJK" not in doc["markdown"]
    assert "<h2>3. Werkgroepen</h2>" in doc["html"] and doc["besloten_delen"] == 1
    assert "uploader" not in doc
    full = archief.volledig(table, archive, "2026-12-03", "agenda")
    assert "VERTROUWELIJK-123" in full["html"] and "VERTROUWELIJK-456" in full["markdown"]
    assert table.get("AGENDA#2026-12-03", "PUBLIC")["pad"] == "/agendas/2026-12-03"


def test_a_second_upload_makes_a_second_version_chained_to_the_first(table, archive):
    first = upload(table, archive)
    second = upload(table, archive, body=(AGENDA_MD + "\n## 4. Rondvraag\n").encode())
    listed = archief.versies(table, "2026-12-03")["versies"]
    assert [v["versie"] for v in listed] == [1, 2]
    assert [v["sha256"] for v in listed] == [first["sha256"], second["sha256"]]
    e1, e2 = (table.get(manifest.PK, manifest.entry_sk(n)) for n in (1, 2))
    assert e2["vorige_hash"] == e1["hash"]
    assert archief.document(table, "2026-12-03", "agenda")["versie"] == 2
    assert "Rondvraag" not in archief.document(table, "2026-12-03", "agenda", "1")["html"]


def test_a_redelivered_notification_records_nothing_twice(table, archive):
    receipt = upload(table, archive)
    event = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": f"uploads/{receipt['upload_id']}"}}}]}
    assert archief.verwerk_bericht(event, table, archive, NOW) == ["opgenomen"]
    assert archive.stores == 1
    assert table.get(manifest.PK, manifest.HEAD_SK)["seq"] == 1


def test_a_crash_after_storing_finds_the_stored_version_instead_of_storing_again(table, archive, monkeypatch):
    receipt = upload(table, archive, process=False)
    real = table.transact_write
    calls = {"n": 0}

    def crash_once(actions):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("lambda died")
        return real(actions)

    monkeypatch.setattr(table, "transact_write", crash_once)
    with pytest.raises(RuntimeError):
        archief.verwerk_upload(receipt["upload_id"], table, archive, NOW)
    assert archief.verwerk_upload(receipt["upload_id"], table, archive, NOW) == "opgenomen"
    assert archive.stores == 1
    assert verificatie.controleer(table, archive)["ok"]


def test_the_s3_test_event_is_skipped(table, archive):
    assert archief.verwerk_bericht({"Service": "Amazon S3", "Event": "s3:TestEvent"}, table, archive, NOW) == []


def test_an_unknown_staging_key_is_ignored(table, archive):
    event = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "uploads/..%2F..%2Fx"}}}]}
    assert archief.verwerk_bericht(event, table, archive, NOW) == []


@pytest.mark.parametrize("datum", ["2026-02-30", "2026-13-01", "26-12-03", "2026-12-3", "2026-12-03\n",
                                   "../2026-12-03", "..%2F..%2Fetc", "２０２６-１２-０３", "2026-12-03/../x",
                                   "", "1999-12-31", "2029-01-01"])
def test_bad_dates_are_refused_and_nothing_is_stored(table, archive, datum):
    with pytest.raises(ValidationError):
        upload(table, archive, datum=datum, process=False)
    assert table.items == {} and archive.staged == {}


def test_a_pdf_needs_its_public_flag_and_must_be_a_pdf(table, archive):
    with pytest.raises(ValidationError) as exc:
        upload(table, archive, body=minimal_pdf(), headers=PDFH, process=False)
    assert exc.value.errors == {"openbaar": "agendas.fout.openbaar_verplicht"}
    with pytest.raises(BadRequest):
        upload(table, archive, body=b"<html>not a pdf</html>", headers=PDFH, query={"openbaar": "ja"},
               process=False)
    assert table.items == {} and archive.staged == {}


def test_a_board_only_pdf_has_no_public_content_and_no_kalender_marker(table, archive):
    upload(table, archive)
    assert table.get("AGENDA#2026-12-03", "PUBLIC")
    upload(table, archive, body=minimal_pdf(), headers=PDFH, query={"openbaar": "nee"})
    doc = archief.document(table, "2026-12-03", "agenda")
    assert not doc["zichtbaar"] and "html" not in doc
    assert not archief.document(table, "2026-12-03", "agenda", "1")["zichtbaar"]
    assert table.get("AGENDA#2026-12-03", "PUBLIC") is None
    with pytest.raises(NotFound):
        archief.bestand(table, archive, "2026-12-03", "agenda", None)


def test_an_invalid_presigned_upload_is_rejected_by_the_consumer_and_never_archived(table, archive):
    form = _form({"stuk": ["agenda"], "openbaar": ["true"]})
    receipt = archief.upload_aanvragen(table, archive, datum_raw="2026-12-03", form=form, principal=BESTUUR, now=NOW)
    archive.stage(receipt["upload_id"], b"GIF89a not a pdf", "application/pdf")
    assert archief.verwerk_upload(receipt["upload_id"], table, archive, NOW) == "geweigerd"
    assert "PDF" in archief.upload_status(table, "2026-12-03", receipt["upload_id"])["reden"]
    assert archive.objects == {} and table.get(manifest.PK, manifest.HEAD_SK) is None


def _form(values):
    from functions.http import FormData
    return FormData(values)


def test_the_check_names_a_changed_object_changed_entries_and_an_unrecorded_version(table, archive):
    for stuk in ("agenda", "notulen", "besluitenlijst"):
        upload(table, archive, stuk=stuk)
    assert verificatie.controleer(table, archive) == {**verificatie.controleer(table, archive), "ok": True}
    # an object's bytes changed under its version id
    key = "agendas/2026/2026-12-03/agenda.md"
    archive.objects[key][0]["body"] = b"# anders"
    # entry 1 rewritten with a fresh hash: entry 2 no longer points at it
    first = table.items[(manifest.PK, manifest.entry_sk(1))]
    first.update(uploader="iemand anders")
    first["hash"] = manifest.entry_hash(first)
    # entry 3 changed without updating its hash
    table.items[(manifest.PK, manifest.entry_sk(3))]["titel"] = "Andere titel"
    # a version written past the API
    archive.store(key, b"x", "text/markdown",
                  "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", {})
    report = verificatie.controleer(table, archive)
    found = {(b["soort"], b.get("seq")) for b in report["breuken"]}
    assert not report["ok"]
    assert ("object_gewijzigd", 1) in found
    assert ("keten_gebroken", 2) in found
    assert ("entry_gewijzigd", 3) in found
    assert any(b["soort"] == "niet_in_manifest" and b["sleutel"] == key for b in report["breuken"])


def test_the_check_names_a_removed_last_entry_and_a_changed_public_view(table, archive):
    upload(table, archive)
    upload(table, archive, stuk="notulen")
    del table.items[(manifest.PK, manifest.entry_sk(2))]
    version = table.items[("AGENDA#2026-12-03", "STUK#agenda#00000001")]
    version["html_z"] = archief._pack("<p>Iets anders dan het archief</p>")
    kinds = {b["soort"] for b in verificatie.controleer(table, archive)["breuken"]}
    assert {"kop", "niet_in_manifest", "versie_wijkt_af", "weergave_wijkt_af"} <= kinds


def test_gearchiveerd_tussen_lists_public_versions_in_the_window_without_content(table, archive):
    upload(table, archive)
    upload(table, archive, stuk="besluitenlijst")
    upload(table, archive, datum="2026-11-19", body=minimal_pdf(), headers=PDFH, query={"openbaar": "nee"})
    rows = archief.gearchiveerd_tussen(table, NOW - timedelta(days=1), NOW + timedelta(days=1),
                                       base_url="https://example.org/api")
    assert [(r["datum"], r["stuk"]) for r in rows] == [("2026-12-03", "agenda"), ("2026-12-03", "besluitenlijst")]
    assert rows[0]["url"] == "https://example.org/api/agendas/2026-12-03"
    assert "VERTROUWELIJK" not in json.dumps(rows)
    assert archief.gearchiveerd_tussen(table, NOW + timedelta(days=1), NOW + timedelta(days=2)) == []
