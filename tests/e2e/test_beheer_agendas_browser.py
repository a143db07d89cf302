"""The board's agenda pages in a real browser (Debian's headless Chromium) on the local stack.

The board signs in, finds the meeting's agenda missing, opens the date, fills in the draft,
writes an agenda with a besloten part and a heading that only mentions "besloten", checks
it first (nothing stored), uploads it, and sees the new version, its full text beside what
members see (without the besloten part; the members' page agrees), and the version with its
uploader and hashes; then uploads a board-only PDF of the minutes and opens it. A werkgroep
(communicatie) is refused before anything is asked, and a signed-out page shows nothing.
axe-core finds no serious or critical violation in any state, in Dutch on a desktop and in
English on a phone. ``BEHEER_SCREENSHOTS=<dir>`` keeps a screenshot of every state.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.agendas_support import AGENDA_MD, minimal_pdf
from tests.e2e.test_beheer_browser import DESKTOP, Watch, check, expect, issue_token, session_token, sign_in
from tests.e2e.test_meldpunt_browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NEAR_MISS = "\n## 4. Besloten deel van de ledenvergadering\n\nDit staat wel online.\n"
XSS = '\n<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>\n'
TITEL = '<b onmouseover="window.__xss=1">Agenda</b>'  # a title is text too
DATES = {"en": "2026-12-31"}  # in Dutch: the kalender's nearest board meeting


def texts(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for area in ("", "agendas", "beheer"):
        out.update(json.loads((ROOT / "templates" / "i18n" / area / f"{lang}.json").read_text(encoding="utf-8")))
    return out


@pytest.fixture(scope="module")
def people(stack):
    return {"bestuur": issue_token(stack, "bestuur", "Tim e2e"),
            "communicatie": issue_token(stack, "communicatie", "Latifa e2e")}


@pytest.mark.parametrize("lang, screen", [("nl", DESKTOP), ("en", PHONE)], ids=["nl-desktop", "en-phone"])
def test_the_board_uploads_an_agenda_with_a_besloten_part_and_a_pdf(stack, browser, people, lang, screen):
    t = texts(lang)
    datum = DATES.get(lang)
    name = f"agendas-{lang}-{'desktop' if screen is DESKTOP else 'phone'}"
    context = browser.new_context(viewport=screen, locale={"nl": "nl-NL", "en": "en-GB"}[lang])
    page = context.new_page()
    watch = Watch(page)
    token = people["bestuur"]
    try:
        # GIVEN the board signed in on the archive's page
        page.goto(f"{stack.api}/beheer/agendas?lang={lang}")
        assert page.get_by_role("heading", level=1).inner_text() == t["beheer.inloggen.titel"]
        sign_in(page, token)
        page.locator("table.lijst").first.wait_for(state="visible")
        assert page.get_by_role("heading", level=1).inner_text() == t["beheer.agendas.titel"]
        # THEN the kalender's coming board meetings are listed, their agendas missing,
        # and the archive check has run
        missing = page.locator("ul.ontbrekend li")
        expect(missing.first).to_be_visible()
        page.locator("#controle p.controle-ok").wait_for(state="visible")
        check(page, f"{name}-1-lijst")

        if lang == "nl":
            # WHEN the nearest meeting's missing agenda is followed (the list is newest first,
            # and only a meeting within two weeks misses its agenda)
            first = missing.first.locator("a")
            datum = first.get_attribute("href").split("?")[0].rsplit("/", 1)[1]
            assert missing.first.inner_text().endswith(": " + t["agendas.stuk.agenda"])
            with page.expect_navigation():
                first.click()
        else:
            # WHEN another date is opened through the date field
            page.get_by_label(t["beheer.agendas.ga_datum"]).fill(datum)
            with page.expect_navigation():
                page.get_by_role("button", name=t["beheer.agendas.ga_knop"]).click()
        assert page.url.split("?")[0].endswith(f"/beheer/agendas/{datum}")
        expect(page.locator("#vergadering p[data-tenzij='versies']")).to_be_visible()
        assert session_token(page)  # the same session on the next page
        check(page, f"{name}-2-leeg")

        # WHEN the empty text is sent, THEN the field says so and nothing is asked
        page.get_by_role("button", name=t["beheer.vergadering.upload_knop"]).first.click()
        expect(page.locator("#md-tekst")).to_have_attribute("aria-invalid", "true")
        assert t["beheer.vergadering.md_leeg"] in page.locator("#md-formulier .fouten").inner_text()
        assert not [u for u in watch.urls if f"/agendas/{datum}" in u and "/beheer/" not in u
                    and "/overzicht" not in u]
        check(page, f"{name}-2b-leeg-veld")

        # WHEN the draft is filled in, THEN the text box holds the generated agenda
        page.get_by_role("button", name=t["beheer.vergadering.concept_knop"]).click()
        expect(page.get_by_text(t["beheer.vergadering.concept_gelukt"])).to_be_visible()
        assert "Rondvraag" in page.locator("#md-tekst").input_value()

        # WHEN an agenda with a besloten part is written and checked first
        page.locator("#md-tekst").fill(AGENDA_MD + NEAR_MISS + XSS)
        page.locator("#md-titel").fill(TITEL)
        page.get_by_role("button", name=t["beheer.vergadering.proef_knop"]).click()
        proef = page.locator("#proef")
        proef.wait_for(state="visible")
        # THEN the page says what stays closed, what IS published, and shows the members' text
        assert "2. Vrijwilliger in de knel (besloten)" in proef.locator(".besloten").inner_text()
        assert "4. Besloten deel van de ledenvergadering" in proef.locator(".waarschuwing").inner_text()
        members = proef.locator("pre").inner_text()
        assert "VERTROUWELIJK" not in members and "3. Werkgroepen" in members and "Dit staat wel online" in members
        # ... and nothing was stored
        assert requests.get(f"{stack.api}/agendas/{datum}/versies", timeout=10).status_code == 404
        check(page, f"{name}-3-proef")

        # WHEN it is uploaded
        page.get_by_role("button", name=t["beheer.vergadering.upload_knop"]).first.click()
        expect(proef).to_be_hidden()  # the dry run was about the text before it was sent
        done = t["beheer.vergadering.gelukt"].replace("{versie}", "1")
        page.get_by_text(done).wait_for(timeout=30000)
        # THEN the upload's answer repeats the besloten part and the warning
        result = page.locator("#md-resultaat")
        assert "2. Vrijwilliger in de knel (besloten)" in result.locator(".besloten").inner_text()
        assert result.locator(".waarschuwing").is_visible()
        assert t["beheer.vergadering.upload.opgenomen"] in result.inner_text()
        # ... the agenda shows its version, the full text with the besloten part beside the
        # members' text without it, and the version with who uploaded it
        agenda = page.locator("section[aria-labelledby='stuk-agenda-kop']")
        expect(agenda.locator("dd[data-veld='stukken.agenda.versie']")).to_have_text("1")
        full = agenda.locator("pre[data-veld='stukken.agenda.markdown']").inner_text()
        members = agenda.locator("pre[data-veld='stukken.agenda.leden_markdown']").inner_text()
        assert "VERTROUWELIJK-123" in full and "VERTROUWELIJK" not in members and "3. Werkgroepen" in members
        # ... markup in the text and the title stays text
        assert agenda.locator("dd[data-veld='stukken.agenda.titel']").inner_text() == TITEL
        assert "<script>window.__xss=1</script>" in members
        assert page.locator("#beheer-inhoud img, #beheer-inhoud script, #beheer-inhoud b").count() == 0
        assert page.evaluate("window.__xss === undefined")
        versions = page.locator("tbody[data-lijst='versies'] tr")
        expect(versions).to_have_count(1)
        assert "Tim e2e" in versions.first.inner_text()
        # ... and the members' own page agrees
        public = requests.get(f"{stack.api}/agendas/{datum}", headers={"Accept": "application/json"}, timeout=10).json()
        assert "VERTROUWELIJK" not in json.dumps(public) and public["besloten_delen"] == 1
        check(page, f"{name}-4-geupload")

        # WHEN a board-only PDF of the minutes is uploaded
        page.locator("#pdf-stuk").select_option("notulen")
        page.locator("#pdf-openbaar").select_option("nee")
        page.locator("#pdf-bestand").set_input_files(files=[{
            "name": "notulen.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf("Notulen")}])
        page.locator("#pdf-formulier button[type=submit]").click()
        page.locator("#pdf-formulier").locator("xpath=..").get_by_text(done).wait_for(timeout=30000)
        # THEN the minutes are a PDF for the board only, and a second version row appears
        notulen = page.locator("section[aria-labelledby='stuk-notulen-kop']")
        expect(notulen.get_by_role("button", name=t["beheer.vergadering.pdf_openen"].replace(
            "{stuk}", t["agendas.stuk.notulen"]))).to_be_visible()
        expect(versions).to_have_count(2)
        check(page, f"{name}-5-pdf")
        # ... and it opens from a five-minute link in a new tab
        with context.expect_page() as opened:
            notulen.get_by_role("button", name=t["beheer.vergadering.pdf_openen"].replace(
                "{stuk}", t["agendas.stuk.notulen"])).click()
        assert "notulen" in opened.value.url and opened.value.url.startswith("http")
        opened.value.close()

        # WHEN back on the list, THEN the date's agenda is there and no longer missing
        page.get_by_role("link", name=t["beheer.vergadering.terug"]).click()
        row = page.locator("tbody[data-lijst='vergaderingen'] tr", has=page.locator(f"a[href*='/beheer/agendas/{datum}']"))
        expect(row.locator("[data-veld='stukken.agenda.versies']")).to_have_text("1")
        assert page.locator(f"ul.ontbrekend a[href*='/beheer/agendas/{datum}']").count() == 0

        # WHEN signing out, THEN nothing of the agenda stays on the page
        page.get_by_role("button", name=t["beheer.uitloggen"]).click()
        page.get_by_text(t["beheer.js.uitgelogd"]).wait_for()
        assert "VERTROUWELIJK" not in page.content() and session_token(page) is None
        check(page, f"{name}-6-uitgelogd")

        # Throughout: the token and the session in no URL, the stack's log, no script error
        assert not [u for u in watch.urls if token in u or "bij1s_" in u]
        assert token not in stack.output()
        assert watch.errors == []
    finally:
        context.close()


def test_a_werkgroep_is_refused_before_anything_is_asked(stack, browser, people):
    t = texts("nl")
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    page = context.new_page()
    watch = Watch(page)
    try:
        page.goto(f"{stack.api}/beheer/agendas/2026-12-17?lang=nl")
        sign_in(page, people["communicatie"])
        page.locator("#beheer-geen-toegang").wait_for(state="visible")
        assert page.get_by_role("heading", level=1).inner_text() == t["beheer.geen_toegang.titel"]
        assert not page.locator("#beheer-inhoud").is_visible()
        assert not [u for u in watch.urls if "/agendas/" in u and "/beheer/" not in u]
        # and the API refuses the session all the same
        session = session_token(page)
        refused = requests.get(f"{stack.api}/agendas/2026-12-17/overzicht", timeout=10,
                               headers={"Authorization": f"Bearer {session}", "Accept": "application/json"})
        assert refused.status_code == 403
        check(page, "agendas-werkgroep-geweigerd")
    finally:
        context.close()


def test_signed_out_the_pages_show_nothing_but_the_sign_in(stack, browser):
    t = texts("en")
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    watch = Watch(page)
    try:
        for path in ("/beheer/agendas", "/beheer/agendas/2026-12-17"):
            page.goto(f"{stack.api}{path}?lang=en")
            assert page.get_by_role("heading", level=1).inner_text() == t["beheer.inloggen.titel"]
            assert not page.locator("#beheer-inhoud").is_visible()
            assert page.locator("tbody[data-lijst] tr").count() == 0
            check(page, "agendas-uitgelogd-" + path.rsplit("/", 1)[1])
        assert not [u for u in watch.urls if "/agendas/" in u and "/beheer/" not in u]
    finally:
        context.close()


def test_the_board_changes_adds_and_removes_a_roster_member(stack, browser, people):
    t = texts("nl")
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    page = context.new_page()
    watch = Watch(page)
    try:
        # GIVEN the board signed in on the overview, which offers the agendas and the roster
        page.goto(f"{stack.api}/beheer?lang=nl")
        sign_in(page, people["bestuur"])
        expect(page.get_by_role("link", name=t["beheer.agendas.titel"])).to_be_visible()
        check(page, "rooster-0-overzicht")
        page.get_by_role("link", name=t["beheer.rooster.titel"]).click()
        rows = page.locator("tbody[data-lijst='leden'] tr")
        rows.first.wait_for()
        seeded = rows.count()
        assert seeded >= 2 and t["beheer.rooster.uit_afdelingsbestand"] in rows.first.inner_text()
        check(page, "rooster-1-lijst")

        # WHEN a member is taken into the form and her portfolio changed
        first = rows.first
        first_id = first.locator("code[data-veld='id']").inner_text()
        first_name = first.locator("strong[data-veld='naam']").inner_text()
        first.get_by_role("button", name=t["beheer.rooster.wijzig"]).click()
        assert page.locator("#lid").input_value() == first_id
        assert page.locator("#naam").input_value() == first_name
        page.locator("#portefeuille").fill("Financiën en ledenadministratie")
        page.get_by_role("button", name=t["beheer.rooster.opslaan"]).click()
        page.get_by_text(t["beheer.rooster.opgeslagen"].replace("{naam}", first_name)).wait_for()
        # THEN the list shows the change with who made it
        changed = rows.filter(has=page.locator(f"code:text-is('{first_id}')"))
        expect(changed).to_contain_text("Financiën en ledenadministratie")
        expect(changed).to_contain_text("Tim e2e")
        check(page, "rooster-2-gewijzigd")

        # WHEN a new member is added with a term that ends before it starts, THEN the field says so
        page.locator("#lid").fill("sam-e2e")
        page.locator("#naam").fill("Sam de Vries")
        page.locator("#functie").fill("algemeen bestuurslid")
        page.locator("#portefeuille").fill("")
        page.locator("#werkgroep").select_option("organizing")
        page.locator("#start").fill("2026-12-01")
        page.locator("#einde").fill("2026-01-01")
        page.get_by_role("button", name=t["beheer.rooster.opslaan"]).click()
        expect(page.locator("#einde")).to_have_attribute("aria-invalid", "true")
        check(page, "rooster-3-fout")
        page.locator("#einde").fill("2028-12-01")
        page.get_by_role("button", name=t["beheer.rooster.opslaan"]).click()
        page.get_by_text(t["beheer.rooster.opgeslagen"].replace("{naam}", "Sam de Vries")).wait_for()
        expect(rows).to_have_count(seeded + 1)

        # WHEN that member is removed, THEN the row goes and the form keeps the values
        new = rows.filter(has=page.locator("code:text-is('sam-e2e')"))
        new.get_by_role("button", name=t["beheer.rooster.wijzig"]).click()
        page.get_by_role("button", name=t["beheer.rooster.verwijder"]).click()
        page.get_by_text(t["beheer.rooster.verwijderd"].replace("{lid}", "sam-e2e")).wait_for()
        expect(rows).to_have_count(seeded)
        assert page.locator("#naam").input_value() == "Sam de Vries"
        check(page, "rooster-4-verwijderd")
        # ... and the API agrees
        leden = requests.get(f"{stack.api}/bestuur/rooster", timeout=10, headers={
            "Authorization": f"Bearer {people['bestuur']}", "Accept": "application/json"}).json()["leden"]
        assert "sam-e2e" not in [m["id"] for m in leden]
        assert [m for m in leden if m["id"] == first_id][0]["portefeuille"] == "Financiën en ledenadministratie"
        assert watch.errors == []
    finally:
        context.close()
