"""The beheer pages in a real browser (Debian's headless Chromium) against the local stack.

Werkgroep Politieke agenda follows the digest's link, signs in with a freshly issued token,
filters, pages, opens a report, changes its status with a note, sees the history, views the
contact details, downloads the CSV and signs out; in Dutch on a desktop and in English on a
phone, with axe-core finding no serious or critical violation in any state. A wrong role is
refused as a page, the board sees no contact button, a signed-out page shows nothing, an idle
session ends by itself, and the pages say they need JavaScript when it is off. Throughout,
the token and the session token appear in no URL, no log line of the stack and no cacheable
answer. ``BEHEER_SCREENSHOTS=<dir>`` keeps a screenshot of every state. Run by ``make e2e``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import wait_for
from functions.meldpunt.digest import REVIEW_PAGE
from tests.e2e.test_meldpunt_browser import AXE, PHONE, axe_violations, fits_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 900}
JSON = {"Content-Type": "application/json", "Accept": "application/json"}
XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script> Hij riep mij na\nen liep mee tot de tram.'
EMAIL = "melder.e2e@example.org"
SHOTS = os.environ.get("BEHEER_SCREENSHOTS")
assert AXE.exists()


def expect(locator):
    """Playwright's retrying assertions (imported here: ``make test`` runs without Playwright)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def texts(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for area in ("", "meldpunt", "meldpunt-cijfers", "beheer"):
        folder = ROOT / "templates" / "i18n" / area
        out.update(json.loads((folder / f"{lang}.json").read_text(encoding="utf-8")))
    return out


def issue_token(stack, role: str, name: str) -> str:
    """A token issued as the board would (``make token``), so it is in no banner line."""
    done = subprocess.run([sys.executable, "-m", "infra.tokens", "issue", "--role", role,
                           "--name", name], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LOCAL_STATE_DIR": str(stack.state_dir)})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def wijken(stack) -> list[str]:
    return [w["code"] for w in stack.get("/meldpunt/opties").json()["wijken"] if w["code"] != "onbekend"]


def report(stack, wijk: str, text: str, **extra) -> None:
    token = stack.get("/meldpunt/token").json()["token"]
    body = {"categorieen": ["nafluiten", "achtervolgen"], "gronden": ["racisme"], "rol": "getuige",
            "wijk": wijk, "datum": "2026-11-20", "dagdeel": "avond", "beschrijving": text,
            "toestemming": True, "token": token, **extra}
    response = stack.post("/meldpunt", json=body, headers=JSON)
    assert response.status_code == 201, response.text


def stored(stack, wijk: str, n: int, poll) -> list[dict]:
    bearer = {"Authorization": f"Bearer {stack.tokens['bestuur']}"}
    return poll(lambda: (lambda found: found if len(found) == n else None)(
        stack.get(f"/meldpunt/meldingen?wijk={wijk}", headers=bearer).json()["meldingen"]),
        message=f"{n} reports stored in {wijk}")


@pytest.fixture(scope="module")
def people(stack):
    return {"politieke-agenda": issue_token(stack, "politieke-agenda", "Nadine e2e"),
            "bestuur": issue_token(stack, "bestuur", "Tim e2e"),
            "communicatie": issue_token(stack, "communicatie", "Latifa e2e")}


class Watch:
    """Every URL the browser asked for and every answer it got, to look for leaks."""

    def __init__(self, page):
        self.urls: list[str] = []
        self.answers: list = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("response", lambda r: self.answers.append(r))
        self.dialogs: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page, token: str) -> None:
    page.locator("#beheer-token").fill(token)
    page.locator("#beheer-inlogformulier button[type=submit]").click()


def check(page, name: str) -> None:
    """Fits the screen, passes axe-core, and is kept as a screenshot."""
    shot(page, name)
    assert fits_the_screen(page), name
    assert axe_violations(page) == [], name


def session_token(page) -> str | None:
    raw = page.evaluate("sessionStorage.getItem('bij1.beheer.sessie')")
    return json.loads(raw)["token"] if raw else None


@pytest.mark.parametrize("lang, screen, which", [("nl", DESKTOP, 1), ("en", PHONE, 2)],
                         ids=["nl-desktop", "en-phone"])
