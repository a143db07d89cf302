"""The home page's list of what the site offers, and the favicon.

An area appears on the home page once its page exists in the app (its route is
registered), so the page never links to something that is not there yet.
"""
from __future__ import annotations

from dataclasses import dataclass
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
