"""HTML pages: language negotiation, rendering with the shared globals, error texts."""
from __future__ import annotations

from typing import Any, Mapping

from functions import wiring
from functions.http import base_path, html_response


def language(request: Any) -> str:
    query = request.query_params or {}
    return wiring.renderer().catalogs.negotiate(query.get("lang"),
                                                request.headers.get("accept-language"))


def translate_errors(field_errors: Mapping[str, str], lang: str) -> dict[str, str]:
    """Error values are catalog keys where a key exists; other texts pass through."""
    catalogs = wiring.renderer().catalogs
    out = {}
    for field, key in field_errors.items():
        try:
            out[field] = catalogs.gettext(lang, key)
        except KeyError:
            out[field] = key
    return out


def render(request: Any, template: str, lang: str | None = None, **context: Any) -> str:
    lang = lang or language(request)
    context.setdefault("base", base_path(request))
    return wiring.renderer().render(template, lang, **context)


def page(request: Any, template: str, status: int = 200, lang: str | None = None,
         **context: Any) -> Any:
    return html_response(render(request, template, lang=lang, **context), status=status)
