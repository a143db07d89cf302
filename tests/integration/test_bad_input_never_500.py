"""Nothing a client sends gets a 500: seeded random bodies, queries and path parameters
against every route in ``app.routes`` (guarded ones with a token of an allowed role)."""
from __future__ import annotations

import json
import random
import re
from datetime import datetime, timezone
from urllib.parse import quote, urlencode

import pytest

import app as app_module
from functions import auth, http, tokens

SEED = 20261127
ROUNDS = 25

NASTY_STRINGS = ["", " ", "0", "-1", "9" * 40, "null", "true", "[]", "{}", "2026-02-30", "2026-13",
                 "1900-01-01", "9999-12-31", "<script>alert(1)</script>", "' OR 1=1 --", "=cmd|' /C calc'!A0",
                 "\u0000", "\ud7ff\ue000", "😀" * 50, "a" * 5000, "%", "%zz", "../../etc/passwd",
                 "WK051829", "onbekend", "nieuw", "afgehandeld", "bij1_x", "\r\n\r\n", "é" * 300]
FIELDS = ["email", "voornaam", "werkgroepen", "categorieen", "gronden", "rol", "wijk", "datum", "dagdeel",
          "beschrijving", "contact_gewenst", "contact_email", "contact_telefoon", "toestemming", "token",
          "website", "code", "status", "notitie", "van", "tot", "limit", "cursor", "lang", "stadsdeel"]
# the kalender's fields (changes, one-off events, op afspraak)
FIELDS += ["naam", "onderwerp", "activiteit", "start", "eind", "reden", "thema", "sprekers", "titel",
           "titel_en", "publiek", "werkgroep", "plaats", "adres", "link", "online"]


def random_value(rng: random.Random):
    kind = rng.randrange(7)
    if kind == 0:
        return rng.choice(NASTY_STRINGS)
    if kind == 1:
        return [rng.choice(NASTY_STRINGS) for _ in range(rng.randrange(0, 4))]
    if kind == 2:
        return rng.choice([0, -5, 3.14, 10**30, True, False, None])
    if kind == 3:
        return {"nested": rng.choice(NASTY_STRINGS)}
    if kind == 4:
        return [{"x": 1}, [1, 2]]
    if kind == 5:
        return "".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randrange(1, 40)))
    return rng.choice(NASTY_STRINGS) * rng.randrange(1, 3)


def random_fields(rng: random.Random) -> dict:
    return {rng.choice(FIELDS): random_value(rng) for _ in range(rng.randrange(0, 10))}


def form_body(fields: dict) -> bytes:
    flat = []
    for k, v in fields.items():
        for item in (v if isinstance(v, list) else [v]):
            flat.append((k, item if isinstance(item, str) else json.dumps(item)))
    return urlencode(flat).encode()


def random_body(rng: random.Random) -> tuple[dict, bytes]:
    kind = rng.randrange(6)
    fields = random_fields(rng)
    if kind == 0:
        return {"content-type": "application/json"}, json.dumps(fields).encode()
    if kind == 1:
        return {"content-type": "application/x-www-form-urlencoded"}, form_body(fields)
    if kind == 2:
        return {"content-type": "application/json"}, bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
    if kind == 3:
        return {"content-type": "application/x-www-form-urlencoded"}, bytes(rng.randrange(256) for _ in range(200))
    if kind == 4:
        return {"content-type": rng.choice(["text/plain", "multipart/form-data; boundary=x", "application/xml",
                                            "application/json; charset=latin-1"])}, b"a=b"
    return {"content-type": "application/json"}, json.dumps(rng.choice([[1, 2], "x", 3, None])).encode()


@pytest.fixture
def principals(aws):
    from functions import wiring

    now = datetime(2026, 11, 27, tzinfo=timezone.utc)
    return {role: tokens.issue(role, f"fuzz-{role}", wiring.table(), now)[0]
            for role in ("bestuur", "politieke-agenda", "communicatie", "organizing")}


def routes():
    for path, methods in app_module.app.routes.items():
        for method, entry in methods.items():
            yield path, method, entry


def test_no_route_answers_500_to_anything_a_client_sends(client, principals):
    rng = random.Random(SEED)
    failures = []
    for path, method, entry in routes():
        headers = {}
        if entry.authorizer is not None:
            role = sorted(auth.AUTHORIZER_ROLES[entry.authorizer.name])[0]
            headers["authorization"] = f"Bearer {principals[role]}"
        for _ in range(ROUNDS):
            concrete = re.sub(r"\{[^}]+\}", lambda _: quote(rng.choice(NASTY_STRINGS), safe="") or "x", path)
            query = urlencode({k: v if isinstance(v, str) else json.dumps(v)
                               for k, v in random_fields(rng).items()})
            url = f"{concrete}?{query}" if query else concrete
            extra = {"accept": rng.choice(["text/html", "application/json", "*/*"]),
                     "accept-language": rng.choice(["nl", "en", "xx", "", "*;q=abc"])}
            if method in ("POST", "PUT", "PATCH"):
                body_headers, body = random_body(rng)
                response = client.http.request(method, url, headers={**headers, **extra, **body_headers}, body=body)
            else:
                response = client.http.request(method, url, headers={**headers, **extra})
            if response.status_code >= 500:
                failures.append(f"{method} {url[:120]} -> {response.status_code}")
    assert not failures, "\n".join(failures[:20])


