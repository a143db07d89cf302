"""The kalender's beheer pages over the real app (chalice.test + moto): the two routes they
read (which meetings a role may change, and which changes it can make now), the theme a
werkgroep sets on an unhosted themaBIJ1komst, and the pages' own texts and roles."""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.kalender_support import NOW, at_now, call, tokens_by_role  # noqa: F401

BOARD_W53 = "bestuur-2026-12-29"
WG_ORG = "werkgroep-organizing-2027-01-13"
THEMA = "themabij1komst-2026-12-19"
RANGE = "van=2026-12-01&tot=2027-02-01"
HTML = {"accept": "text/html"}


def lijst(client, token, query=RANGE):
    response = call(client, "GET", f"/kalender/activiteiten?{query}", token)
    assert response.status_code == 200, response.body
    return {a["id"]: a for a in response.json_body["activiteiten"]}


def staat(client, token, activiteit):
    response = call(client, "GET", f"/kalender/activiteiten/{activiteit}/staat", token)
    assert response.status_code == 200, response.body
    return response.json_body


# --- GET /kalender/activiteiten -------------------------------------------------------------

def test_the_list_marks_what_each_role_may_change_as_the_changes_themselves_decide(client, at_now, tokens_by_role):
    board = lijst(client, tokens_by_role["bestuur"])
    organizing = lijst(client, tokens_by_role["organizing"])
    assert set(board) == set(organizing)  # the same calendar for everyone
    assert all(a["mag_wijzigen"] for a in board.values())
    assert organizing[WG_ORG]["mag_wijzigen"] and not organizing[BOARD_W53]["mag_wijzigen"]
    assert organizing[THEMA]["mag_wijzigen"]  # no host yet: any werkgroep may take it
    # the mark agrees with the routes: every "no" is refused, a "yes" goes through
    token = tokens_by_role["organizing"]
    for activiteit, a in organizing.items():
        if not a["mag_wijzigen"] and a["start"] > NOW.isoformat():
            assert call(client, "POST", f"/kalender/activiteiten/{activiteit}/notitie", token,
                        {"notitie": "x"}).status_code == 403, activiteit
    assert call(client, "POST", f"/kalender/activiteiten/{WG_ORG}/notitie", token,
                {"notitie": "x"}).status_code == 200


def test_the_list_holds_what_kalender_json_holds_and_the_cancel_reason(client, at_now, tokens_by_role):
    token = tokens_by_role["bestuur"]
    assert call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/annuleren", token,
                {"reden": "Kerstreces"}).status_code == 200
    public = call(client, "GET", f"/kalender.json?{RANGE}").json_body["activiteiten"]
    mine = lijst(client, token)
    assert [a["id"] for a in public] == list(mine)
    for a in public:
        extra = {k: v for k, v in mine[a["id"]].items() if k not in a}
        assert set(extra) == {"reden", "mag_wijzigen"}
        assert {k: mine[a["id"]][k] for k in a} == a
    assert mine[BOARD_W53]["reden"] == "Kerstreces" and mine[BOARD_W53]["status"] == "geannuleerd"


def test_without_an_end_the_list_holds_the_ten_weeks_of_the_public_page(client, at_now, tokens_by_role):
    answer = call(client, "GET", "/kalender/activiteiten", tokens_by_role["bestuur"]).json_body
    assert (answer["van"], answer["tot"]) == ("2026-12-01", "2027-02-09")
    later = call(client, "GET", "/kalender/activiteiten?van=2027-01-01", tokens_by_role["bestuur"]).json_body
    assert later["tot"] == "2027-03-12"
    assert min(a["start"] for a in later["activiteiten"]) >= "2027-01-01"


def test_wijzigbaar_ja_keeps_only_what_the_role_may_change(client, at_now, tokens_by_role):
    everything = lijst(client, tokens_by_role["communicatie"])
    only = lijst(client, tokens_by_role["communicatie"], RANGE + "&wijzigbaar=ja")
    assert only and set(only) == {i for i, a in everything.items() if a["mag_wijzigen"]}
    assert set(only) < set(everything)
    assert all(a["werkgroep"] in ("communicatie", None) for a in only.values())
    bad = call(client, "GET", "/kalender/activiteiten?wijzigbaar=misschien", tokens_by_role["bestuur"])
    assert bad.status_code == 400 and set(bad.json_body["errors"]) == {"wijzigbaar"}
    wrong = call(client, "GET", "/kalender/activiteiten?van=2026-02-30", tokens_by_role["bestuur"])
    assert wrong.status_code == 400 and set(wrong.json_body["errors"]) == {"van"}


