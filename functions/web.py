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


def submit_form(request: Any, form_template: str, *, handle: Any, success_template: str,
                json_status: int = 201, **context: Any) -> Any:
    """The one flow of every public form, for browsers (HTML) and scripts (JSON).

    ``handle(form, lang)`` validates and durably accepts the submission, returning a dict: the JSON
    answer, and ``result`` in the thank-you template. Invalid input → 400 with the form re-rendered, every value
    kept and a message per field (JSON: ``{"errors": {...}}``). A dependency outage → 503
    with the form re-rendered, values kept, asking to try again. Success → the thank-you
    page, which therefore means "stored durably".
    """
    from functions.errors import TemporarilyUnavailable, ValidationError
    from functions.http import json_response, parse_body, wants_json

    lang = language(request)
    form = parse_body(request)
    as_json = wants_json(request)
    try:
        result = handle(form, lang)
    except ValidationError as exc:
        if as_json:
            raise
        return page(request, form_template, status=400, lang=lang,
                    errors=translate_errors(exc.errors, lang), values=form.kept(), **context)
    except TemporarilyUnavailable:
        if as_json:
            raise
        return page(request, form_template, status=503, lang=lang,
                    errors=translate_errors({"_form": "error.try_again"}, lang),
                    values=form.kept(), **context)
    if as_json:
        return json_response(result, status=json_status)
    return page(request, success_template, lang=lang, result=result, **context)
