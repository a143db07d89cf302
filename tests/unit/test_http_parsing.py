import json
from types import SimpleNamespace

import pytest

from functions import errors
from functions.http import base_path, parse_body, wants_json


def request(body: bytes, ctype: str, accept: str = "", context=None):
    return SimpleNamespace(raw_body=body, headers={"content-type": ctype, "accept": accept},
                           context=context or {})


def test_form_and_json_give_the_same_fields():
    form = parse_body(request(b"email=a%40b.nl&werkgroepen=organizing&werkgroepen=communicatie",
                              "application/x-www-form-urlencoded"))
    as_json = parse_body(request(json.dumps({"email": "a@b.nl", "werkgroepen": ["organizing", "communicatie"]}).encode(),
                                 "application/json; charset=utf-8"))
    assert form == as_json
    assert form.first("email") == "a@b.nl"
    assert form.all("werkgroepen") == ["organizing", "communicatie"]


def test_json_booleans_become_flags():
    form = parse_body(request(b'{"toestemming": true, "contact_gewenst": false}', "application/json"))
    assert form.flag("toestemming") and not form.flag("contact_gewenst")


@pytest.mark.parametrize("body,ctype,status", [
    (b"x" * 40000, "application/x-www-form-urlencoded", 413),
    (b"email=%ff%fe", "application/x-www-form-urlencoded", 400),
    (b"\xff\xfe", "application/json", 400),
    (b"{not json", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b"a=b", "text/plain", 415),
    (b"&".join(b"f%d=1" % i for i in range(500)), "application/x-www-form-urlencoded", 400),
])
def test_unusable_bodies_are_client_errors(body, ctype, status):
    with pytest.raises(errors.BadRequest) as exc:
        parse_body(request(body, ctype))
    assert exc.value.status == status


def test_nested_json_values_are_a_field_error():
    with pytest.raises(errors.ValidationError) as exc:
        parse_body(request(b'{"email": {"x": 1}}', "application/json"))
    assert "email" in exc.value.errors


def test_json_clients_get_json_and_browsers_get_html():
    assert wants_json(request(b"", "application/json"))
    assert wants_json(request(b"", "", accept="application/json"))
    assert not wants_json(request(b"", "application/x-www-form-urlencoded", accept="text/html,*/*"))


def test_base_path_is_the_stage_prefix_behind_api_gateway():
    ctx = {"path": "/api/meldpunt/meldingen/abc", "resourcePath": "/meldpunt/meldingen/{id}"}
    assert base_path(request(b"", "", context=ctx)) == "/api"
    assert base_path(request(b"", "", context={"path": "/health", "resourcePath": "/health"})) == ""


def test_json_only_routes_answer_errors_in_json_even_to_browsers():
    from functions import http

    browser = request(b"", "", accept="text/html")
    response = http.handles_errors(lambda: browser, json_only=True)(
        lambda: (_ for _ in ()).throw(errors.NotFound("x")))()
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    html = http.handles_errors(lambda: browser)(lambda: (_ for _ in ()).throw(errors.NotFound("x")))()
    assert html.headers["Content-Type"].startswith("text/html")