def test_the_list_and_the_state_need_a_token(client, at_now):
    for path in ("/kalender/activiteiten", f"/kalender/activiteiten/{BOARD_W53}/staat"):
        assert call(client, "GET", path).status_code == 401
        assert call(client, "GET", path, "bij1_onzin").status_code in (401, 403)


# --- GET /kalender/activiteiten/{id}/staat ---------------------------------------------------

def test_the_state_says_which_changes_are_possible_and_follows_them(client, at_now, tokens_by_role):
    token = tokens_by_role["bestuur"]
    before = staat(client, token, BOARD_W53)
    assert before["mag_wijzigen"] and not before["begonnen"]
    assert before["kan"] == {"annuleren": True, "verplaatsen": True, "notitie": True, "thema": False}
    assert call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/annuleren", token,
                {"reden": "Te weinig mensen"}).status_code == 200
    after = staat(client, token, BOARD_W53)
    assert after["status"] == "geannuleerd" and after["reden"] == "Te weinig mensen"
    assert after["kan"] == {"annuleren": False, "verplaatsen": False, "notitie": True, "thema": False}
    # what "kan" says no to, the route refuses
    assert call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/annuleren", token, {}).status_code == 409
    assert call(client, "POST", f"/kalender/activiteiten/{BOARD_W53}/verplaatsen", token,
                {"start": "2026-12-30T20:00"}).status_code == 409


def test_another_werkgroeps_meeting_can_be_read_but_not_changed(client, at_now, tokens_by_role):
    seen = staat(client, tokens_by_role["communicatie"], WG_ORG)
    assert seen["id"] == WG_ORG and seen["werkgroep"] == "organizing"
    assert not seen["mag_wijzigen"] and not any(seen["kan"].values())
    for sub in ("wijzigingen", "aanmeldingen"):
        assert call(client, "GET", f"/kalender/activiteiten/{WG_ORG}/{sub}",
                    tokens_by_role["communicatie"]).status_code == 403
    public = call(client, "GET", f"/kalender/activiteiten/{WG_ORG}").json_body
    assert {k: seen[k] for k in public} == public  # the public data, no private link


def test_a_themabij1komst_can_get_a_theme_and_a_begun_meeting_nothing(client, at_now, tokens_by_role):
    token = tokens_by_role["organizing"]
    assert staat(client, token, THEMA)["kan"]["thema"] is True
    assert staat(client, token, WG_ORG)["kan"]["thema"] is False
    at_now.set(NOW.replace(month=12, day=19, hour=20))  # during the themaBIJ1komst
    begun = staat(client, token, THEMA)
    assert begun["begonnen"] and not any(begun["kan"].values())
    assert call(client, "POST", f"/kalender/activiteiten/{THEMA}/notitie", token,
                {"notitie": "x"}).status_code == 400


def test_the_state_of_an_unknown_meeting_is_404(client, at_now, tokens_by_role):
    for activiteit in ("bestuur-2026-12-30", "nergens-2026-12-29", "m1"):
        assert call(client, "GET", f"/kalender/activiteiten/{activiteit}/staat",
                    tokens_by_role["bestuur"]).status_code == 404, activiteit


# --- the theme without a host named -----------------------------------------------------------

def test_a_werkgroep_that_sets_the_theme_of_an_unhosted_themabij1komst_hosts_it(client, at_now, tokens_by_role):
    done = call(client, "POST", f"/kalender/activiteiten/{THEMA}/thema", tokens_by_role["organizing"],
                {"thema": "Wonen is een recht", "sprekers": ["Huurdersbond", ""]})
    assert done.status_code == 200, done.body
    assert done.json_body["werkgroep"] == "organizing" and done.json_body["sprekers"] == ["Huurdersbond"]
    assert not staat(client, tokens_by_role["communicatie"], THEMA)["mag_wijzigen"]
    # the board sets a theme without naming a host: it stays as it is
    again = call(client, "POST", f"/kalender/activiteiten/{THEMA}/thema", tokens_by_role["bestuur"],
                 {"thema": "Wonen", "sprekers": []})
    assert again.status_code == 200 and again.json_body["werkgroep"] == "organizing"
    history = call(client, "GET", f"/kalender/activiteiten/{THEMA}/wijzigingen", tokens_by_role["bestuur"])
    assert [c["actie"] for c in history.json_body["wijzigingen"]] == ["thema", "thema"]


