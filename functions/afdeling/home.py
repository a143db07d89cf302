"""The home page's list of what the site offers, and the favicon.

An area appears on the home page once its page exists in the app (its route is
registered), so the page never links to something that is not there yet.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from chalice import Response


@dataclass(frozen=True)
class Onderdeel:
    key: str    # catalog key prefix: afdeling.<key>.titel / .tekst
    path: str   # the page
    discreet: bool = False  # a small link under the list (afdeling.<key>.titel only)


# In the order the home page shows them.
ONDERDELEN = (
    Onderdeel("meldpunt", "/meldpunt"),
    Onderdeel("cijfers", "/meldpunt/cijfers"),
    Onderdeel("kalender", "/kalender"),
    Onderdeel("agendas", "/agendas"),
    Onderdeel("nieuwsbrief", "/nieuwsbrief/aanmelden"),
    Onderdeel("nieuwsbrief_archief", "/nieuwsbrief"),
    Onderdeel("doelen", "/doelen"),
    Onderdeel("beheer", "/beheer", discreet=True),  # sign-in for bestuur and werkgroepen
)

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#7a1fa2"/>'
    '<text x="16" y="22" font-family="system-ui,sans-serif" font-size="15" font-weight="700" '
    'text-anchor="middle" fill="#fff">BIJ1</text></svg>')


def onderdelen(routes: Mapping[str, Mapping[str, Any]]) -> list[Onderdeel]:
    return [o for o in ONDERDELEN if "GET" in routes.get(o.path, {})]


def favicon() -> Response:
    return Response(body=FAVICON, status_code=200,
                    headers={"Content-Type": "image/svg+xml",
                             "Cache-Control": "public, max-age=86400",
                             "X-Content-Type-Options": "nosniff"})


# The API's OpenAPI document: docs/openapi.yaml in the checkout, and at the same place in the
# deployment zip (vendor/docs/openapi.yaml is a symlink to it: docs/decisions/001 and 013).
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
OPENAPI_TYPE = "application/yaml; charset=utf-8"  # RFC 9512


@lru_cache(maxsize=1)
def _openapi() -> tuple[str, str]:
    raw = OPENAPI.read_bytes()
    return raw.decode("utf-8"), '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


def openapi_document(if_none_match: str | None) -> Response:
    """``GET /openapi.yaml``: the document, cached five minutes, 304 for a current ETag."""
    body, tag = _openapi()
    headers = {"Content-Type": OPENAPI_TYPE, "ETag": tag, "Cache-Control": "public, max-age=300",
               "X-Content-Type-Options": "nosniff"}
    if tag in [t.strip() for t in (if_none_match or "").split(",")]:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=body, status_code=200, headers=headers)
