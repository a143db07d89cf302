"""What the eindredactie's page needs from the newsletter API, over the real app (moto, the
Mailchimp stand-in): the history and what may be done now in the status, the preview of
exactly the stored version, an approval bound to the version looked at, one article, and
refusals (409) that say why in the reader's language."""
from __future__ import annotations

import pytest

from functions import wiring
from functions.nieuwsbrief import uitgave
from tests.integration.test_nieuwsbrief_api import (  # noqa: F401  (fixtures)
    call, consume, mailchimp, tokens_by_role)

MAAND = "2027-01"  # sent on 1 January 2027 09:00: approving schedules it, sends nothing yet
HTML = {"accept": "text/html"}


def status(client, token):
    response = call(client, "GET", f"/nieuwsbrief/{MAAND}/status", token)
    assert response.status_code == 200, response.body
    return response.json_body


def compiled(client, aws, token):
    assert call(client, "POST", f"/nieuwsbrief/{MAAND}/samenstellen", token, {}).status_code == 202
    consume(client, aws)
    return status(client, token)


def test_the_status_says_what_may_be_done_and_keeps_the_history_through_a_month(
        client, aws, tokens_by_role, mailchimp):
    co, bestuur = tokens_by_role["communicatie"], tokens_by_role["bestuur"]
    # GIVEN nothing yet: only compiling and articles
    first = status(client, co)
    assert first["status"] == "geen" and first["versie"] is None and first["geschiedenis"] == []
    assert first["mogelijk"] == {"samenstellen": True, "goedkeuren": False, "intrekken": False,
                                 "artikelen": True}
    # WHEN compiled from the page (a person's name, not the schedule's)
    after_compile = compiled(client, aws, co)
    assert after_compile["status"] == "concept" and after_compile["versie"] == 1
    assert after_compile["samengesteld_door"] == "test-communicatie"
    assert after_compile["wordt_samengesteld"] is False and after_compile["testmail_verstuurd"] is True
    assert after_compile["mogelijk"]["goedkeuren"] is True
    # AND approved with the version looked at, then withdrawn
    approved = call(client, "POST", f"/nieuwsbrief/{MAAND}/goedkeuren", bestuur, {"versie": 1})
    assert approved.status_code == 202, approved.body
    assert approved.json_body["mogelijk"] == {"samenstellen": False, "goedkeuren": False,
                                              "intrekken": True, "artikelen": False}
    consume(client, aws)
    assert status(client, co)["status"] == "gepland"
    withdrawn = call(client, "POST", f"/nieuwsbrief/{MAAND}/intrekken", co, {})
    assert withdrawn.status_code == 200 and withdrawn.json_body["status"] == "concept"
    # THEN the history tells it in order, with who and which version
    history = status(client, co)["geschiedenis"]
    assert [(h["action"], h["versie"], h["who"], h["role"]) for h in history] == [
        ("samengesteld", 1, "test-communicatie", "communicatie"),
        ("goedgekeurd", 1, "test-bestuur", "bestuur"),
        ("ingetrokken", 1, "test-communicatie", "communicatie")]
    assert all(h["at"].endswith("Z") for h in history)
    (campaign,) = mailchimp.campaigns()
    assert campaign["status"] == "save"  # unscheduled again: nothing will go out


def test_approving_a_version_other_than_the_stored_one_is_refused_saying_why(
        client, aws, tokens_by_role, mailchimp):
    co = tokens_by_role["communicatie"]
    compiled(client, aws, co)
    compiled(client, aws, co)  # a colleague compiled again meanwhile: version 2
    for lang, words in (("nl", "andere versie"), ("en", "Another version")):
        refused = call(client, "POST", f"/nieuwsbrief/{MAAND}/goedkeuren?lang={lang}", co, {"versie": 1})
        assert refused.status_code == 409
        assert words in refused.json_body["errors"]["_body"]
    assert status(client, co)["status"] == "concept"
    assert not [r for r in mailchimp.requests() if r["path"].endswith(("/schedule", "/send"))]
    # the version it is now is approved; a version that is no number is a 400 naming it
    assert call(client, "POST", f"/nieuwsbrief/{MAAND}/goedkeuren", co, {"versie": 2}).status_code == 202
    bad = call(client, "POST", f"/nieuwsbrief/{MAAND}/goedkeuren", co, {"versie": "twee"})
    assert bad.status_code == 400 and set(bad.json_body["errors"]) == {"versie"}
    # and approving without a version (a script) still works as before
    call(client, "POST", f"/nieuwsbrief/{MAAND}/intrekken", co, {})
    assert call(client, "POST", f"/nieuwsbrief/{MAAND}/goedkeuren", co).status_code == 202


