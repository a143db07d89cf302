"""docs/api.md lists every route with the access it really has."""
import re
from pathlib import Path

import app as app_module
from functions import auth

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROLE_WORDS = {"bestuur_token": "bestuur", "meldpunt_review_token": "politieke-agenda, bestuur",
              "politieke_agenda_token": "politieke-agenda",
              "beheer_token": "bestuur, communicatie, politieke-agenda, organizing"}


def documented():
    rows = {}
    for method, path, access in re.findall(r"^\| (GET|POST|PUT|DELETE) \| `([^`]+)` \| ([^|]+) \|",
                                           DOC.read_text(), flags=re.M):
        rows[(path, method)] = access.strip()
    return rows


def test_every_route_is_documented_with_its_access():
    rows = documented()
    for path, methods in app_module.app.routes.items():
        for method, entry in methods.items():
            assert (path, method) in rows, f"{method} {path} missing from docs/api.md"
            expected = ROLE_WORDS[entry.authorizer.name] if entry.authorizer else "public"
            assert rows[(path, method)] == expected, f"{method} {path}: docs say {rows[(path, method)]}"


def test_the_docs_name_no_route_that_does_not_exist():
    routes = {(p, m) for p, ms in app_module.app.routes.items() for m in ms}
    assert set(documented()) <= routes


def test_role_words_match_the_authorizers():
    for name, roles in auth.AUTHORIZER_ROLES.items():
        assert set(ROLE_WORDS[name].split(", ")) == set(roles)
