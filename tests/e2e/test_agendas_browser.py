"""The agenda archive's public pages in a real browser (headless Chromium) on the local stack:
the list and one agenda, in Dutch and English, on a phone and a desktop; axe-core finds no
serious or critical violation; besloten parts are absent and a Markdown XSS payload is inert.
Run by ``make e2e``."""
from __future__ import annotations

import pytest
import requests

from tests.agendas_support import AGENDA_MD
from tests.e2e.test_meldpunt_browser import PHONE, axe_violations, fits_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.slow]

DATUM = "2026-09-03"
DESKTOP = {"width": 1280, "height": 900}
XSS = ("\n## 5. Links\n\n[klik](javascript:alert(document.domain)) <img src=x onerror=\"window.__xss=1\">\n"
       "<script>window.__xss=1</script>\n")


@pytest.fixture(scope="module")
def archived(stack, poll=None):
    from tests.e2e.conftest import wait_for

    response = requests.put(f"{stack.api}/agendas/{DATUM}", data=(AGENDA_MD + XSS).encode(), timeout=30,
                            headers={"Authorization": f"Bearer {stack.tokens['bestuur']}",
                                     "Content-Type": "text/markdown; charset=utf-8"})
    assert response.status_code == 202, response.text
    status_url = stack.api + response.json()["status_url"]
    wait_for(lambda: requests.get(status_url, timeout=10, headers={
        "Authorization": f"Bearer {stack.tokens['bestuur']}"}).json()["status"] == "opgenomen",
        message="the agenda to be archived")
    return DATUM


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_list_and_an_agenda_read_well_and_pass_axe(stack, browser, archived, lang, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{stack.api}/agendas?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert fits_the_screen(page)
        assert axe_violations(page) == []
        # follow the link to the agenda, as a member would
        page.locator(f"main a[href*='/agendas/{archived}']:text-is('Agenda')").first.click()
        page.wait_for_load_state()
        assert page.url.split("?")[0].endswith(f"/agendas/{archived}")
        body = page.locator("main").inner_text()
        assert "3. Werkgroepen" in body and "VERTROUWELIJK" not in body
        assert page.evaluate("window.__xss === undefined")
        assert page.locator("main a[href^='javascript']").count() == 0
        assert page.locator("main img, main script").count() == 0
        assert fits_the_screen(page)
        assert axe_violations(page) == []
        page.screenshot(path=f"/tmp/agendas-{lang}-{viewport['width']}.png", full_page=True)
    finally:
        context.close()


def test_the_versions_page_passes_axe(stack, browser, archived):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{stack.api}/agendas/{archived}/versies?lang=en")
        assert axe_violations(page) == []
        assert fits_the_screen(page)
    finally:
        context.close()