def test_the_preview_of_a_version_is_exactly_what_was_stored_not_a_compile_of_now(
        client, aws, tokens_by_role, mailchimp):
    co = tokens_by_role["communicatie"]
    path = f"/nieuwsbrief/{MAAND}/voorbeeld"
    assert call(client, "GET", path + "?versie=1", co, headers=HTML).status_code == 404  # none yet
    call(client, "POST", f"/nieuwsbrief/{MAAND}/artikelen", co, {"titel": "Eerste bericht", "tekst": "a"})
    compiled(client, aws, co)
    # GIVEN an article added after version 1
    call(client, "POST", f"/nieuwsbrief/{MAAND}/artikelen", co, {"titel": "Later bericht", "tekst": "b"})
    stored = call(client, "GET", path + "?versie=1", co, headers=HTML)
    live = call(client, "GET", path, co, headers=HTML)
    # THEN version 1 is the stored HTML (what the test mail had), the live one has the new article
    assert stored.status_code == 200 and stored.headers["Content-Type"].startswith("text/html")
    state = uitgave.opgeslagen(wiring.table(), MAAND)
    assert stored.body.decode() == uitgave.unpack(state, "html")
    assert "Eerste bericht" in stored.body.decode() and "Later bericht" not in stored.body.decode()
    assert "Later bericht" in live.body.decode()
    assert call(client, "GET", path + "?versie=", co, headers=HTML).body == live.body
    # AND a version that is not the stored one (any more) is a 409, junk a 400
    assert call(client, "GET", path + "?versie=2", co, headers=HTML).status_code == 409
    assert call(client, "GET", path + "?versie=-1", co, headers=HTML).status_code == 400
    assert call(client, "GET", path + "?versie=1", tokens_by_role["organizing"],
                headers=HTML).status_code == 403


def test_one_article_can_be_read_and_articles_are_fixed_once_approved_saying_so(
        client, aws, tokens_by_role, mailchimp):
    co = tokens_by_role["communicatie"]
    made = call(client, "POST", f"/nieuwsbrief/{MAAND}/artikelen", co,
                {"titel": "Demonstratie", "tekst": "Kom **allemaal**", "volgorde": 3}).json_body
    one = call(client, "GET", f"/nieuwsbrief/{MAAND}/artikelen/{made['id']}", co)
    assert one.status_code == 200
    assert one.json_body == {"artikel": made, "bewerkbaar": True}
    assert call(client, "GET", f"/nieuwsbrief/{MAAND}/artikelen/{'0' * 12}", co).status_code == 404
    assert call(client, "GET", f"/nieuwsbrief/{MAAND}/artikelen/{made['id']}",
                tokens_by_role["organizing"]).status_code == 403
    # WHEN the issue is approved
    compiled(client, aws, co)
    assert call(client, "POST", f"/nieuwsbrief/{MAAND}/goedkeuren", co, {"versie": 1}).status_code == 202
    # THEN the list says so, and every change is a 409 saying why
    listed = call(client, "GET", f"/nieuwsbrief/{MAAND}/artikelen", co).json_body
    assert listed["bewerkbaar"] is False and [a["id"] for a in listed["artikelen"]] == [made["id"]]
    for method, path, body in (
            ("POST", f"/nieuwsbrief/{MAAND}/artikelen", {"titel": "x", "tekst": "y"}),
            ("PUT", f"/nieuwsbrief/{MAAND}/artikelen/{made['id']}", {"titel": "x"}),
            ("DELETE", f"/nieuwsbrief/{MAAND}/artikelen/{made['id']}", None)):
        refused = call(client, method, path, co, body)
        assert refused.status_code == 409, (method, refused.body)
        assert "Trek eerst de goedkeuring in" in refused.json_body["errors"]["_body"]
    again = call(client, "POST", f"/nieuwsbrief/{MAAND}/samenstellen?lang=en", co, {})
    assert again.status_code == 409 and "Withdraw the approval first" in again.json_body["errors"]["_body"]
    # AND after withdrawing, the article goes, and the answer names it (for the page's message)
    call(client, "POST", f"/nieuwsbrief/{MAAND}/intrekken", co, {})
    gone = call(client, "DELETE", f"/nieuwsbrief/{MAAND}/artikelen/{made['id']}", co)
    assert gone.json_body == {"id": made["id"], "titel": "Demonstratie", "verwijderd": True}


@pytest.mark.parametrize("path", ["/beheer/nieuwsbrief/2027-13", "/beheer/nieuwsbrief/januari",
                                  "/beheer/nieuwsbrief/2027-01/artikelen/abc"])
def test_a_newsletter_page_for_a_month_or_article_that_cannot_be_one_is_a_404_page(client, path):
    response = client.http.get(path, headers=HTML)
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")


def test_the_overview_lists_this_month_and_the_next_two_in_the_afdelings_time_zone():
    from datetime import datetime, timezone

    from functions.beheer import nieuwsbrief

    class Request:
        query_params = {"lang": "nl"}
        headers = {}
        context = {}

    # 31 December 23:30 UTC is already 1 January in Den Haag
    found = nieuwsbrief.overzicht(Request(), datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc))
    assert [(m["maand"], m["naam"]) for m in found["maanden"]] == [
        ("2027-01", "januari 2027"), ("2027-02", "februari 2027"), ("2027-03", "maart 2027")]


def test_the_newsletter_pages_say_what_a_404_or_409_means_for_a_newsletter_not_a_report(client):
    from tests.integration.test_beheer_pages import gegevens, page

    meldpunt = gegevens(page(client, "/beheer/meldpunt").body.decode())["teksten"]
    for path in ("/beheer/nieuwsbrief", "/beheer/nieuwsbrief/2027-01",
                 "/beheer/nieuwsbrief/2027-01/artikelen/a335f45d2b78"):
        for lang, word in (("nl", "nieuwsbrief"), ("en", "newsletter")):
            own = gegevens(page(client, f"{path}?lang={lang}").body.decode())["teksten"]
            assert set(own) == set(meldpunt)
            assert word in own["fout_409"] and "melding" not in own["fout_409"]
            assert "melding" not in own["fout_404"] and "report" not in own["fout_404"]