# --- the pages -----------------------------------------------------------------------------

def gegevens(html: str) -> dict:
    raw = re.search(r'<script type="application/json" id="beheer-gegevens">(.*?)</script>', html, re.DOTALL)
    return json.loads(raw.group(1))


def test_the_pages_are_declared_for_their_roles_and_speak_of_meetings(client, aws):
    from functions import auth
    from functions.beheer import pagina

    assert pagina.PAGINAS["/beheer/kalender/op-afspraak"].rollen == {"bestuur"}
    assert pagina.PAGINAS["/beheer/kalender"].rollen == auth.AUTHORIZER_ROLES["werkgroep_token"]
    for path in ("/beheer/kalender", f"/beheer/kalender/{BOARD_W53}", "/beheer/kalender/op-afspraak"):
        for lang, word in (("nl", "bijeenkomst"), ("en", "meeting")):
            response = client.http.get(f"{path}?lang={lang}", headers=HTML)
            assert response.status_code == 200, path
            texts = gegevens(response.body.decode())["teksten"]
            assert word in texts["fout_404"] and word in texts["fout_409"], (path, lang)
    plain = gegevens(client.http.get("/beheer", headers=HTML).body.decode())["teksten"]
    assert "melding" in plain["fout_404"]  # the other pages keep their own words


def test_the_overview_links_the_op_afspraak_page_for_the_board_only(client, aws):
    html = client.http.get("/beheer", headers=HTML).body.decode()
    (item,) = re.findall(r'<li data-rollen="([^"]*)"><h2><a href="/beheer/kalender/op-afspraak', html)
    assert item == "bestuur"
    assert re.search(r'<li data-rollen="bestuur communicatie organizing politieke-agenda"><h2><a href="/beheer/kalender\?', html)


def test_a_meeting_page_for_an_id_that_cannot_be_one_is_a_404_page(client, aws):
    response = client.http.get("/beheer/kalender/Een%20vergadering", headers=HTML)
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")


def test_the_op_afspraak_page_says_how_long_the_addresses_are_kept(client, aws):
    from functions import wiring

    settings = wiring.settings()
    html = client.http.get("/beheer/kalender/op-afspraak", headers=HTML).body.decode()
    assert f"{settings.kalender_afspraak_email_days} dagen na de vergadering" in html
    assert f"{settings.kalender_afspraak_max_days} dagen erna" in html


def test_the_kalender_beheer_catalogs_have_every_key_in_dutch_and_english():
    folder = Path(__file__).resolve().parents[2] / "templates" / "i18n" / "beheer" / "kalender"
    nl = json.loads((folder / "nl.json").read_text(encoding="utf-8"))
    en = json.loads((folder / "en.json").read_text(encoding="utf-8"))
    assert set(nl) == set(en) and all(v.strip() for v in list(nl.values()) + list(en.values()))
    used = set()
    for template in (folder.parents[2] / "beheer" / "kalender").glob("*.html"):
        used |= set(re.findall(r"t\([\"'](beheer\.kalender\.[a-z_.]+)[\"']", template.read_text(encoding="utf-8")))
    assert used and used <= set(nl), used - set(nl)


def test_an_added_activity_shows_its_description_and_its_link_to_who_may_change_it(client, at_now, tokens_by_role):
    org = tokens_by_role["organizing"]
    added = call(client, "POST", "/kalender/activiteiten", org, {
        "titel": "Online training", "start": "2026-12-12T13:00", "eind": "15:00", "publiek": "leden",
        "online": True, "link": "https://meet.jit.si/bij1-training", "beschrijving": "Neem vragen mee."})
    assert added.status_code == 201, added.body
    mine = staat(client, org, added.json_body["id"])
    assert mine["beschrijving"] == "Neem vragen mee." and mine["link_uitnodiging"] == "https://meet.jit.si/bij1-training"
    theirs = staat(client, tokens_by_role["communicatie"], added.json_body["id"])
    assert theirs["beschrijving"] == "Neem vragen mee." and theirs["link_uitnodiging"] is None
