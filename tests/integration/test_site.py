"""The afdeling's home page, the favicon, one error shape, and language switches that keep
what is on the screen."""
from __future__ import annotations

import re

import pytest

from tests.meldpunt_support import FORM_HEADERS, post_form, receipt_code, valid_fields

HTML = {"accept": "text/html"}


def test_the_home_page_says_what_the_site_offers_in_dutch_and_english(client):
    nl = client.http.get("/", headers=HTML)
    assert nl.status_code == 200 and nl.headers["Content-Type"].startswith("text/html")
    page = nl.body.decode()
    assert '<html lang="nl">' in page and "Straatintimidatie melden" in page
    for path in ("/meldpunt?", "/meldpunt/cijfers?", "/nieuwsbrief/aanmelden?"):
        assert f'href="{path}lang=nl"' in page
    en = client.http.get("/?lang=en", headers=HTML).body.decode()
    assert '<html lang="en">' in en and "Report street harassment" in en
    # parts that do not exist (yet) are not linked
    import app as app_module

    linked = re.findall(r'href="(/[a-z/]*)\?lang', page)
    assert linked and all("GET" in app_module.app.routes.get(p, {}) for p in linked)


def test_every_pages_brand_link_and_icon_lead_somewhere(client):
    page = client.http.get("/meldpunt", headers=HTML).body.decode()
    assert 'class="brand" href="/?lang=nl"' in page and 'href="/favicon.svg"' in page
    for path in ("/favicon.ico", "/favicon.svg"):
        icon = client.http.get(path)
        assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/svg+xml"
        assert icon.body.decode().startswith("<svg")


@pytest.mark.parametrize("method,path,headers,body,status", [
    ("POST", "/meldpunt", {"content-type": "text/plain"}, b"a=b", 415),
    ("POST", "/meldpunt", {}, b"", 415),  # no content type at all
    ("PUT", "/meldpunt", {"content-type": "application/json"}, b"{}", 405),
    ("POST", "/meldpunt", {"content-type": "application/json"}, b"[1]", 400),
])
def test_every_error_a_script_gets_has_the_one_shape(client, method, path, headers, body, status):
    response = client.http.request(method, path, headers=headers, body=body)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    data = response.json_body
    assert set(data) <= {"error", "errors"} and " / " in data["error"]
    if status in (415, 400):
        assert data["errors"]


def test_the_thank_you_pages_language_switch_keeps_the_receipt_code(client, aws):
    # GIVEN the thank-you page of a report, in Dutch
    thanks = post_form(client, valid_fields())
    html = thanks.body.decode()
    code = receipt_code(html)
    # THEN its language switch is a form that posts the code (never a link with it in the URL)
    switch = re.search(r'<form method="post" action="(/meldpunt/bedankt\?lang=en)">(.*?)</form>', html, re.S)
    assert switch, "no language switch form"
    assert f'name="code" value="{code}"' in switch.group(2)
    assert f"lang=en&amp;code" not in html and f"code={code}" not in html
    # WHEN it is used, THEN the same page in English shows the same code
    english = client.http.post(switch.group(1), headers=FORM_HEADERS, body=f"code={code}")
    assert english.status_code == 200
    page = english.body.decode()
    assert '<html lang="en">' in page and receipt_code(page) == code
    # AND nonsense in place of a code is refused, not echoed
    bad = client.http.post("/meldpunt/bedankt?lang=en", headers=FORM_HEADERS,
                           body="code=%3Cscript%3E")
    assert bad.status_code == 400 and "<script>" not in bad.body.decode()


def test_a_language_link_keeps_the_pages_query(client, aws):
    page = client.http.get("/meldpunt/cijfers?periode=2026-11", headers=HTML).body.decode()
    assert 'href="?periode=2026-11&amp;lang=en"' in page


def test_the_error_page_has_no_script_and_its_link_works_under_the_pages_policy(client):
    # found by the XSS corpus test: the only link was javascript:history.back(), which the
    # pages' own Content-Security-Policy (script-src 'none') blocks: a dead link, and script
    from html.parser import HTMLParser

    response = client.http.get("/nieuwsbrief/2027-13", headers={"accept": "text/html"})
    assert response.status_code == 400 and response.headers["Content-Type"].startswith("text/html")
    links: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            links.extend(v for k, v in attrs if k == "href")

    Links().feed(response.body.decode())
    assert links == ["/"]
    assert "javascript:" not in response.body.decode()


def test_a_pages_title_names_the_afdeling_once(client):
    from functions import afdeling

    naam = afdeling.current().naam
    home = client.http.get("/", headers=HTML).body.decode()
    assert re.search(r"<title>(.*?)</title>", home).group(1) == naam
    form = client.http.get("/meldpunt", headers=HTML).body.decode()
    title = re.search(r"<title>(.*?)</title>", form).group(1)
    assert title.endswith(f" · {naam}") and title.count(naam) == 1
