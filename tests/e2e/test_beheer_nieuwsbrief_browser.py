"""The newsletter's beheer pages in a real browser (Debian's headless Chromium) against the
local stack (its queue pump, the Mailchimp stand-in).

Werkgroep Communicatie signs in on the overview, opens a month, makes a mistake in an
article and corrects it, compiles, sees the preview (a sandboxed iframe from a Blob URL, the
article's markup inert), approves the version it saw, withdraws the approval, is refused
approving a version it did not see, edits and deletes the article and signs out; in Dutch on
a desktop and in English on a phone, with axe-core finding no serious or critical violation
in any state and no CSP violation. A wrong role is refused as a page and asks nothing; a
signed-out page shows nothing and loads no preview. ``BEHEER_SCREENSHOTS=<dir>`` keeps a
screenshot of every state. Run by ``make e2e``.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from functions import afdeling
from functions.nieuwsbrief.planning import volgende_maand
from tests.e2e.test_beheer_browser import (DESKTOP, ROOT, SHOTS, Watch, check, expect,
                                          issue_token, session_token, sign_in)
from tests.e2e.test_meldpunt_browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.slow]

JSON = {"Content-Type": "application/json", "Accept": "application/json"}
XSS = 'Kom allemaal! <img src=x onerror="alert(1)"><script>alert(2)</script> **Zondag 14:00**'


def texts(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for area in ("", "meldpunt-cijfers", "beheer", "nieuwsbrief"):
        folder = ROOT / "templates" / "i18n" / area
        out.update(json.loads((folder / f"{lang}.json").read_text(encoding="utf-8")))
    return out


def months_from_now(n: int) -> list[str]:
    """This month (in the afdeling's time zone) and the ``n`` after it, as the overview lists."""
    day = datetime.now(timezone.utc).astimezone(ZoneInfo(afdeling.current().tijdzone)).date()
    day = day.replace(day=1)
    out = []
    for _ in range(n + 1):
        out.append(f"{day.year:04d}-{day.month:02d}")
        day = date.fromisoformat(volgende_maand(day) + "-01")
    return out


def month_name(lang: str, maand: str) -> str:
    return f"{texts(lang)[f'meldpunt_cijfers.maand.{int(maand[5:])}']} {maand[:4]}"


def campaign(stack, maand: str) -> dict | None:
    found = [c for c in stack.get("/api/campaigns", base="console").json()
             if c["settings"].get("title") == f"nieuwsbrief-{maand}"]
    return found[0] if found else None


@pytest.fixture(scope="module")
def people(stack):
    return {"communicatie": issue_token(stack, "communicatie", "Latifa e2e"),
            "politieke-agenda": issue_token(stack, "politieke-agenda", "Nadine e2e")}


def csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text else None)
    return found


def refresh_until(page, t, condition, message: str, tries: int = 40) -> None:
    """Click Vernieuwen until ``condition()`` (the compile and the send run in the queue)."""
    for _ in range(tries):
        if condition():
            return
        page.get_by_role("button", name=t["beheer.nieuwsbrief.vernieuwen"]).click()
        page.wait_for_timeout(500)
    assert condition(), message


def preview(page):
    return page.frame_locator("iframe#voorbeeld")