# --- lone surrogates, deep nesting and wrong JSON types, to every route (issue #6) -------------

JSON_ACCEPT = {"accept": "application/json"}
DEEP = 3000


def route_fields() -> dict[str, dict[str, str]]:
    """What each body route reads, and as which kind (the app's own declarations)."""
    from functions.meldpunt import review, validatie
    from functions.meldpunt.paginas import CODE_NAMES
    from functions.nieuwsbrief import aanmelden

    return {"/meldpunt": dict(validatie.BODY_FIELDS),
            "/meldpunt/bedankt": {"code": http.TEXT},
            "/meldpunt/intrekken": {name: http.TEXT for name in CODE_NAMES},
            "/meldpunt/status": {name: http.TEXT for name in CODE_NAMES},
            "/meldpunt/meldingen/{melding_id}/status": dict(review.STATUS_FIELDS),
            "/nieuwsbrief/aanmelden": dict(aanmelden.FIELDS)}


# wrong JSON values per kind, as JSON text: each must be refused naming the field
WRONG = {
    http.TEXT: ['["a", "b"]', "[]", '[1]', "5", "3.14", "true", "false", '{"a": "b"}', "[[\"a\"]]"],
    http.LIST: ['"nafluiten"', '""', "5", "true", '{"a": ["b"]}', "[1, 2]", '[["a"]]', "[null]", "[true]"],
    http.FLAG: ['"misschien"', '["true"]', "1", "0.5", '{"on": true}', "[]"],
}
# numbers JSON can write but nothing here can store: refused, for any field
BAD_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 5000, "-" + "1" * 5000,
               "0." + "1" * 40]
SURROGATES = ['"\\ud800"', '"x\\udfffy"', '["\\ud800"]', '"\\udc00\\ud800"']


def refused(path: str, status: int) -> bool:
    """A 400 on the routes whose fields we know; on a body route added later (its fields not
    listed in route_fields), any 4xx (it may look its item up before it reads the body)."""
    return status == 400 if path in route_fields() else 400 <= status < 500


def guarded_headers(entry, principals) -> dict:
    if entry.authorizer is None:
        return {}
    role = sorted(auth.AUTHORIZER_ROLES[entry.authorizer.name])[0]
    return {"authorization": f"Bearer {principals[role]}"}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "0123456789abcdef0123456789abcdef", path)


def body_routes():
    return [(path, method, entry) for path, method, entry in routes() if method in ("POST", "PUT", "PATCH")]


def send_json(client, method, path, entry, principals, text, accept=JSON_ACCEPT):
    headers = {**guarded_headers(entry, principals), **accept, "content-type": "application/json"}
    return client.http.request(method, concrete(path), headers=headers, body=text.encode("utf-8"))


def assert_one_error_shape(response, what: str) -> dict:
    assert response.headers["Content-Type"].startswith("application/json"), what
    body = json.loads(response.body)
    assert isinstance(body, dict) and set(body) <= {"error", "errors"}, f"{what}: {body}"
    assert isinstance(body["error"], str) and body["error"], what
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in body.get("errors", {}).items()), what
    return body


def test_wrong_json_types_for_every_field_are_a_400_naming_the_field(client, principals):
    known = route_fields()
    failures = []
    for path, method, entry in body_routes():
        fields = known.get(path) or {name: None for name in FIELDS}
        for name, kind in fields.items():
            for value in (WRONG[kind] if kind else sorted({v for vs in WRONG.values() for v in vs})):
                text = f'{{"{name}": {value}}}'
                response = send_json(client, method, path, entry, principals, text)
                what = f"{method} {path} {text[:60]} -> {response.status_code}"
                if not refused(path, response.status_code):
                    failures.append(what)
                    continue
                body = assert_one_error_shape(response, what)
                if kind and name not in body.get("errors", {}):
                    failures.append(f"{what}: does not name {name}: {body}")
    assert not failures, "\n".join(failures[:20])


def test_numbers_nothing_can_store_are_refused_for_every_field(client, principals):
    failures = []
    for path, method, entry in body_routes():
        for name in sorted(route_fields().get(path) or FIELDS):
            for value in BAD_NUMBERS:
                response = send_json(client, method, path, entry, principals, f'{{"{name}": {value}}}')
                what = f"{method} {path} {name}={value[:20]} -> {response.status_code}"
                if not refused(path, response.status_code):
                    failures.append(what)
                    continue
                body = assert_one_error_shape(response, what)
                if not ({name, http.BODY} & set(body.get("errors", {}))):
                    failures.append(f"{what}: says neither the field nor the body: {body}")
    assert not failures, "\n".join(failures[:20])


