"""The meldpunt form in a real browser (Debian's headless Chromium) against the local stack.

In Dutch and in English: fill the form on a phone-sized screen, send it once with
mistakes (the error summary gets focus, every answer is kept), correct it, send it
again and get a receipt code; axe-core finds no serious or critical violation on the
form, the error state or the thank-you page. A last test sends the form with
JavaScript switched off. Run by ``make e2e``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core 4.14.1 (MPL-2.0), from npm
PHONE = {"width": 390, "height": 844}
CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def texts(lang: str) -> dict[str, str]:
    base = json.loads((ROOT / "templates" / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    area = json.loads((ROOT / "templates" / "i18n" / "meldpunt" / f"{lang}.json").read_text(encoding="utf-8"))
    return {**base, **area}


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations of the page as it is now (WCAG 2.x A/AA)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluate, not a <script>: the CSP stays on
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def send(page):
    with page.expect_response(lambda r: r.request.method == "POST" and "/meldpunt" in r.url) as info:
        page.get_by_role("button", name=page.locator("#verstuur").inner_text()).click()
    page.wait_for_load_state()
    return info.value


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_fill_in_make_a_mistake_correct_it_and_get_a_receipt_code(stack, browser, poll, lang):
    t = texts(lang)
    context = browser.new_context(viewport=PHONE, locale="nl-NL", java_script_enabled=True)
    page = context.new_page()
    try:
        # GIVEN the form, reached in Dutch (the default) and, for English, via the language switch
        page.goto(stack.api + "/meldpunt")
        assert page.locator("html").get_attribute("lang") == "nl"
        if lang == "en":
            page.get_by_role("link", name="English").click()
            page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == lang
        assert page.get_by_role("heading", level=1).inner_text() == t["meldpunt.titel"]
        assert fits_the_screen(page)
        assert axe_violations(page) == []

        # WHEN it is sent without a role and without consent
        page.get_by_label(t["meldpunt.categorie.nafluiten"]).check()
        page.get_by_label(t["meldpunt.categorie.achtervolgen"]).check()
        page.get_by_label(t["meldpunt.grond.seksisme"]).check()
        page.get_by_label(t["meldpunt.wijk"]).select_option("WK051830")
        page.get_by_label(t["meldpunt.datum"]).fill("2026-11-20")
        page.get_by_label(t["meldpunt.dagdeel.nacht"]).check()
        page.get_by_label(t["meldpunt.beschrijving"]).fill("Een man riep mij na bij de tramhalte.")
        response = send(page)

        # THEN 400, focus on the error summary, a link per mistake, every answer still there
        assert response.status == 400
        summary = page.locator("#error-summary")
        assert summary.is_visible()
        assert page.evaluate("document.activeElement && document.activeElement.id") == "error-summary"
        assert page.title().startswith(t["meldpunt.fout.titel"])
        links = summary.get_by_role("link")
        assert links.count() == 2
        assert set(links.all_inner_texts()) == {t["meldpunt.fout.rol"], t["meldpunt.fout.toestemming"]}
        for href in (links.nth(0).get_attribute("href"), links.nth(1).get_attribute("href")):
            assert page.locator(href).count() == 1
        assert page.get_by_label(t["meldpunt.categorie.nafluiten"]).is_checked()
        assert page.get_by_label(t["meldpunt.categorie.achtervolgen"]).is_checked()
        assert not page.get_by_label(t["meldpunt.categorie.aanraken"]).is_checked()
        assert page.get_by_label(t["meldpunt.grond.seksisme"]).is_checked()
        assert page.get_by_label(t["meldpunt.wijk"]).input_value() == "WK051830"
        assert page.get_by_label(t["meldpunt.datum"]).input_value() == "2026-11-20"
        assert page.get_by_label(t["meldpunt.dagdeel.nacht"]).is_checked()
        assert page.get_by_label(t["meldpunt.beschrijving"]).input_value() == "Een man riep mij na bij de tramhalte."
        toestemming = page.get_by_label(t["meldpunt.toestemming"])
        assert toestemming.get_attribute("aria-invalid") == "true"
        assert "toestemming-error" in toestemming.get_attribute("aria-describedby")
        assert fits_the_screen(page)
        assert axe_violations(page) == []

        # WHEN the mistakes are corrected and it is sent again
        page.get_by_label(t["meldpunt.rol.getuige"]).check()
        toestemming.check()
        response = send(page)

        # THEN the thank-you page with a receipt code
        assert response.status == 200
        assert page.get_by_role("heading", level=1).inner_text() == t["meldpunt.bedankt_titel"]
        code = page.locator("#ontvangstcode").inner_text().strip()
        assert CODE_RE.match(code)
        assert fits_the_screen(page)
        assert axe_violations(page) == []
        # AND the queue pump hands it to the consumer: the code finds a stored report
        poll(lambda: stack.get(f"/meldpunt/status?code={code}", headers={"Accept": "application/json"})
             .json().get("status") == "nieuw", message="the report to be stored")
    finally:
        context.close()


def test_the_status_and_withdrawal_pages_pass_axe(stack, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        for path in ("/meldpunt/status?code=0000-0000-0000-0000", "/meldpunt/intrekken?lang=en"):
            page.goto(stack.api + path)
            assert axe_violations(page) == [], path
    finally:
        context.close()


def test_the_status_form_posts_the_code_and_the_header_links_are_thumb_sized(stack, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(stack.api + "/meldpunt/status?lang=en")
        for link in (page.locator("header .brand"), page.locator("nav.lang a").first):
            assert link.bounding_box()["height"] >= 44
        page.get_by_label(texts("en")["meldpunt.code"]).fill("0000-0000-0000-0000")
        page.get_by_role("button", name=texts("en")["meldpunt.status_bekijk"]).click()
        page.wait_for_selector("#resultaat")
        assert "0000" not in page.url and "code=" not in page.url
        assert "0000-0000-0000-0000" not in page.content()
        assert axe_violations(page) == []
    finally:
        context.close()


def test_the_form_works_without_javascript(stack, browser):
    t = texts("en")
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(stack.api + "/meldpunt", wait_until="load")
        assert page.locator("html").get_attribute("lang") == "en"  # from Accept-Language
        page.get_by_label(t["meldpunt.categorie.intimideren"]).check()
        page.get_by_label(t["meldpunt.rol.slachtoffer"]).check()
        page.get_by_label(t["meldpunt.wijk"]).select_option("onbekend")
        page.get_by_label(t["meldpunt.datum"]).fill("2026-11-01")
        page.get_by_label(t["meldpunt.dagdeel.ochtend"]).check()
        page.get_by_label(t["meldpunt.beschrijving"]).fill("Threatened on my way to work.")
        page.get_by_label(t["meldpunt.toestemming"]).check()
        response = send(page)
        assert response.status == 200
        assert CODE_RE.match(page.locator("#ontvangstcode").inner_text().strip())
    finally:
        context.close()