def shot_preview(page, name: str) -> None:
    """The preview on its own, as the eindredactie sees it in the frame."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.locator("iframe#voorbeeld").screenshot(path=str(Path(SHOTS) / f"{name}.png"))


@pytest.mark.parametrize("lang, screen, ahead", [("nl", DESKTOP, 2), ("en", PHONE, 3)],
                         ids=["nl-desktop", "en-phone"])
def test_eindredactie_writes_compiles_previews_approves_and_withdraws(
        stack, browser, poll, people, lang, screen, ahead):
    t = texts(lang)
    listed = months_from_now(2)
    maand = months_from_now(ahead)[-1]  # far enough ahead that approving schedules, not sends
    name = f"nieuwsbrief-{lang}-{'desktop' if screen is DESKTOP else 'phone'}"
    token = people["communicatie"]
    context = browser.new_context(viewport=screen, locale={"nl": "nl-NL", "en": "en-GB"}[lang])
    page = context.new_page()
    watch = Watch(page)
    violations = csp_violations(page)
    q = f"?lang={lang}"
    try:
        # GIVEN the overview without a session: a sign-in, and nothing else
        page.goto(stack.api + "/beheer/nieuwsbrief" + q)
        assert page.get_by_role("heading", level=1).inner_text() == t["beheer.inloggen.titel"]
        assert not page.locator("#beheer-inhoud").is_visible()
        check(page, f"{name}-1-inloggen")

        # WHEN Communicatie signs in, THEN this month and the next two are listed with a status
        sign_in(page, token)
        rows = page.locator("table.lijst tbody tr")
        expect(rows).to_have_count(3)
        for row in rows.all():
            expect(row.locator("[data-veld=status]")).not_to_have_text("")
        hrefs = [a.get_attribute("href") for a in page.locator("table.lijst tbody th a").all()]
        assert [h.split("?")[0].rsplit("/", 1)[1] for h in hrefs] == listed
        assert token not in page.content()
        check(page, f"{name}-2-overzicht")

        # WHEN the month is opened: nothing compiled yet, the preview of "what it would be"
        page.goto(stack.api + f"/beheer/nieuwsbrief/{maand}" + q)
        status = page.locator("#uitgave strong[data-veld=status]")
        expect(status).to_have_text(t["beheer.nieuwsbrief.status.geen"])
        frame = page.locator("iframe#voorbeeld")
        expect(frame).to_have_attribute("src", re.compile(r"^blob:"))
        assert frame.get_attribute("sandbox") == "" and frame.get_attribute("srcdoc") is None
        expect(preview(page).locator("body")).to_contain_text(month_name("nl", maand))  # the mail is Dutch
        expect(page.get_by_text(t["beheer.nieuwsbrief.geen_artikelen"])).to_be_visible()
        assert not page.locator("#goedkeuren").is_visible() and not page.locator("#intrekken").is_visible()
        check(page, f"{name}-3-uitgave-leeg")

        # WHEN an article is sent without a title, THEN the API's answer shows at the field
        page.get_by_label(t["beheer.nieuwsbrief.veld.tekst"]).fill(XSS)
        page.get_by_role("button", name=t["beheer.nieuwsbrief.toevoegen_knop"]).click()
        titel = page.get_by_label(t["beheer.nieuwsbrief.veld.titel"])
        expect(titel).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#toevoegen [data-fouten]")).to_contain_text(t["nieuwsbrief.fout.titel"])
        check(page, f"{name}-4-artikel-fout")

        # WHEN it is corrected, THEN it is listed and the page says what to do next
        titel.fill("Demonstratie op het Malieveld")
        page.get_by_label(t["beheer.nieuwsbrief.veld.volgorde"]).fill("1")
        page.get_by_role("button", name=t["beheer.nieuwsbrief.toevoegen_knop"]).click()
        page.get_by_text(t["beheer.nieuwsbrief.toevoegen_gelukt"].replace(
            "{titel}", "Demonstratie op het Malieveld")).wait_for()
        articles = page.locator("tbody[data-lijst=artikelen] tr")
        expect(articles).to_have_count(1)
        assert "Demonstratie op het Malieveld" in articles.first.inner_text()
        assert articles.first.locator("[data-veld=volgorde]").inner_text() == "1"
        assert titel.input_value() == "" and titel.get_attribute("aria-invalid") is None
        check(page, f"{name}-5-artikel")

        # WHEN it is compiled, THEN version 1 comes (the queue) with its test mail, and the
        # page shows it by itself (no click on Vernieuwen)
        page.get_by_role("button", name=t["beheer.nieuwsbrief.samenstellen_knop"]).click()
        page.get_by_text(t["beheer.nieuwsbrief.samenstellen_gelukt"]).wait_for()
        version = page.locator("#uitgave dd[data-veld=versie]")
        expect(version).to_have_text("1", timeout=30_000)
        expect(page.locator("#goedkeuren")).to_be_visible(timeout=30_000)
        expect(status).to_have_text(t["beheer.nieuwsbrief.status.concept"])
        assert page.locator("[data-veld=testmail_verstuurd]").inner_text() == t["beheer.js.ja"]
        assert campaign(stack, maand)["test_emails"] == [["eindredactie@denhaag.bij1.org"]]
        # AND the preview is that stored version: the article in it, its markup inert
        expect(preview(page).get_by_text("Demonstratie op het Malieveld")).to_be_visible()
        expect(preview(page).locator("strong", has_text="Zondag 14:00")).to_have_count(1)
        assert preview(page).locator("img[src=x], script").count() == 0
        assert any(f"/nieuwsbrief/{maand}/voorbeeld?versie=1" in u for u in watch.urls)
        assert preview(page).locator("body").inner_text().count("Demonstratie op het Malieveld") >= 1
        history = page.locator("tbody[data-lijst=geschiedenis] tr")
        expect(history).to_have_count(1)
        assert t["beheer.nieuwsbrief.actie.samengesteld"] in history.first.inner_text()
        assert "Latifa e2e" in history.first.inner_text()
        check(page, f"{name}-6-samengesteld")
        shot_preview(page, f"{name}-6-voorbeeld")

        # WHEN version 1 is approved, THEN it is scheduled once and the articles are fixed
        approve = page.get_by_role("button", name=f"{t['beheer.nieuwsbrief.goedkeuren_knop']} 1")
        with page.expect_response(lambda r: r.url.endswith("/goedkeuren")) as answer:
            approve.click()
        assert answer.value.status == 202
        assert json.loads(answer.value.request.post_data) == {"versie": 1}
        page.get_by_text(t["beheer.nieuwsbrief.goedkeuren_gelukt"].replace("{versie}", "1")).wait_for()
        refresh_until(page, t, lambda: status.inner_text() == t["beheer.nieuwsbrief.status.gepland"],
                      "scheduled in Mailchimp")
        assert campaign(stack, maand)["status"] == "schedule"
        expect(page.locator(".artikelen-vast")).to_be_visible()
        assert not page.locator("#toevoegen").is_visible()
        assert not articles.first.get_by_text(t["beheer.nieuwsbrief.bewerken"]).is_visible()
        assert page.locator("#intrekken").is_visible() and not page.locator("#samenstellen").is_visible()
        expect(history).to_have_count(2)
        check(page, f"{name}-7-goedgekeurd")

        # WHEN the approval is withdrawn, THEN it is a draft again and Mailchimp will send nothing
        page.get_by_role("button", name=t["beheer.nieuwsbrief.intrekken_knop"]).click()
        page.get_by_text(t["beheer.nieuwsbrief.intrekken_gelukt"]).wait_for()
        expect(status).to_have_text(t["beheer.nieuwsbrief.status.concept"])
        assert campaign(stack, maand)["status"] == "save"
        expect(history).to_have_count(3)
        assert t["beheer.nieuwsbrief.actie.ingetrokken"] in history.nth(2).inner_text()
        # (version 1 was fetched once: a stored version does not change, however often the
        # status reloads)
        assert sum(f"/nieuwsbrief/{maand}/voorbeeld?versie=1" in u for u in watch.urls) == 1
        expect(page.locator("#toevoegen")).to_be_visible()
        check(page, f"{name}-8-ingetrokken")

        # WHEN a colleague compiles again meanwhile (version 2) and version 1 is approved here,
        # THEN it is refused, saying why, and the page shows version 2 to look at
        session = session_token(page)
        stack.post(f"/nieuwsbrief/{maand}/samenstellen", json={},
                   headers={"Authorization": f"Bearer {token}", **JSON})
        poll(lambda: (lambda s: s["versie"] == 2 and s["testmail_verstuurd"])(stack.get(
            f"/nieuwsbrief/{maand}/status", headers={"Authorization": f"Bearer {session}"}).json()),
            message="version 2 with its test mail")
        with page.expect_response(lambda r: r.url.endswith("/goedkeuren")) as answer:
            approve.click()
        assert answer.value.status == 409
        refused = page.locator("#goedkeuren [data-fouten]")
        expect(refused).to_contain_text(t["nieuwsbrief.fout.andere_versie"])
        expect(version).to_have_text("2")
        expect(page.get_by_role("button", name=f"{t['beheer.nieuwsbrief.goedkeuren_knop']} 2")).to_be_visible()
        assert campaign(stack, maand)["status"] == "save"
        check(page, f"{name}-9-andere-versie")

        # WHEN the article is edited on its own page, THEN the form holds it, and saves a change
        articles.first.get_by_role("link", name=t["beheer.nieuwsbrief.bewerken"]).click()
        page.wait_for_url(f"**/beheer/nieuwsbrief/{maand}/artikelen/*")
        titel = page.get_by_label(t["beheer.nieuwsbrief.veld.titel"])
        expect(titel).to_have_value("Demonstratie op het Malieveld")
        assert page.get_by_label(t["beheer.nieuwsbrief.veld.tekst"]).input_value() == XSS
        check(page, f"{name}-10-bewerken")
        titel.fill("Demonstratie op het Malieveld, zondag")
        with page.expect_response(lambda r: r.request.method == "PUT") as answer:
            page.get_by_role("button", name=t["beheer.nieuwsbrief.artikel.knop"]).click()
        assert answer.value.status == 200
        assert json.loads(answer.value.request.post_data)["volgorde"] == 1  # a number, not "1"
        page.get_by_text(t["beheer.nieuwsbrief.artikel.gelukt"]).wait_for()
        expect(titel).to_have_value("Demonstratie op het Malieveld, zondag")

        # WHEN it is deleted from the list (after a second look), THEN it is gone and said so
        page.get_by_role("link", name=t["beheer.nieuwsbrief.artikel.terug"].replace(
            "{maand}", month_name(lang, maand))).click()
        expect(articles).to_have_count(1)
        articles.first.locator("summary").click()
        check(page, f"{name}-11-verwijderen")
        articles.first.get_by_role("button", name=t["beheer.nieuwsbrief.verwijderen_knop"]).click()
        expect(page.locator("#artikel-weg")).to_contain_text("Demonstratie op het Malieveld, zondag")
        expect(page.locator("#artikel-weg")).to_be_focused()  # not lost with the row's button
        expect(articles).to_have_count(0)
        expect(page.get_by_text(t["beheer.nieuwsbrief.geen_artikelen"])).to_be_visible()
        check(page, f"{name}-12-verwijderd")

        # WHEN signing out, THEN nothing of the issue stays on the page, the preview included
        page.get_by_role("button", name=t["beheer.uitloggen"]).click()
        page.get_by_text(t["beheer.js.uitgelogd"]).wait_for()
        assert page.locator("iframe#voorbeeld").get_attribute("src") is None
        assert "Demonstratie" not in page.content() and "Latifa" not in page.content()
        check(page, f"{name}-13-uitgelogd")

        # THEN neither token was in a URL, the stack's output or a cacheable answer; no CSP
        # violation (the blob: frame is allowed on this page only), no script error
        for url in watch.urls:
            assert token not in url and session not in url, url
        assert token not in stack.output() and session not in stack.output()
        answers = [a for a in watch.answers if a.url.startswith(stack.api) and a.status < 400
                   and "/beheer/beheer.js" not in a.url and "/favicon" not in a.url]
        assert any("/voorbeeld" in a.url for a in answers)
        for answer in answers:
            assert answer.headers.get("cache-control") == "no-store", answer.url
        assert violations == [] and watch.errors == [] and watch.dialogs == []
    finally:
        context.close()


def test_a_wrong_role_is_refused_as_a_page_and_asks_nothing(stack, browser, people):
    t = texts("nl")
    maand = months_from_now(1)[-1]
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    page = context.new_page()
    watch = Watch(page)
    try:
        page.goto(stack.api + f"/beheer/nieuwsbrief/{maand}")
        sign_in(page, people["politieke-agenda"])
        page.locator("#beheer-geen-toegang").wait_for(state="visible")
        assert page.get_by_role("heading", level=1).inner_text() == t["beheer.geen_toegang.titel"]
        assert "werkgroep Communicatie" in page.locator("#beheer-geen-toegang").inner_text()
        assert not page.locator("#beheer-inhoud").is_visible()
        assert page.locator("iframe#voorbeeld").get_attribute("src") is None
        assert not any("/nieuwsbrief/" in u and "/beheer/" not in u for u in watch.urls)
        check(page, "nieuwsbrief-nl-phone-geen-toegang")
        # the API says the same to this session
        session = session_token(page)
        for path in ("status", "artikelen", "voorbeeld"):
            assert stack.get(f"/nieuwsbrief/{maand}/{path}",
                             headers={"Authorization": f"Bearer {session}"}).status_code == 403
        # AND the overview does not offer this role the newsletter
        page.goto(stack.api + "/beheer")
        page.get_by_role("link", name=t["beheer.meldpunt.titel"]).wait_for()
        assert page.get_by_role("link", name=t["beheer.nieuwsbrief.titel"], exact=True).count() == 0
    finally:
        context.close()


def test_a_signed_out_page_shows_nothing_and_loads_no_preview(stack, browser):
    t = texts("en")
    maand = months_from_now(1)[-1]
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    watch = Watch(page)
    try:
        page.goto(stack.api + f"/beheer/nieuwsbrief/{maand}?lang=en")
        page.locator("#beheer-inloggen").wait_for(state="visible")
        assert page.get_by_role("heading", level=1).inner_text() == t["beheer.inloggen.titel"]
        assert not page.locator("#beheer-inhoud").is_visible()
        assert page.locator("iframe#voorbeeld").get_attribute("src") is None
        assert not any("/nieuwsbrief/" in u and "/beheer/" not in u for u in watch.urls)
        check(page, "nieuwsbrief-en-desktop-afgemeld")
    finally:
        context.close()
