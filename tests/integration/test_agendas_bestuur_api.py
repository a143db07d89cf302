"""The board's overviews behind the beheer pages, through the real app on moto: every meeting
(archive and kalender) with what is missing, one meeting in full beside what members see with
every version and its uploader, and the dry run that stores nothing (docs/agendas.md)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from functions.agendas import bestuur as bestuur_views
from tests.agendas_support import AGENDA_MD, minimal_pdf
from tests.integration.agendas_fixtures import bestuur, communicatie, deliver, put  # noqa: F401
from tests.integration.test_agendas_archive import stored_nothing

JSON = {"accept": "application/json"}
NEAR_MISS = "# Agenda\n\n## Besloten deel personeel\n\nDit wordt gepubliceerd.\n"


def board_meetings(aws) -> list[str]:
    from functions import wiring

    _, found = bestuur_views.geplande_vergaderingen(wiring.table(), datetime.now(timezone.utc))
    return [d for d, cancelled in found if not cancelled]


def test_the_overview_lists_archived_and_planned_meetings_and_names_what_is_missing(client, aws, bestuur):
    # GIVEN an agenda archived for a past date that is no board meeting in the kalender
    past = (date.today() - timedelta(days=400)).isoformat()
    assert put(client, f"/agendas/{past}", AGENDA_MD.encode(), bestuur).status_code == 202
    deliver(client, aws)
    # WHEN the board asks for the overview
    response = client.http.get("/agendas/overzicht", headers={**bestuur, **JSON})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = response.json_body
    rows = {r["datum"]: r for r in data["vergaderingen"]}
    # THEN the archived meeting shows its agenda (one public version) and misses its minutes
    row = rows[past]
    assert row["stukken"]["agenda"] == {"versies": 1, "openbaar": True, "pdf": False,
                                        "titel": "Agenda bestuursvergadering 3 december 2026",
                                        "vastgelegd_op": row["stukken"]["agenda"]["vastgelegd_op"]}
    assert row["stukken"]["notulen"] is None and row["ontbrekend"] == ["notulen", "besluitenlijst"]
    assert row["ontbreekt"] == {"agenda": False, "notulen": True, "besluitenlijst": True}
    assert row["nog_niet"] == {"agenda": False, "notulen": False, "besluitenlijst": False}
    assert not row["in_kalender"] and not row["komend"]
    # ... and every board meeting of the kalender is there, the next ones missing their agenda
    planned = board_meetings(aws)
    assert planned and set(planned) <= set(rows)
    today = date.fromisoformat(data["vandaag"])
    soon = [d for d in planned if today <= date.fromisoformat(d) <= today + timedelta(days=14)]
    later = [d for d in planned if date.fromisoformat(d) > today + timedelta(days=14)]
    assert soon and later  # board meetings every other week, 60 days ahead
    assert all(rows[d]["ontbrekend"] == ["agenda"] and rows[d]["komend"] for d in soon)
    assert all(rows[d]["ontbrekend"] == [] and rows[d]["komend"] for d in later)
    assert {"datum": soon[0], "lange_datum": rows[soon[0]]["lange_datum"], "stukken": ["agenda"]} in data["ontbrekend"]
    assert {"datum": past, "lange_datum": row["lange_datum"], "stukken": ["notulen", "besluitenlijst"]} \
        in data["ontbrekend"]
    # newest first
    assert [r["datum"] for r in data["vergaderingen"]] == sorted(rows, reverse=True)


def test_a_past_meeting_misses_all_three_a_near_one_its_agenda_a_later_or_cancelled_one_nothing():
    today = date(2026, 12, 2)
    data = bestuur_views.vergaderingen(_EmptyTable(), today, [
        ("2026-11-19", False), ("2026-12-02", False), ("2026-12-16", False), ("2026-12-17", False),
        ("2026-12-03", True)])
    rows = {r["datum"]: r for r in data["vergaderingen"]}
    assert rows["2026-11-19"]["ontbrekend"] == ["agenda", "notulen", "besluitenlijst"]
    assert rows["2026-12-02"]["ontbrekend"] == ["agenda"]  # today: its minutes come later
    assert rows["2026-12-16"]["ontbrekend"] == ["agenda"]  # two weeks ahead
    assert rows["2026-12-17"]["ontbrekend"] == []          # further: nothing is late yet
    assert rows["2026-12-17"]["nog_niet"] == {"agenda": True, "notulen": True, "besluitenlijst": True}
    assert rows["2026-12-02"]["nog_niet"] == {"agenda": False, "notulen": True, "besluitenlijst": True}
    assert rows["2026-12-03"]["ontbrekend"] == [] and rows["2026-12-03"]["geannuleerd"]
    assert [(m["datum"], m["stukken"]) for m in data["ontbrekend"]] == [
        ("2026-12-16", ["agenda"]), ("2026-12-02", ["agenda"]), ("2026-11-19", ["agenda", "notulen", "besluitenlijst"])]


class _EmptyTable:
    def query(self, *args, **kwargs):
        return [], None


def test_one_meeting_shows_the_full_text_beside_what_members_see_and_every_version(client, aws, bestuur):
    # GIVEN two versions of an agenda with a besloten part, and a board-only PDF of the minutes
    assert put(client, "/agendas/2026-12-03", AGENDA_MD.encode(), bestuur).status_code == 202
    assert put(client, "/agendas/2026-12-03", (AGENDA_MD + "\n## 4. Rondvraag\n").encode(), bestuur).status_code == 202
    assert put(client, "/agendas/2026-12-03/notulen?openbaar=nee", minimal_pdf(), bestuur,
               content_type="application/pdf").status_code == 202
    deliver(client, aws)
    # WHEN the board opens the meeting
    response = client.http.get("/agendas/2026-12-03/overzicht", headers={**bestuur, **JSON})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = response.json_body
    agenda = data["stukken"]["agenda"]
    # THEN the full text has the besloten part, what members see has not
    assert "VERTROUWELIJK-123" in agenda["markdown"] and "4. Rondvraag" in agenda["markdown"]
    assert "VERTROUWELIJK" not in agenda["leden_markdown"] and "3. Werkgroepen" in agenda["leden_markdown"]
    assert agenda["besloten"] == [{"tekst": "2. Vrijwilliger in de knel (besloten)"}]
    assert agenda["versie"] == 2 and agenda["zichtbaar"] and agenda["uploader"] == "Tim Kies"
    assert "html" not in agenda
    # ... the board-only PDF shows no content for members and no link yet (asked on a click)
    notulen = data["stukken"]["notulen"]
    assert notulen["pdf"] and not notulen["zichtbaar"] and notulen["leden_markdown"] is None
    assert "download_url" not in notulen and data["stukken"]["besluitenlijst"] is None
    # ... and every version, newest first, with who uploaded it and both hashes
    versies = data["versies"]
    assert [(v["stuk"], v["versie"]) for v in versies] == [("notulen", 1), ("agenda", 2), ("agenda", 1)]
    assert all(v["uploader"] == "Tim Kies" and len(v["sha256"]) == 64 and len(v["hash"]) == 64 for v in versies)


def test_a_meeting_without_documents_is_empty_and_a_date_that_cannot_be_one_is_a_400(client, aws, bestuur):
    data = client.http.get("/agendas/2026-12-17/overzicht", headers={**bestuur, **JSON}).json_body
    assert data["stukken"] == {"agenda": None, "notulen": None, "besluitenlijst": None}
    assert data["versies"] == [] and data["lange_datum"] == "17 december 2026"
    bad = client.http.get("/agendas/2026-02-30/overzicht", headers={**bestuur, **JSON})
    assert bad.status_code == 400 and "datum" in bad.json_body["errors"]


def test_the_dry_run_shows_what_members_would_see_and_the_warnings_and_stores_nothing(client, aws, bestuur):
    response = client.http.post("/agendas/proef", body=(AGENDA_MD + NEAR_MISS).encode(), headers={
        **bestuur, **JSON, "content-type": "text/markdown; charset=utf-8"})
    assert response.status_code == 200, response.body
    data = response.json_body
    assert data["besloten"] == ["2. Vrijwilliger in de knel (besloten)"]
    assert data["waarschuwingen"] == ["Besloten deel personeel"]
    assert "VERTROUWELIJK" not in data["leden_markdown"] and "Dit wordt gepubliceerd" in data["leden_markdown"]
    assert data["titel"] == "Agenda bestuursvergadering 3 december 2026"
    assert stored_nothing(aws)


def test_the_dry_run_refuses_what_an_upload_would_refuse(client, aws, bestuur):
    pdf = client.http.post("/agendas/proef", body=minimal_pdf(), headers={
        **bestuur, **JSON, "content-type": "application/pdf"})
    assert pdf.status_code == 415
    big = client.http.post("/agendas/proef", body=b"# x\n" + b"a" * (128 * 1024), headers={
        **bestuur, **JSON, "content-type": "text/markdown"})
    assert big.status_code == 413
    control = client.http.post("/agendas/proef", body=b"# x\n\x00", headers={
        **bestuur, **JSON, "content-type": "text/markdown"})
    assert control.status_code == 400
    assert stored_nothing(aws)


def test_the_overviews_and_the_dry_run_are_for_the_board_only(client, aws, communicatie):
    for method, path in (("GET", "/agendas/overzicht"), ("GET", "/agendas/2026-12-03/overzicht"),
                         ("POST", "/agendas/proef")):
        assert client.http.request(method, path, headers=JSON).status_code == 401
        response = client.http.request(method, path, body=b"# x\n", headers={
            **communicatie, **JSON, "content-type": "text/markdown"})
        assert response.status_code == 403, path


def test_a_beheer_page_for_a_date_that_cannot_be_one_is_a_404_page(client, aws):
    response = client.http.get("/beheer/agendas/2026-02-30", headers={"accept": "text/html"})
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")
    page = client.http.get("/beheer/agendas/2026-12-03?lang=en", headers={"accept": "text/html"}).body.decode()
    assert "Board meeting of 3 December 2026" in page


def test_the_roster_says_whose_term_has_ended_or_ends_soon(client, aws, bestuur):
    leden = {m["id"]: m for m in client.http.get("/bestuur/rooster", headers=bestuur).json_body["leden"]}
    assert {m["signaal"] for m in leden.values()} == {"afgelopen"}  # the seed: every term ended in 2024
    soon = (date.today() + timedelta(days=60)).isoformat()
    body = {"naam": "Tim Kies", "functie": "penningmeester", "start": "2024-09-01", "einde": soon}
    assert client.http.request("PUT", "/bestuur/rooster/tim-kies", body=json.dumps(body),
                               headers={**bestuur, "content-type": "application/json"}).status_code == 200
    later = (date.today() + timedelta(days=400)).isoformat()
    body = {**body, "naam": "Sam", "einde": later}
    assert client.http.request("PUT", "/bestuur/rooster/sam", body=json.dumps(body),
                               headers={**bestuur, "content-type": "application/json"}).status_code == 200
    leden = {m["id"]: m for m in client.http.get("/bestuur/rooster", headers=bestuur).json_body["leden"]}
    assert leden["tim-kies"]["signaal"] == "binnenkort" and leden["sam"]["signaal"] is None


def test_the_roster_page_changes_and_removes_through_the_boards_routes(client, aws):
    import app as app_module
    from functions import auth

    html = client.http.get("/beheer/bestuur/rooster", headers={"accept": "text/html"}).body.decode()
    assert 'data-verstuur="/bestuur/rooster/{lid}" data-methode="PUT"' in html
    assert 'data-methode="DELETE"' in html
    for method in ("PUT", "DELETE"):
        entry = app_module.app.routes["/bestuur/rooster/{lid}"][method]
        assert auth.AUTHORIZER_ROLES[entry.authorizer.name] == {"bestuur"}
