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
from functions import auth, tokens

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
