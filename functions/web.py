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
    context.setdefault("lang_links", lang_links(request))
    return wiring.renderer().render(template, lang, **context)


def lang_links(request: Any) -> dict[str, str]:
    """Per language, this page's link in that language: the same query with ``lang`` changed
    (a page of figures keeps its period, a status page its code)."""
    from urllib.parse import urlencode

    from functions.http import valid_text

    params = request.query_params or {}
    kept = [(k, v) for k in params.keys() if k != "lang"
            for v in (params.getlist(k) if hasattr(params, "getlist") else [params[k]])
            if isinstance(v, str) and valid_text(k) and valid_text(v)]
    return {code: "?" + urlencode(kept + [("lang", code)])
            for code in wiring.renderer().catalogs.languages}


def page(request: Any, template: str, status: int = 200, lang: str | None = None,
         **context: Any) -> Any:
    return html_response(render(request, template, lang=lang, **context), status=status)


def submit_form(request: Any, form_template: str, *, handle: Any, success_template: str,
                fields: Any = None, json_status: int = 201, max_bytes: int | None = None,
                unavailable_template: str | None = None, form_context: Any = None,
                success_context: Any = None, **context: Any) -> Any:
    """The one flow of every public form, for browsers (HTML) and scripts (JSON).

    ``handle(form, lang)`` validates and durably accepts the submission, returning a dict:
    the JSON answer, and ``result`` in the thank-you template. Invalid input → 400 with the
    form re-rendered, every value kept and a message per field (JSON: ``{"errors": {...}}``).
    Too early (a form token younger than its minimum age) → 429 with Retry-After, the form
    again with every value kept. A dependency outage → 503 (``unavailable_template`` or the
    form), values kept, asking to try again. Success → the thank-you page, which therefore means "stored durably".
    ``form_context(form, errors, keys)`` builds the re-render context when a form needs more
    than ``values`` and ``errors`` (default: those two plus ``context``); ``errors`` are the
    texts to show, ``keys`` the catalog keys they came from. ``success_context(result)``
    adds to the thank-you page's context.
    """
    from functions.errors import TemporarilyUnavailable, TooEarly, ValidationError
    from functions.http import (DEFAULT_MAX_BODY, error_headers, html_response, json_response,
                                parse_body, wants_json)

    lang = language(request)
    form = parse_body(request, fields, max_bytes=max_bytes or DEFAULT_MAX_BODY)
    as_json = wants_json(request)

    def again(template: str, status: int, errors: Mapping[str, str],
              headers: Mapping[str, str] | None = None) -> Any:
        shown = translate_errors(errors, lang)
        extra = (form_context(form, shown, errors) if form_context
                 else {"values": form.kept(), "errors": shown, **context})
        return html_response(render(request, template, lang=lang, **extra), status=status,
                             headers=headers)

    try:
        result = handle(form, lang)
    except ValidationError as exc:
        if as_json:
            raise
        return again(form_template, 400, exc.errors)
    except TooEarly as exc:
        if as_json:
            raise
        return again(form_template, 429, exc.errors, headers=error_headers(exc))
    except TemporarilyUnavailable:
        if as_json:
            raise
        return again(unavailable_template or form_template, 503, {"_form": "error.try_again"})
    if as_json:
        return json_response(result, status=json_status)
    extra = success_context(result) if success_context else {}
    return page(request, success_template, lang=lang, result=result, **context, **extra)
