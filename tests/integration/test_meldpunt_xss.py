"""XSS payloads in every text field come back escaped in every meldpunt HTML view."""
from __future__ import annotations

import pytest

from functions import wiring
from functions.adapters.queue import FakeQueue
from functions.meldpunt import formtoken
from tests.meldpunt_support import post_form, valid_fields

PAYLOADS = [
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</textarea><svg onload=alert(1)>",
    "javascript:alert(1)//\"onmouseover=alert(1) x=\"",
]
TEXT_FIELDS = ["beschrijving", "contact_email", "contact_telefoon", "datum", "token",
               formtoken.HONEYPOT_FIELD]
CHOICE_FIELDS = ["categorieen", "gronden", "rol", "wijk", "dagdeel"]


def assert_escaped(html: str, payload: str) -> None:
    assert payload not in html
    for raw in ("<script>alert(1)", "<img src=x", "<svg onload", "</textarea><svg"):
        if raw in payload:
            assert raw not in html, raw
    assert 'onmouseover=alert(1) x=""' not in html and '"onmouseover' not in html


def assert_safe_page(response) -> None:
    assert response.headers["Content-Type"].startswith("text/html")
    policy = dict((d.strip().split(" ", 1) + [""])[:2] for d in
                  response.headers["Content-Security-Policy"].split(";") if d.strip())
    # script-src (or, without it, default-src) allows no inline script
    assert "'unsafe-inline'" not in policy.get("script-src", policy["default-src"])
    assert policy["default-src"] == "'self'"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_re_rendered_form_escapes_every_field(client, payload):
    fields = {name: payload for name in TEXT_FIELDS if name != formtoken.HONEYPOT_FIELD}
    fields.update({name: payload for name in CHOICE_FIELDS})
    fields["contact_gewenst"] = payload
    fields["toestemming"] = payload
    response = post_form(client, fields)
    assert response.status_code == 400
    html = response.body.decode()
    assert_escaped(html, payload)
    assert_safe_page(response)
    if "<" in payload:
        assert "&lt;" in html  # the text really came back, escaped
    else:
        assert "&#34;" in html or "&#39;" in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_unavailable_page_escapes_what_it_keeps(client, aws, payload):
    queue = FakeQueue()
    queue.fail = True
    wiring.override(meldpunt_queue=queue)
    response = post_form(client, valid_fields(beschrijving=payload))
    assert response.status_code == 503
    html = response.body.decode()
    assert_escaped(html, payload)
    assert "&lt;" in html or "&#34;" in html or "&#39;" in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_status_and_withdrawal_escape_the_code(client, aws, payload):
    from urllib.parse import quote

    status = client.http.get(f"/meldpunt/status?code={quote(payload)}")
    assert status.status_code == 200
    assert_escaped(status.body.decode(), payload)
    withdraw = post_form(client, {"code": payload}, path="/meldpunt/intrekken")
    assert withdraw.status_code == 200
    assert_escaped(withdraw.body.decode(), payload)


@pytest.mark.parametrize("path", ["/meldpunt", "/meldpunt/status", "/meldpunt/intrekken"])
def test_the_language_parameter_and_header_are_never_reflected(client, path):
    payload = PAYLOADS[0]
    from urllib.parse import quote

    response = client.http.get(f"{path}?lang={quote(payload)}&x={quote(payload)}",
                               headers={"accept-language": payload, "accept": "text/html"})
    assert response.status_code == 200
    html = response.body.decode()
    assert_escaped(html, payload)  # also in the language links, which keep the query
    assert '<html lang="nl">' in html


def test_the_thank_you_page_shows_only_the_code(client, aws):
    response = post_form(client, valid_fields(beschrijving=PAYLOADS[0]))
    assert response.status_code == 200
    assert_escaped(response.body.decode(), PAYLOADS[0])
    assert "&lt;script" not in response.body.decode()  # the text is not shown back at all
