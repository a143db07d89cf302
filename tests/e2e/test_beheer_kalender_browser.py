"""The kalender's beheer pages in a real browser (Debian's headless Chromium) against the
local stack.

Werkgroep Organizing signs in, lists the coming meetings (marked which it may change), keeps
only its own, opens one of its meetings, adds a note, tries a move into the past (the error at
its field), moves it, cancels it and sees every change in the list; it sets the theme of a
themaBIJ1komst nobody hosts yet and sees its sign-up count; it adds a one-off activity. Another
werkgroep sees the same meeting but no form, and the API refuses it; the board sees the
op-afspraak requests, a werkgroep is refused that page and asks nothing; a signed-out page
shows nothing. In Dutch on a desktop and in English on a phone, with axe-core finding no
serious or critical violation in any state. No token in any URL or log line of the stack, and
no requester's e-mail address in the stack's output. ``BEHEER_SCREENSHOTS=<dir>`` keeps a
screenshot of every state. Run by ``make e2e``.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.e2e.conftest import wait_for
from tests.e2e.test_beheer_browser import (DESKTOP, JSON, Watch, check, expect,  # noqa: F401
                                           issue_token, session_token, sign_in)
from tests.e2e.test_meldpunt_browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
REQUESTER = "lid.op.afspraak.e2e@example.org"


def texts(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for area in ("", "beheer", "beheer/kalender", "kalender"):
        folder = ROOT / "templates" / "i18n" / area
        out.update(json.loads((folder / f"{lang}.json").read_text(encoding="utf-8")))
    return out


@pytest.fixture(scope="module")
def people(stack):
    return {"organizing": issue_token(stack, "organizing", "Rosa e2e"),
            "communicatie": issue_token(stack, "communicatie", "Latifa e2e"),
            "bestuur": issue_token(stack, "bestuur", "Tim e2e")}


def coming(stack, token: str, **query) -> list[dict]:
    response = stack.get("/kalender/activiteiten", params=query,
                         headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    assert response.status_code == 200, response.text
    return response.json()["activiteiten"]


def later(iso: str, days: int) -> str:
    """The local wall-clock time ``days`` later, as a datetime-local field holds it."""
    return (datetime.fromisoformat(iso) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def message_of(form) -> object:
    return form.locator("xpath=..").locator("[data-bericht]")


@pytest.mark.parametrize("lang, screen, which", [("nl", DESKTOP, 0), ("en", PHONE, 1)],
                         ids=["nl-desktop", "en-phone"])
def test_a_werkgroep_notes_moves_and_cancels_its_meeting_and_sees_the_changes(
        stack, browser, people, lang, screen, which):
    t = texts(lang)
    name = f"{lang}-{'desktop' if screen is DESKTOP else 'phone'}"
    token = people["organizing"]
    now = datetime.now(timezone.utc)
    own = [a for a in coming(stack, token, wijzigbaar="ja")
           if a["soort"] == "werkgroepvergadering" and not a["geannuleerd"]
           and datetime.fromisoformat(a["start"]) > now + timedelta(days=2)]
    meeting = own[which]
    context = browser.new_context(viewport=screen, locale={"nl": "nl-NL", "en": "en-GB"}[lang])
    page = context.new_page()
    watch = Watch(page)
    try:
        # GIVEN the list page without a session: a sign-in and no meeting at all
        page.goto(stack.api + f"/beheer/kalender?lang={lang}")
        page.locator("#beheer-inloggen").wait_for(state="visible")
        assert not page.locator("#beheer-inhoud").is_visible()
        assert page.locator("tbody[data-lijst=activiteiten] tr").count() == 0
        check(page, f"{name}-kalender-1-inloggen")

        # WHEN werkgroep Organizing signs in, THEN the coming meetings, marked which are its own
        sign_in(page, token)
        rows = page.locator("tbody[data-lijst=activiteiten] tr")
        rows.first.wait_for()
        assert page.get_by_role("heading", level=1).inner_text() == t["beheer.kalender.titel"]
        everything = coming(stack, token)
        expect(rows).to_have_count(len(everything))
        marks = [r.locator("td").nth(4).inner_text().strip() for r in rows.all()]
        assert marks == [t["beheer.kalender.mag_ja"] if a["mag_wijzigen"] else t["beheer.kalender.mag_nee"]
                         for a in everything]
        assert t["beheer.kalender.mag_ja"] in marks and t["beheer.kalender.mag_nee"] in marks
        assert page.get_by_role("link", name=t["beheer.kalender.afspraak.titel"]).count() == 0  # the board's
        check(page, f"{name}-kalender-2-lijst")

        # WHEN only its own are asked for (a plain GET form: the choice goes in the URL)
        page.get_by_label(t["beheer.kalender.alleen_wijzigbaar"]).check()
        page.get_by_role("button", name=t["beheer.kalender.toon"], exact=True).click()
        page.wait_for_url("**wijzigbaar=ja**")
        rows.first.wait_for()
        assert all(r.locator("td").nth(4).inner_text().strip() == t["beheer.kalender.mag_ja"] for r in rows.all())

        # WHEN one of its meetings is opened
        page.locator(f"a[href*='/beheer/kalender/{meeting['id']}']").click()
        page.wait_for_url(f"**/beheer/kalender/{meeting['id']}**")
        notes = page.locator("#notitieformulier")
        notes.wait_for(state="visible")
        # THEN its data, no changes yet, no sign-up (it is online), and the forms that apply
        assert page.locator("h2[data-veld^=titel]").inner_text() == meeting["titel"][lang]
        assert page.locator("time[data-veld=start]").get_attribute("datetime") == meeting["start"]
        page.get_by_text(t["beheer.kalender.geen_wijzigingen"]).wait_for()
        page.get_by_text(t["beheer.kalender.geen_rsvp"]).wait_for()
        assert page.locator("#verplaatsformulier").is_visible() and page.locator("#annuleerformulier").is_visible()
        assert not page.locator("#themaformulier").is_visible()  # not a themaBIJ1komst
        check(page, f"{name}-kalender-3-bijeenkomst")

        changes = page.locator("tbody[data-lijst=wijzigingen] tr")
        # WHEN a note is added, THEN the page says so, shows it and lists the change
        # (a long link in it: the page must still fit a phone, in the data and in the changes)
        note = ("Neem je laptop mee. <b>Zaal 2.14</b> "
                "https://meet.jit.si/Bij1DenHaagWerkgroepOrganizingMetEenHeelLangeKamernaamZonderStreepjes0123456789abcdef")
        notes.get_by_label(t["beheer.kalender.notitie"]).fill(note)
        notes.get_by_role("button", name=t["beheer.kalender.notitie_knop"]).click()
        message_of(notes).get_by_text(t["beheer.kalender.notitie_gelukt"]).wait_for()
        assert page.locator("dd[data-veld=notitie]").inner_text() == note
        expect(changes).to_have_count(1)
        assert t["beheer.kalender.actie.notitie"] in changes.first.inner_text()
        assert "Rosa e2e" in changes.first.inner_text() and note in changes.first.inner_text()
        check(page, f"{name}-kalender-4-notitie")

        # WHEN a move into the past is tried, THEN the API's message is at the field
        move = page.locator("#verplaatsformulier")
        start_field = move.get_by_label(t["beheer.kalender.nieuw_begin"])
        start_field.fill((datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT20:00"))
        move.get_by_role("button", name=t["beheer.kalender.verplaats_knop"]).click()
        summary = move.locator("[data-fouten]")
        summary.get_by_role("link").wait_for()
        assert summary.get_by_role("link").inner_text() == \
            f"{t['beheer.kalender.nieuw_begin']}: {t['kalender.fout.verleden']}"
        assert start_field.get_attribute("aria-invalid") == "true"
        assert page.locator("#verplaats-start-fout").inner_text() == t["kalender.fout.verleden"]
        expect(changes).to_have_count(1)  # nothing written
        check(page, f"{name}-kalender-5-verplaats-fout")

        # WHEN it is moved a day later, THEN the new time shows, the error is gone, and it is listed
        target = later(meeting["start"], 1)
        start_field.fill(target)
        move.get_by_role("button", name=t["beheer.kalender.verplaats_knop"]).click()
        message_of(move).get_by_text(t["beheer.kalender.verplaats_gelukt"]).wait_for()
        assert page.locator("time[data-veld=start]").get_attribute("datetime").startswith(target)
        assert start_field.get_attribute("aria-invalid") is None
        expect(changes).to_have_count(2)
        assert t["beheer.kalender.actie.verplaatsen"] in changes.nth(1).inner_text()

        # WHEN it is cancelled with a reason
        cancel = page.locator("#annuleerformulier")
        cancel.get_by_label(t["beheer.kalender.reden"]).fill("Te weinig mensen kunnen")
        cancel.get_by_role("button", name=t["beheer.kalender.annuleer_knop"]).click()
        message_of(cancel).get_by_text(t["beheer.kalender.annuleer_gelukt"]).wait_for()
        # THEN it shows as cancelled, with the reason; cancelling and moving are offered no more
        status = page.locator("dd strong[data-veld=status]")
        assert status.inner_text() == t["beheer.kalender.status.geannuleerd"]
        assert "Te weinig mensen kunnen" in page.locator("dl.velden").inner_text()
        expect(cancel).to_be_hidden()
        expect(move).to_be_hidden()
        # (one confirmation at a time: the note's and the move's are gone)
        said = [m.inner_text() for m in page.locator("[data-bericht]").all() if m.inner_text()]
        assert said == [t["beheer.kalender.annuleer_gelukt"]]
        assert notes.is_visible()
        expect(changes).to_have_count(3)
        assert [c.locator("td").nth(2).locator("strong").inner_text() for c in changes.all()] == \
            [t[f"beheer.kalender.actie.{a}"] for a in ("notitie", "verplaatsen", "annuleren")]
        check(page, f"{name}-kalender-6-afgelast")

        # AND the public calendar says the same
        public = stack.get(f"/kalender/activiteiten/{meeting['id']}", headers={"Accept": "application/json"}).json()
        assert public["geannuleerd"] and public["notitie"] == note and public["start"].startswith(target)

        # WHEN signing out, THEN nothing of the meeting stays on the page
        session = session_token(page)
        page.get_by_role("button", name=t["beheer.uitloggen"]).click()
        page.get_by_text(t["beheer.js.uitgelogd"]).wait_for()
        body = page.locator("body").inner_text() + page.content()
        assert note not in body and "Te weinig mensen kunnen" not in body and meeting["titel"][lang] not in body
        check(page, f"{name}-kalender-7-uitgelogd")

        for url in watch.urls + [page.url]:
            assert token not in url and session not in url, url
        assert token not in stack.output() and session not in stack.output()
        # every answer with data (the pages, the kalender API's JSON, the session) is no-store
        answers = [a for a in watch.answers if a.url.startswith(stack.api) and a.status < 400
                   and "/beheer/beheer.js" not in a.url and "/favicon" not in a.url]
        assert any("/staat" in a.url for a in answers) and any("/wijzigingen" in a.url for a in answers)
        for answer in answers:
            assert answer.headers.get("cache-control") == "no-store", answer.url
        assert watch.dialogs == [] and watch.errors == []
    finally:
        context.close()


def test_a_themabij1komst_gets_its_theme_and_shows_its_sign_ups(stack, browser, people):
    t = texts("nl")
    token = people["organizing"]
    free = [a for a in coming(stack, token, wijzigbaar="ja")
            if a["soort"] == "themabij1komst" and a["werkgroep"] is None and not a["geannuleerd"]]
    assert free, "a themaBIJ1komst nobody hosts yet"
    meeting = free[0]
    button = stack.get(f"/kalender/activiteiten/{meeting['id']}/rsvp", headers={"Accept": "text/html"}).text
    form_token = re.search(r'name="token" value="([^"]+)"', button).group(1)   # one count per page
    rsvp = stack.post(f"/kalender/activiteiten/{meeting['id']}/rsvp", headers=JSON,
                      data=json.dumps({"token": form_token}))
    assert rsvp.status_code == 201, rsvp.text
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(stack.api + f"/beheer/kalender/{meeting['id']}")
        sign_in(page, token)
        form = page.locator("#themaformulier")
        form.wait_for(state="visible")
        expect(page.locator("#aanmeldingen strong[data-veld=ja]")).to_have_text("1")  # filled when its answer comes
        assert page.locator("#thema-werkgroep").count() == 0  # the host choice is the board's
        form.get_by_label(t["beheer.kalender.thema"], exact=True).fill("Wonen is een recht")
        form.get_by_label(t["beheer.kalender.spreker"].format(n=1)).fill("Huurdersbond Den Haag")
        form.get_by_role("button", name=t["beheer.kalender.thema_knop"]).click()
        message_of(form).get_by_text(t["beheer.kalender.thema_gelukt"].format(thema="Wonen is een recht")).wait_for()
        assert "Huurdersbond Den Haag" in page.locator("dl.velden").inner_text()
        assert page.locator("dd[data-veld=werkgroep]").inner_text() == "Organizing"
        expect(page.locator("tbody[data-lijst=wijzigingen] tr")).to_have_count(1)
        check(page, "nl-desktop-kalender-thema")
        # correcting the theme later: the form holds the theme and the speakers as they are,
        # so fixing a typo does not drop the speakers
        page.reload()
        form.wait_for(state="visible")
        expect(form.get_by_label(t["beheer.kalender.thema"], exact=True)).to_have_value("Wonen is een recht")
        expect(form.get_by_label(t["beheer.kalender.spreker"].format(n=1))).to_have_value("Huurdersbond Den Haag")
        form.get_by_label(t["beheer.kalender.thema"], exact=True).fill("Wonen is een recht!")
        form.get_by_role("button", name=t["beheer.kalender.thema_knop"]).click()
        message_of(form).get_by_text(t["beheer.kalender.thema_gelukt"].format(thema="Wonen is een recht!")).wait_for()
        assert "Huurdersbond Den Haag" in page.locator("dl.velden").inner_text()
    finally:
        context.close()


def test_another_werkgroep_sees_the_meeting_but_may_not_change_it(stack, browser, people):
    t = texts("nl")
    theirs = [a for a in coming(stack, people["organizing"], wijzigbaar="ja")
              if a["soort"] == "werkgroepvergadering" and not a["geannuleerd"]][-1]
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    page = context.new_page()
    watch = Watch(page)
    try:
        page.goto(stack.api + f"/beheer/kalender/{theirs['id']}")
        sign_in(page, people["communicatie"])
        # the title arrives with the meeting's data (the notice alone may show before them)
        expect(page.locator("h2[data-veld^=titel]")).to_have_text(theirs["titel"]["nl"])
        page.get_by_text(t["beheer.kalender.niet_jouw"]).wait_for()
        for form in ("#notitieformulier", "#verplaatsformulier", "#annuleerformulier", "#themaformulier"):
            assert not page.locator(form).is_visible(), form
        # the changes and the sign-ups: the API refuses them, and the page shows neither
        for sub in ("wijzigingen", "aanmeldingen"):
            answer = wait_for(lambda: next((a for a in watch.answers
                                             if a.url.endswith(f"/{theirs['id']}/{sub}")), None),
                              message=f"the answer to {sub}")
            assert answer.status == 403, sub
            assert not page.locator(f"#{sub}-kop").is_visible(), sub
        check(page, "nl-phone-kalender-niet-jouw")
        # AND the API refuses this session a change, whatever a page would show
        session = session_token(page)
        refused = stack.post(f"/kalender/activiteiten/{theirs['id']}/notitie", json={"notitie": "x"},
                             headers={**JSON, "Authorization": f"Bearer {session}"})
        assert refused.status_code == 403
    finally:
        context.close()


def test_a_werkgroep_adds_an_activity_from_the_list(stack, browser, people):
    t = texts("en")
    start = (datetime.now(timezone.utc) + timedelta(days=10)).strftime("%Y-%m-%dT18:00")
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(stack.api + "/beheer/kalender?lang=en")
        sign_in(page, people["organizing"])
        form = page.locator("#nieuwformulier")
        form.wait_for(state="visible")
        assert form.locator("option[value=bestuur]").count() == 0  # only the board invites the board
        # WHEN it is sent without a place, THEN the field says so
        form.get_by_label(t["beheer.kalender.nieuw.titel"], exact=True).fill("Flyeren op de markt")
        form.get_by_label(t["beheer.kalender.begin"], exact=True).fill(start)
        form.get_by_label(t["beheer.kalender.eind"]).fill("20:00")
        form.get_by_role("button", name=t["beheer.kalender.nieuw.knop"]).click()
        form.locator("#nieuw-plaats-fout").wait_for()
        assert form.get_by_label(t["beheer.kalender.nieuw.plaats"]).get_attribute("aria-invalid") == "true"
        check(page, "en-phone-kalender-nieuw-fout")
        # WHEN the place is given, THEN it is added, said so, and listed
        form.get_by_label(t["beheer.kalender.nieuw.plaats"]).fill("Haagse Markt")
        form.get_by_role("button", name=t["beheer.kalender.nieuw.knop"]).click()
        page.get_by_text(t["beheer.kalender.nieuw.gelukt"].replace("{titel.en}", "Flyeren op de markt")).wait_for()
        link = page.get_by_role("link", name=t["beheer.kalender.nieuw.open"])
        assert re.search(r"/beheer/kalender/eenmalig-\d{4}-\d{2}-\d{2}-[0-9a-f]{6}\?lang=en$", link.get_attribute("href"))
        page.locator("tbody[data-lijst=activiteiten] tr", has_text="Flyeren op de markt").wait_for()
        check(page, "en-phone-kalender-nieuw")
    finally:
        context.close()


def test_the_board_sees_the_op_afspraak_requests_and_a_werkgroep_does_not(stack, browser, people):
    t = texts("nl")
    form = stack.get("/kalender/op-afspraak", headers={"Accept": "text/html"}).text
    form_token = re.search(r'name="token" value="([^"]+)"', form).group(1)
    meeting = re.search(r'<option value="(bestuur-[0-9-]+)"', form).group(1)
    sent = stack.post("/kalender/op-afspraak", headers=JSON, json={
        "naam": "Sam e2e", "email": REQUESTER, "activiteit": meeting,
        "onderwerp": "Meepraten over de begroting <i>2027</i>", "token": form_token})
    assert sent.status_code == 201, sent.text

    # a werkgroep: refused before anything is asked
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    page = context.new_page()
    watch = Watch(page)
    try:
        page.goto(stack.api + "/beheer/kalender/op-afspraak")
        sign_in(page, people["organizing"])
        page.locator("#beheer-geen-toegang").wait_for(state="visible")
        assert not page.locator("#beheer-inhoud").is_visible()
        assert not any("/kalender/op-afspraak/verzoeken" in u for u in watch.urls)
        assert REQUESTER not in page.content()
        check(page, "nl-phone-afspraak-geen-toegang")
        page.goto(stack.api + "/beheer")
        page.get_by_role("link", name=t["beheer.kalender.titel"]).wait_for()
        assert page.get_by_role("link", name=t["beheer.kalender.afspraak.titel"]).count() == 0
    finally:
        context.close()

    # the board: every board meeting with its requests
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(stack.api + "/beheer")
        sign_in(page, people["bestuur"])
        page.get_by_role("link", name=t["beheer.kalender.afspraak.titel"]).click()
        row = page.locator("tbody[data-lijst=verzoeken] tr", has_text="Sam e2e")
        row.wait_for()
        cells = [c.inner_text() for c in row.locator("td").all()]
        heading = page.locator("[data-lijst=vergaderingen] > section", has=row).locator("h2 a")
        assert heading.get_attribute("href") == f"/beheer/kalender/{meeting}?lang=nl"
        assert cells[:3] == ["Sam e2e", REQUESTER, "Meepraten over de begroting <i>2027</i>"]
        assert page.locator("tbody[data-lijst=verzoeken] i").count() == 0  # text, not markup
        meetings = page.locator("[data-lijst=vergaderingen] > section")
        assert meetings.count() >= 2  # every board meeting, with or without a request
        assert page.get_by_text(t["beheer.kalender.afspraak.geen_verzoeken"]).locator("visible=true").count() \
            == meetings.count() - 1
        check(page, "nl-desktop-afspraak-bestuur")
        page.get_by_role("button", name=t["beheer.uitloggen"]).click()
        page.get_by_text(t["beheer.js.uitgelogd"]).wait_for()
        assert REQUESTER not in page.content() and "Sam e2e" not in page.content()
    finally:
        context.close()
    # no contact data in the stack's logs (its output is every function's log lines)
    assert REQUESTER not in stack.output()


def test_a_token_pasted_with_the_quotes_of_tokens_json_signs_in(stack, browser, people):
    """A volunteer copies the token out of .local/tokens.json with its quotes (and comma)."""
    t = texts("nl")
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(stack.api + "/beheer/kalender")
        sign_in(page, f' "{people["organizing"]}", ')
        page.get_by_role("heading", level=1, name=t["beheer.kalender.titel"]).wait_for()
        assert page.locator("#beheer-token").count() == 0 or not page.locator("#beheer-token").is_visible()
    finally:
        context.close()