def test_null_means_absent_and_answers_as_an_empty_body_does(client, principals):
    failures = []
    for path, method, entry in body_routes():
        empty = send_json(client, method, path, entry, principals, "{}")
        assert empty.status_code < 500, f"{method} {path} {{}} -> {empty.status_code}"
        for name in sorted(route_fields().get(path) or FIELDS):
            response = send_json(client, method, path, entry, principals, f'{{"{name}": null}}')
            if response.status_code != empty.status_code:
                failures.append(f"{method} {path} {name}=null -> {response.status_code}, "
                                f"{{}} -> {empty.status_code}")
            elif response.status_code >= 400:
                assert_one_error_shape(response, f"{method} {path} {name}=null")
    assert not failures, "\n".join(failures[:20])


def test_lone_surrogates_in_json_are_a_400_naming_the_field(client, principals):
    failures = []
    for path, method, entry in body_routes():
        for name in sorted(route_fields().get(path) or FIELDS):
            for value in SURROGATES:
                text = f'{{"{name}": {value}}}'
                response = send_json(client, method, path, entry, principals, text)
                what = f"{method} {path} {text} -> {response.status_code}"
                if not refused(path, response.status_code):
                    failures.append(what)
                else:
                    body = assert_one_error_shape(response, what)
                    if path in route_fields() and name not in body.get("errors", {}):
                        failures.append(f"{what}: does not name {name}")
        # ... and in a field's name
        response = send_json(client, method, path, entry, principals, '{"na\\ud800me": "x"}')
        if not refused(path, response.status_code):
            failures.append(f"{method} {path} surrogate in a name -> {response.status_code}")
        else:
            assert_one_error_shape(response, f"{method} {path} surrogate in a name")
    assert not failures, "\n".join(failures[:20])


def test_lone_surrogates_percent_encoded_in_forms_are_a_400_naming_the_field(client, principals):
    # %ED%A0%80 is a surrogate written as UTF-8 bytes: not valid UTF-8 text
    failures = []
    for path, method, entry in body_routes():
        for name in sorted(route_fields().get(path) or FIELDS):
            for encoded in ("%ED%A0%80", "x%ED%B3%BFy", "%F0%9F"):
                headers = {**guarded_headers(entry, principals), **JSON_ACCEPT,
                           "content-type": "application/x-www-form-urlencoded"}
                response = client.http.request(method, concrete(path), headers=headers,
                                               body=f"{name}={encoded}".encode("ascii"))
                what = f"{method} {path} {name}={encoded} -> {response.status_code}"
                if path not in route_fields():  # a form may carry fields a route does not read
                    if response.status_code >= 500:
                        failures.append(what)
                elif response.status_code != 400:
                    failures.append(what)
                elif name not in assert_one_error_shape(response, what).get("errors", {}):
                    failures.append(f"{what}: does not name {name}")
    assert not failures, "\n".join(failures[:20])


def test_lone_surrogates_in_queries_and_paths_never_reach_a_500(client, principals):
    failures = []
    names = sorted(set(FIELDS) | {"code", "lang", "status", "at"})
    for path, method, entry in routes():
        headers = {**guarded_headers(entry, principals), **JSON_ACCEPT}
        urls = [f"{concrete(path)}?{name}={encoded}" for name in names
                for encoded in ("%ED%A0%80", "a%ED%BF%BFb")]
        urls.append(f"{concrete(path)}?%ED%A0%80=1")
        if "{" in path:
            urls.append(re.sub(r"\{[^}]+\}", "%ED%A0%80", path))
        for url in urls:
            if method in ("POST", "PUT", "PATCH"):
                response = client.http.request(method, url, body=b"{}", headers={
                    **headers, "content-type": "application/json"})
            else:
                response = client.http.request(method, url, headers=headers)
            if response.status_code >= 500:
                failures.append(f"{method} {url} -> {response.status_code}")
            elif response.status_code >= 400:
                assert_one_error_shape(response, f"{method} {url}")
    assert not failures, "\n".join(failures[:20])


def test_json_nested_3000_deep_is_a_400_on_every_body_route(client, principals):
    bodies = ["[" * DEEP + "]" * DEEP, '{"a": ' * DEEP + "1" + "}" * DEEP]
    failures = []
    for path, method, entry in body_routes():
        for name in sorted(route_fields().get(path) or FIELDS)[:3] + [None]:
            for deep in bodies:
                text = deep if name is None else f'{{"{name}": {deep}}}'
                for accept in (JSON_ACCEPT, {"accept": "text/html"}):
                    response = send_json(client, method, path, entry, principals, text, accept)
                    what = f"{method} {path} {name} nested {DEEP} deep ({accept['accept']})"
                    if not refused(path, response.status_code):
                        failures.append(f"{what} -> {response.status_code}")
                    elif accept is JSON_ACCEPT:
                        assert_one_error_shape(response, what)
    assert not failures, "\n".join(failures[:20])