def test_review_from_the_digest_link_to_signing_out(stack, browser, poll, people, lang, screen, which):
    t = texts(lang)
    wijk = wijken(stack)[which]
    report(stack, wijk, XSS, contact_gewenst=True, contact_email=EMAIL)
    report(stack, wijk, "Een tweede melding.")
    ids = [m["id"] for m in stored(stack, wijk, 2, poll)]
    context = browser.new_context(viewport=screen, locale={"nl": "nl-NL", "en": "en-GB"}[lang])
    page = context.new_page()
    watch = Watch(page)
    name = f"{lang}-{'desktop' if screen is DESKTOP else 'phone'}"
    token = people["politieke-agenda"]
    try:
        # GIVEN the digest's link, opened without a session: a sign-in, and nothing else
        page.goto(stack.api + REVIEW_PAGE)  # in English by the browser's Accept-Language
        assert page.get_by_role("heading", level=1).inner_text() == t["beheer.inloggen.titel"]
        assert not page.locator("#beheer-inhoud").is_visible()
        assert page.locator("table.lijst tbody tr").count() == 0
        check(page, f"{name}-1-inloggen")

        # WHEN a wrong token is tried, THEN the field says so
        sign_in(page, "bij1_dit-is-geen-token")
        error = page.locator("#beheer-token-error")
        error.wait_for(state="visible")
        assert error.inner_text() == t["beheer.js.token_onbekend"]
        assert page.locator("#beheer-token").get_attribute("aria-invalid") == "true"
        check(page, f"{name}-2-fout-token")

        # WHEN the real one is, THEN the new reports are listed, and the token is kept nowhere
        sign_in(page, token)
        page.locator("table.lijst").wait_for(state="visible")
        assert page.get_by_role("heading", level=1).inner_text() == t["beheer.meldpunt.titel"]
        assert page.locator("#beheer-token").input_value() == ""
        session = session_token(page)
        assert session and session.startswith("bij1s_")
        assert token not in page.evaluate("JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
        assert page.evaluate("document.cookie") == ""
        assert token not in page.content()
        # AND the browser enforces Trusted Types: no string can become markup on this page
        assert page.evaluate("""() => { try { document.createElement('p').innerHTML = '<b>x</b>';
                                              return 'allowed'; } catch (e) { return e.name; } }""") == "TypeError"
        check(page, f"{name}-3-lijst")

        # WHEN the list is filtered on the wijk (a plain GET form: the filters go in the URL)
        page.get_by_label(t["beheer.meldpunt.kol.wijk"], exact=True).select_option(wijk)
        page.get_by_role("button", name=t["beheer.meldpunt.toon"]).click()
        page.wait_for_url(f"**wijk={wijk}**")
        page.locator("table.lijst tbody tr").first.wait_for()
        assert "status=nieuw" in page.url
        rows = page.locator("table.lijst tbody tr")
        assert rows.count() == 2
        # AND paged one at a time: the cursor goes in the URL, the session stays
        page.goto(page.url + "&limit=1")
        opened = []
        for turn in range(4):
            page.locator("table.lijst tbody tr a, p[data-tenzij=meldingen]").locator("visible=true").first.wait_for()
            opened += [a.get_attribute("href") for a in page.locator("table.lijst tbody tr a").all()]
            if turn == 1:
                assert "cursor=" in page.url
                assert page.get_by_role("link", name=t["beheer.meldpunt.eerste"]).is_visible()
                check(page, f"{name}-4-lijst-pagina-2")
            more = page.get_by_role("link", name=t["beheer.meldpunt.volgende"])
            if not more.is_visible():
                break
            with page.expect_navigation():
                more.click()
        # (the API gives a next cursor while more reports may follow, so a last page can be empty)
        assert sorted(h.split("?")[0].rsplit("/", 1)[1] for h in opened) == sorted(ids)

        # WHEN the report with contact details is opened (the oldest one: the last page)
        page.goto(stack.api + f"/beheer/meldpunt?wijk={wijk}&lang={lang}")
        row = page.locator("table.lijst tbody tr", has_text=t["beheer.js.ja"])
        row.first.wait_for()
        row.get_by_role("link").click()
        description = page.locator("p.beschrijving")
        description.wait_for(state="visible")
        # THEN its description is shown as text: the markup in it stays inert
        assert description.inner_text() == XSS
        assert description.locator("img, script").count() == 0
        history = page.locator("tbody[data-lijst=geschiedenis] tr")
        assert history.count() == 1 and t["beheer.meldpunt.actie.created"] in history.first.inner_text()
        check(page, f"{name}-5-melding")

        # WHEN the status is changed with a note
        page.get_by_label(t["beheer.melding.nieuwe_status"]).select_option("in_behandeling")
        page.get_by_label(t["beheer.melding.notitie"]).fill("Opgepakt, <b>bellen</b> op dinsdag")
        with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/status")) as change:
            page.get_by_role("button", name=t["beheer.melding.status_knop"]).click()
        assert change.value.status == 200
        # THEN the page says so, shows the new status and the change in the history
        done = t["beheer.melding.status_gelukt"].replace("{status|status}", t["beheer.meldpunt.status.in_behandeling"])
        page.get_by_text(done).wait_for()
        status = page.locator("dd strong[data-veld='melding.status']")
        assert status.inner_text() == t["beheer.meldpunt.status.in_behandeling"]
        expect(history).to_have_count(2)
        assert "Opgepakt, <b>bellen</b> op dinsdag" in history.nth(1).inner_text()
        assert "Nadine e2e" in history.nth(1).inner_text()
        check(page, f"{name}-6-status-gewijzigd")

        # WHEN a final status is chosen, THEN the browser asks once more; "cancel" sends nothing
        posts: list[str] = []   # (the watch dismisses every dialog, as "Annuleren" would)
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.get_by_label(t["beheer.melding.nieuwe_status"]).select_option("geannuleerd")
        page.get_by_role("button", name=t["beheer.melding.status_knop"]).click()
        wait_for(lambda: watch.dialogs, message="the question before a final status")
        assert watch.dialogs == [t["beheer.melding.eindstatus_vraag"]]
        page.wait_for_timeout(300)
        assert not [u for u in posts if u.endswith("/status")]
        assert status.inner_text() == t["beheer.meldpunt.status.in_behandeling"]

        # WHEN the contact details are asked for, THEN they are shown and the viewing is logged
        page.get_by_role("button", name=t["beheer.melding.contact_knop"]).click()
        page.locator("#contactgegevens").wait_for(state="visible")
        assert EMAIL in page.locator("#contactgegevens").inner_text()
        expect(history).to_have_count(3)  # (wait_for_function would need the eval the CSP forbids)
        assert t["beheer.meldpunt.actie.contact_bekeken"] in history.nth(2).inner_text()
        check(page, f"{name}-7-contact")

        # WHEN the CSV is downloaded from the filtered list
        page.get_by_role("link", name=t["beheer.melding.terug"]).click()
        page.goto(stack.api + f"/beheer/meldpunt?wijk={wijk}&lang={lang}")
        page.locator("table.lijst tbody tr").first.wait_for()
        with page.expect_download() as download:
            page.get_by_role("button", name=t["beheer.meldpunt.csv_knop"]).click()
        csv_text = Path(download.value.path()).read_text(encoding="utf-8")
        assert download.value.suggested_filename == "meldingen.csv"
        assert csv_text.splitlines()[0].startswith("id,status,created_at")
        assert all(i in csv_text for i in ids) and len(csv_text.splitlines()) == 3
        assert EMAIL not in csv_text and "tram" not in csv_text
        page.get_by_text(t["beheer.js.gedownload"]).wait_for()

        # WHEN signing out, THEN the page shows nothing of the reports, and the session is dead
        page.get_by_role("button", name=t["beheer.uitloggen"]).click()
        page.get_by_text(t["beheer.js.uitgelogd"]).wait_for()
        assert page.get_by_role("heading", level=1).inner_text() == t["beheer.inloggen.titel"]
        body = page.locator("body").inner_text() + page.content()
        assert all(i not in body for i in ids) and EMAIL not in body and "tram" not in body
        assert page.evaluate("sessionStorage.length") == 0
        check(page, f"{name}-8-uitgelogd")
        poll(lambda: stack.get("/meldpunt/meldingen", headers={"Authorization": f"Bearer {session}"})
             .status_code == 403, message="the signed-out session to be refused")
        # AND going back shows a sign-in, not the list
        page.go_back()
        page.locator("#beheer-inloggen").wait_for(state="visible")
        assert page.locator("table.lijst tbody tr").count() == 0

        # THEN neither token was in any URL, in the stack's output or in a cacheable answer
        for url in watch.urls + [page.url]:
            assert token not in url and session not in url, url
        output = stack.output()
        assert token not in output and session not in output
        # (every answer with data, the session's included; the gateway's 401/403 hold none)
        answers = [a for a in watch.answers if a.url.startswith(stack.api) and a.status < 400
                   and "/beheer/beheer.js" not in a.url and "/favicon" not in a.url]
        assert len(answers) > 10
        for answer in answers:
            assert answer.headers.get("cache-control") == "no-store", answer.url
        # the one dialog: the question before a final status (no payload ever opened one)
        assert watch.dialogs == [t["beheer.melding.eindstatus_vraag"]] and watch.errors == []
    finally:
        context.close()


def test_a_wrong_role_is_refused_as_a_page_and_asks_nothing(stack, browser, people):
    t = texts("nl")
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    page = context.new_page()
    watch = Watch(page)
    try:
        page.goto(stack.api + "/beheer/meldpunt")
        sign_in(page, people["communicatie"])
        page.locator("#beheer-geen-toegang").wait_for(state="visible")
        assert page.get_by_role("heading", level=1).inner_text() == t["beheer.geen_toegang.titel"]
        assert "werkgroep Communicatie" in page.locator("#beheer-geen-toegang").inner_text()
        assert not page.locator("#beheer-inhoud").is_visible()
        assert not any("/meldpunt/meldingen" in u for u in watch.urls)
        check(page, "nl-phone-geen-toegang")
        # the API says the same to this session
        session = session_token(page)
        assert stack.get("/meldpunt/meldingen", headers={"Authorization": f"Bearer {session}"}).status_code == 403
        # AND the overview offers this role nothing of the meldpunt (only its newsletter)
        page.goto(stack.api + "/beheer")
        page.locator('.paginas a[href^="/beheer/nieuwsbrief"]').wait_for()
        assert page.get_by_role("link", name=t["beheer.meldpunt.titel"]).count() == 0
        assert not page.get_by_text(t["beheer.overzicht.niets"]).is_visible()
        check(page, "nl-phone-overzicht-communicatie")
    finally:
        context.close()


def test_a_filter_the_api_refuses_is_shown_at_its_field(stack, browser, people):
    t = texts("nl")
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(stack.api + "/beheer/meldpunt?van=2026-11-01&tot=2026-10-01")
        sign_in(page, people["politieke-agenda"])
        summary = page.locator("#lijst-fouten")
        summary.get_by_role("link").wait_for()
        assert summary.get_by_role("link").inner_text() == \
            f"{t['beheer.meldpunt.tot']}: {t['meldpunt_review.fout.volgorde']}"
        assert page.get_by_label(t["beheer.meldpunt.tot"]).get_attribute("aria-invalid") == "true"
        assert page.locator("table.lijst").is_hidden()
        check(page, "nl-phone-filter-fout")
    finally:
        context.close()


def test_the_board_reviews_but_never_sees_a_contact_button(stack, browser, poll, people):
    t = texts("en")
    wijk = wijken(stack)[3]
    report(stack, wijk, "Met contact.", contact_gewenst=True, contact_email=EMAIL)
    melding = stored(stack, wijk, 1, poll)[0]["id"]
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(stack.api + "/beheer?lang=en")
        sign_in(page, people["bestuur"])
        page.get_by_role("link", name=t["beheer.meldpunt.titel"]).wait_for()
        check(page, "en-desktop-overzicht-bestuur")
        page.goto(stack.api + f"/beheer/meldpunt/{melding}?lang=en")
        page.locator("p.beschrijving").wait_for(state="visible")
        assert page.locator("#contactformulier").count() == 0
        assert EMAIL not in page.content()
        check(page, "en-desktop-melding-bestuur")
        # a report that does not exist (any more) says so, and shows no empty form
        page.goto(stack.api + "/beheer/meldpunt/bestaat-niet?lang=en")
        page.locator("#melding-fouten").get_by_text(t["beheer.js.fout_404"]).wait_for()
        assert not page.locator("#statusformulier").is_visible()
    finally:
        context.close()


def test_an_idle_session_ends_by_itself_and_leaves_nothing_on_the_page(stack, browser, poll, people):
    t = texts("nl")
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    page = context.new_page()
    page.clock.install()
    try:
        page.goto(stack.api + "/beheer/meldpunt")
        sign_in(page, people["politieke-agenda"])
        page.locator("table.lijst, [data-tenzij=meldingen]").locator("visible=true").first.wait_for()
        session = session_token(page)
        # WHEN nobody clicks or types for longer than the idle limit (30 minutes)
        page.clock.fast_forward("31:00")
        # THEN the page forgets the session, shows a sign-in and none of the reports
        page.get_by_text(t["beheer.js.verlopen"]).wait_for()
        assert page.locator("table.lijst tbody tr").count() == 0
        assert page.evaluate("sessionStorage.length") == 0
        # AND the session is ended on the server too
        poll(lambda: requests.get(stack.api + "/beheer/sessie", timeout=10,
                                  headers={"Authorization": f"Bearer {session}"}).status_code == 403,
             message="the idle session to be ended on the server")
        page.clock.resume()  # axe-core needs running timers
        check(page, "nl-desktop-verlopen")
        # AND signing in again on the same page brings the list back, with a new session
        sign_in(page, people["politieke-agenda"])
        page.locator("table.lijst, [data-tenzij=meldingen]").locator("visible=true").first.wait_for()
        assert session_token(page) not in (None, session)
    finally:
        context.close()


def test_without_javascript_the_pages_say_so_and_offer_no_form(stack, browser):
    t = texts("en")
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(stack.api + "/beheer/meldpunt", wait_until="load")
        notice = page.locator("noscript p")  # (Playwright's text search skips <noscript>)
        assert notice.is_visible() and notice.inner_text() == t["beheer.noscript"]
        assert not page.locator("#beheer-token").is_visible()
        shot(page, "en-phone-zonder-javascript")  # (axe-core itself needs JavaScript)
    finally:
        context.close()
