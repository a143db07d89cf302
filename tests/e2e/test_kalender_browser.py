"""/kalender and the op-afspraak form in a real browser (headless Chromium) on the local stack:
Dutch and English, a phone and a desktop screen, axe-core without serious or critical
violations, and the form sent with a mistake (every value kept) and then right, without
JavaScript. Run by ``make e2e``."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_meldpunt_browser import PHONE, axe_violations, fits_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 900}


def texts(lang: str) -> dict[str, str]:
    base = json.loads((ROOT / "templates" / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    area = json.loads((ROOT / "templates" / "i18n" / "kalender" / f"{lang}.json").read_text(encoding="utf-8"))
    return {**base, **area}


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_kalender_page_passes_axe_and_fits_the_screen(stack, browser, lang, viewport):
    t = texts(lang)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{stack.api}/kalender?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.get_by_role("heading", level=1).inner_text() == t["kalender.titel"]
        assert page.get_by_role("link", name=t["kalender.in_agenda"]).count() > 0
        assert fits_the_screen(page)
        assert axe_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_op_afspraak_form_keeps_every_value_after_a_mistake_and_then_is_received(stack, browser, lang):
    t = texts(lang)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{stack.api}/kalender/op-afspraak?lang={lang}")
        assert page.get_by_role("heading", level=1).inner_text() == t["kalender.afspraak.titel"]
        assert fits_the_screen(page)
        assert axe_violations(page) == []

        # WHEN sent with an e-mail address that is not one
        page.get_by_label(t["kalender.afspraak.naam"]).fill("Browser Lid")
        page.get_by_label(t["kalender.afspraak.email"]).fill("browser-lid@")
        meeting = page.locator("#activiteit option").nth(1).get_attribute("value")
        page.get_by_label(t["kalender.afspraak.vergadering"]).select_option(meeting)
        page.get_by_label(t["kalender.afspraak.onderwerp"]).fill("De wijkcampagne")
        with page.expect_response(lambda r: r.request.method == "POST") as info:
            page.get_by_role("button", name=t["kalender.afspraak.verstuur"]).click()
        page.wait_for_load_state()

        # THEN 400 with a summary, a message at the field and every value kept
        assert info.value.status == 400
        assert page.locator("#error-summary").is_visible()
        assert page.get_by_label(t["kalender.afspraak.naam"]).input_value() == "Browser Lid"
        assert page.get_by_label(t["kalender.afspraak.email"]).input_value() == "browser-lid@"
        assert page.get_by_label(t["kalender.afspraak.vergadering"]).input_value() == meeting
        assert page.get_by_label(t["kalender.afspraak.onderwerp"]).input_value() == "De wijkcampagne"
        assert page.get_by_label(t["kalender.afspraak.email"]).get_attribute("aria-invalid") == "true"
        assert fits_the_screen(page)
        assert axe_violations(page) == []

        # WHEN corrected, THEN the thank-you page
        page.get_by_label(t["kalender.afspraak.email"]).fill(f"browser-lid-{lang}@example.org")
        with page.expect_response(lambda r: r.request.method == "POST") as info:
            page.get_by_role("button", name=t["kalender.afspraak.verstuur"]).click()
        page.wait_for_load_state()
        assert info.value.status == 200
        assert page.get_by_role("heading", level=1).inner_text() == t["kalender.afspraak.bedankt_titel"]
        assert axe_violations(page) == []
    finally:
        context.close()


def test_the_op_afspraak_form_works_without_javascript(stack, browser):
    t = texts("en")
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{stack.api}/kalender/op-afspraak", wait_until="load")
        assert page.locator("html").get_attribute("lang") == "en"   # from Accept-Language
        page.get_by_label(t["kalender.afspraak.naam"]).fill("No Script")
        page.get_by_label(t["kalender.afspraak.email"]).fill("no-script@example.org")
        page.get_by_label(t["kalender.afspraak.vergadering"]).select_option(
            page.locator("#activiteit option").nth(1).get_attribute("value"))
        page.get_by_label(t["kalender.afspraak.onderwerp"]).fill("Transparency")
        with page.expect_response(lambda r: r.request.method == "POST") as info:
            page.get_by_role("button", name=t["kalender.afspraak.verstuur"]).click()
        page.wait_for_load_state()
        assert info.value.status == 200
        assert page.get_by_role("heading", level=1).inner_text() == t["kalender.afspraak.bedankt_titel"]
    finally:
        context.close()


def test_the_rsvp_page_passes_axe(stack, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{stack.api}/kalender?lang=nl")
        link = page.locator("a[href*='/rsvp']").first
        if link.count() == 0:   # a recess: take any occurrence's page instead
            link = page.locator("a[href*='/kalender/activiteiten/']:not([href$='.ics'])").first
        link.click()
        page.wait_for_load_state()
        assert axe_violations(page) == []
        button = page.locator("form[action*='/rsvp'] button")
        if button.count():      # the page's own token: one click counts, with a thank-you
            button.click()
            page.wait_for_selector("[role=status]")
            assert axe_violations(page) == []
    finally:
        context.close()
