"""HTTP plumbing shared by every route: body parsing, responses, the one error map.

Entry points only translate: they parse with :func:`parse_body`, call one service
function, and return :func:`html_response` / :func:`json_response`. Domain errors
become HTTP statuses in :func:`handles_errors`, never in try/except per route.
"""
from __future__ import annotations

import functools
import json
import logging
import re
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qsl

from chalice import Response

from functions import errors
from functions.fields import FLAG, INTEGER, LIST, TEXT, Fields  # noqa: F401  (re-exported)
from functions.logs import log_event

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
FORM_CONTENT_TYPES = [FORM, JSON]
DEFAULT_MAX_BODY = 32 * 1024
MAX_FIELDS = 100

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        # no script at all: the public pages work without JavaScript (the beheer pages,
        # which need it, send their own policy: functions/beheer/pagina.py)
        "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class FormData(dict):
    """Field name -> list of strings, the same for a browser form and for JSON."""

    def first(self, name: str, default: str = "") -> str:
        values = self.get(name) or []
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        return [v for v in (self.get(name) or []) if v != ""]

    def flag(self, name: str) -> bool:
        return self.first(name).strip().lower() in {"1", "true", "on", "yes", "ja"}

    def kept(self) -> dict[str, Any]:
        """Values to put back into a re-rendered form (lists stay lists)."""
        return {k: (v if len(v) != 1 else v[0]) for k, v in self.items()}


# What a field holds (functions.fields). A JSON client must send exactly this type.

MAX_NUMBER_DIGITS = 30
BODY = "_body"  # the key of errors about the request body as a whole


# Routes whose bodies are neither form nor JSON (an agenda's Markdown or PDF) name what they
# take here, keyed by (resource path, method), so a 415 tells the client the right types.
ACCEPTED_TYPES: dict[tuple[str, str], tuple[str, ...]] = {}


def too_large(max_bytes: int) -> str:
    """The 413's text, in sizes a person reads (and the exact bytes for a script)."""
    size = f"{max_bytes / 1024 / 1024:g} MiB" if max_bytes >= 1024 * 1024 else f"{max_bytes / 1024:g} KiB"
    return f"te groot: hoogstens {size} / too large: at most {size} ({max_bytes} bytes)"


def raw_document(request: Any, max_bytes: int) -> bytes:
    """The body of a route that takes a whole document (not form or JSON): bytes, at most
    ``max_bytes`` (413 beyond). Its content type is the route's to check."""
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > max_bytes:
        raise errors.BadRequest(too_large(max_bytes), status=413)
    return raw


def content_type(headers: Mapping[str, str]) -> str:
    return (headers.get("content-type") or "").split(";")[0].strip().lower()


def valid_text(value: str) -> bool:
    """Unicode text that can be stored, encrypted and sent: no lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# In a field's text: no control character but tab and line breaks (C0, DEL, C1), and no bidi
# embedding, override or isolate (U+202A-U+202E, U+2066-U+2069): a control character stored in
# one field breaks what it later flows into (a roster name in an agenda draft, a feed, a CSV), an
# override shows a reviewer other text than was sent. Right-to-left text itself is fine.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def field_text(value: str) -> bool:
    """Text a field may hold: valid Unicode (:func:`valid_text`) without control characters
    (tab, LF and CR are text) and without bidi embeddings, overrides or isolates."""
    return valid_text(value) and not _NOT_TEXT.search(value)


def printable_name(name: str) -> str:
    """A client's field name as we can safely echo it in an error (escaped, at most 40 chars)."""
    return name.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")[:40]


def parse_body(request: Any, fields: Fields | None = None,
               max_bytes: int = DEFAULT_MAX_BODY) -> FormData:
    """Parse a form or JSON body into :class:`FormData`, checked against ``fields``.

    Whole-body problems raise BadRequest (400, or 413/415) with a message under ``_body``;
    field problems raise ValidationError naming each field: a JSON value of the wrong type,
    a second value for a one-value field, text that is not valid Unicode, and (JSON only,
    where a typo is a script's bug) a field the route does not know. ``fields=None`` takes
    any field as text or a list of text.
    """
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise errors.BadRequest(too_large(max_bytes), status=413)
    ctype = content_type(request.headers)
    if ctype not in (FORM, JSON):
        raise errors.BadRequest(
            f"gebruik / use Content-Type {FORM} or {JSON}", status=415)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.BadRequest(f"geen geldige UTF-8 / not valid UTF-8 (byte {exc.start})") from exc
    if ctype == FORM:
        pairs = _form_pairs(text)
        strict_names = False
    else:
        pairs = _json_pairs(text)
        strict_names = True
    return _typed(pairs, fields, strict_names)


def no_body(request: Any) -> None:
    """For an action that takes no fields (``POST .../goedkeuren``): no body is fine, whatever
    the content type; a body is read as strictly as any (a field in it is unknown, junk 400s)."""
    if request.raw_body:
        parse_body(request, {})


def _form_pairs(text: str) -> list[tuple[str, Any]]:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, encoding="utf-8",
                          errors="surrogateescape", max_num_fields=MAX_FIELDS)
    except ValueError as exc:
        raise errors.BadRequest(f"te veel velden / too many fields (at most {MAX_FIELDS})") from exc
    return pairs


class _JsonProblem(ValueError):
    pass


def _json_pairs(text: str) -> list[tuple[str, Any]]:
    if not text.strip():
        return []

    def constant(name: str) -> Any:
        raise _JsonProblem(f"{name} is geen geldig getal / is not a valid number")

    def number(raw: str) -> Any:
        if len(raw) > MAX_NUMBER_DIGITS:
            raise _JsonProblem(f"getal te lang / number too long (at most {MAX_NUMBER_DIGITS} characters)")
        value = float(raw) if any(c in raw for c in ".eE") else int(raw)
        if value in (float("inf"), float("-inf")):
            raise _JsonProblem("getal te groot / number out of range")
        return value

    def unique(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen = set()
        for key, _ in items:
            if key in seen:
                raise _JsonProblem(f"veld dubbel / duplicate field: {printable_name(key)}")
            seen.add(key)
        return dict(items)

    try:
        data = json.loads(text, parse_constant=constant, parse_int=number, parse_float=number,
                          object_pairs_hook=unique)
    except RecursionError as exc:
        raise errors.BadRequest("te diep genest / nested too deeply") from exc
    except _JsonProblem as exc:
        raise errors.BadRequest(str(exc)) from exc
    except ValueError as exc:
        where = ""
        if isinstance(exc, json.JSONDecodeError):
            where = f": {exc.msg} (regel/line {exc.lineno}, kolom/column {exc.colno})"
        raise errors.BadRequest(f"geen geldige JSON / not valid JSON{where}") from exc
    if not isinstance(data, dict):
        raise errors.BadRequest("verwacht een JSON-object / expected a JSON object {...}, "
                                f"not {_json_type(data)}")
    if len(data) > MAX_FIELDS:
        raise errors.BadRequest(f"te veel velden / too many fields (at most {MAX_FIELDS})")
    return list(data.items())


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _typed(pairs: list[tuple[str, Any]], fields: Fields | None, strict_names: bool) -> FormData:
    values: dict[str, list[str]] = {}
    problems: dict[str, str] = {}
    for name, value in pairs:
        shown = printable_name(name)
        if not field_text(name):
            problems[shown] = "error.invalid_characters"
            continue
        if value is None and strict_names:
            continue  # JSON null is "absent", also for a field the route does not know
        kind = (fields or {}).get(name, None if fields is not None else "any")
        if kind is None:
            if strict_names:
                problems[shown] = "error.unknown_field"
            continue
        try:
            got = _as_strings(value, kind, from_json=strict_names)
        except _FieldProblem as exc:
            problems[shown] = exc.key
            continue
        if name in values and kind != LIST and kind != "any":
            problems[shown] = "error.one_value"
            continue
        values.setdefault(name, []).extend(got)
    if problems:
        raise errors.ValidationError(problems)
    return FormData({k: [v.replace("\r\n", "\n") for v in vs] for k, vs in values.items()})


class _FieldProblem(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _as_strings(value: Any, kind: str, from_json: bool) -> list[str]:
    """One field's value as strings, or _FieldProblem naming what is wrong with it."""
    if value is None and from_json:
        return []
    if kind == INTEGER:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10 ** 9:
            return [str(value)]
        if isinstance(value, str) and not from_json and (value == "" or _FORM_INTEGER.match(value)):
            return [value] if value else []  # the same integers a JSON client may send
        raise _FieldProblem("error.not_integer")
    if isinstance(value, str):
        if not field_text(value):
            raise _FieldProblem("error.invalid_characters")
        if from_json and kind == LIST:
            raise _FieldProblem("error.not_list")
        if from_json and kind == FLAG and value.strip().lower() not in FLAG_WORDS:
            raise _FieldProblem("error.not_flag")
        return [value]
    if isinstance(value, bool):
        if kind in (FLAG, "any"):
            return ["true" if value else ""]
        raise _FieldProblem("error.not_list" if kind == LIST else "error.not_text")
    if isinstance(value, list):
        if kind not in (LIST, "any"):
            raise _FieldProblem("error.one_value" if all(isinstance(v, str) for v in value)
                                else "error.not_text")
        if not all(isinstance(v, str) for v in value):
            raise _FieldProblem("error.not_list")
        if not all(field_text(v) for v in value):
            raise _FieldProblem("error.invalid_characters")
        return list(value)
    # numbers, objects
    raise _FieldProblem({LIST: "error.not_list", FLAG: "error.not_flag"}.get(kind, "error.not_text"))


_FORM_INTEGER = re.compile(r"-?[0-9]{1,9}\Z")  # ASCII digits; |n| < 10**9 as in JSON
FLAG_WORDS = {"", "0", "1", "true", "false", "on", "off", "yes", "no", "ja", "nee"}


def query(request: Any, names: Iterable[str] = ()) -> dict[str, str]:
    """The query string as one string per parameter, checked like a body: valid Unicode,
    one value each, at most ``MAX_QUERY_VALUE`` characters. Unknown parameters are ignored
    (caches and links add their own); a bad one raises ValidationError naming it."""
    raw = getattr(request, "query_params", None) or {}
    wanted = set(names)
    out: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name in list(raw.keys()):
        if wanted and name not in wanted:
            continue
        all_values = raw.getlist(name) if hasattr(raw, "getlist") else [raw[name]]
        if len(all_values) > 1:
            problems[printable_name(name)] = "error.one_value"
            continue
        value = all_values[0] if all_values else ""
        if not isinstance(value, str) or not field_text(value) or not field_text(name):
            problems[printable_name(name)] = "error.invalid_characters"
        elif len(value) > MAX_QUERY_VALUE:
            problems[printable_name(name)] = "error.too_long"
        else:
            out[name] = value
    if problems:
        raise errors.ValidationError(problems)
    return out


MAX_QUERY_VALUE = 1000


def wants_html(request: Any) -> bool:
    """Browsers ask for HTML (every navigation's Accept names text/html); everyone else,
    and every JSON body, gets JSON."""
    if content_type(request.headers) == JSON:
        return False
    accept = (request.headers.get("accept") or "").lower()
    return "text/html" in accept or "application/xhtml+xml" in accept


def wants_json(request: Any) -> bool:
    return not wants_html(request)


def base_path(request: Any) -> str:
    """The URL prefix in front of our routes (``/api`` behind API Gateway, '' locally)."""
    ctx = getattr(request, "context", None) or {}
    path, resource = ctx.get("path") or "", ctx.get("resourcePath") or ""
    if resource and path.endswith(_strip_params(path, resource)):
        prefix = path[: len(path) - len(_strip_params(path, resource))]
        return prefix.rstrip("/")
    return ""


def _strip_params(path: str, resource: str) -> str:
    # /meldpunt/{id} vs /api/meldpunt/abc: compare segment counts instead of text
    n = len([s for s in resource.split("/") if s])
    segments = [s for s in path.split("/") if s]
    return "/" + "/".join(segments[len(segments) - n:]) if n else "/"


def _encodable(text: str) -> str:
    """Text that encodes as UTF-8 (a lone surrogate would fail the response, not the request)."""
    return text if valid_text(text) else text.encode("utf-8", "backslashreplace").decode("utf-8")


def html_response(body: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body=_encodable(body), status_code=status,
                    headers={"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS,
                             **(headers or {})})


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body=_encodable(json.dumps(data, ensure_ascii=False, default=str)),
                    status_code=status,
                    headers={"Content-Type": "application/json; charset=utf-8",
                             "Cache-Control": "no-store", **(headers or {})})


def text_response(body: str, content_type_: str, status: int = 200,
                  headers: Mapping[str, str] | None = None) -> Response:
    return Response(body=_encodable(body), status_code=status,
                    headers={"Content-Type": content_type_, **(headers or {})})


_STATUS = [
    (errors.ValidationError, 400),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.AlreadyExists, 409),
    (errors.TooEarly, 429),
    (errors.TemporarilyUnavailable, 503),
    (errors.MailchimpError, 502),
]

# The one error shape, for every error the app or the gateway answers (docs/api.md):
# {"error": <what went wrong, NL / EN>, "errors": {<field or "_body">: <message>}}.
MESSAGES = {
    400: "Ongeldige invoer / Invalid input",
    401: "Niet ingelogd: token ontbreekt / Unauthorized: no token",
    403: "Geen toegang met dit token / Forbidden for this token",
    404: "Niet gevonden / Not found",
    405: "Deze methode kan hier niet / Method not allowed",
    409: "Niet toegestaan in deze toestand / Not allowed in this state",
    413: "Te groot / Too large",
    415: "Dit formaat wordt niet ondersteund / Unsupported content type",
    429: "Te snel: probeer het zo opnieuw / Too early: please try again shortly",
    502: "Een externe dienst gaf een fout / An outside service failed",
    503: "Tijdelijk niet beschikbaar, probeer het later opnieuw / Temporarily unavailable, "
         "please try again later",
    500: "Er ging iets mis aan onze kant / Something went wrong on our side",
}
_MESSAGES = MESSAGES


def status_for(exc: BaseException) -> int:
    if isinstance(exc, errors.BadRequest):
        return exc.status
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_body(status: int, field_errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The JSON of an error answer (also used by the gateway responses in infra/)."""
    payload: dict[str, Any] = {"error": MESSAGES.get(status, MESSAGES[500])}
    if field_errors:
        payload["errors"] = dict(field_errors)
    return payload


def error_response(request: Any, status: int, field_errors: Mapping[str, str] | None = None,
                   json_only: bool = False, headers: Mapping[str, str] | None = None) -> Response:
    message = MESSAGES.get(status, MESSAGES[500])
    if field_errors and request is not None:
        from functions.web import language, translate_errors  # deferred import

        field_errors = translate_errors(field_errors, language(request))
    if request is not None and not json_only and wants_html(request):
        from functions.rendering import default_renderer  # deferred import

        body = default_renderer().render("error.html", "nl", status=status, message=message,
                                         field_errors=dict(field_errors or {}),
                                         base=base_path(request))
        return html_response(body, status=status, headers=headers)
    return json_response(error_body(status, field_errors), status=status, headers=headers)


def error_headers(exc: BaseException) -> dict[str, str]:
    retry_after = getattr(exc, "retry_after", None)
    return {"Retry-After": str(int(retry_after))} if retry_after else {}


def field_errors_of(exc: BaseException) -> dict[str, str] | None:
    if isinstance(exc, errors.BadRequest):
        return {BODY: str(exc)}
    return getattr(exc, "errors", None)


def unify_chalice_errors(request: Any, get_response: Callable[[Any], Response]) -> Response:
    """HTTP middleware: Chalice's own answers (415 for a content type a route does not take,
    405, an unhandled 500) in the one error shape instead of ``{"Code", "Message"}``."""
    response = get_response(request)
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"} and response.status_code >= 400:
        status = response.status_code
        details = None
        if status == 415:
            ctx = getattr(request, "context", None) or {}
            types = ACCEPTED_TYPES.get((str(ctx.get("resourcePath") or ""),
                                        str(ctx.get("httpMethod") or "").upper()), (FORM, JSON))
            details = {BODY: f"gebruik / use Content-Type {' or '.join(types)}"}
        elif status == 405:
            details = {BODY: "methode / method: " + str(response.headers.get("Allow", ""))}
        kept = {k: v for k, v in response.headers.items() if k.lower() == "allow"}
        return error_response(request, status, details, headers=kept)
    return response


def handles_errors(current_request: Callable[[], Any], json_only: bool = False) -> Callable:
    """Decorator factory: map the project's errors to statuses for one app.

    ``current_request`` returns the request being served (``lambda: app.current_request``);
    ``json_only`` answers errors in JSON whatever the client accepts (APIs for scripts).
    Unexpected exceptions are logged by type only (their text may hold personal data)
    and answered with a plain 500.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return view(*args, **kwargs)
            except errors.AppError as exc:
                status = status_for(exc)
                log_event("http.error", view=view.__name__, status=status,
                          error=type(exc).__name__)
                return error_response(current_request(), status, field_errors_of(exc), json_only,
                                      headers=error_headers(exc))
            except Exception as exc:  # noqa: BLE001 - the last line of defence
                log_event("http.unhandled", level=logging.ERROR, view=view.__name__,
                          error=type(exc).__name__)
                return error_response(current_request(), 500, json_only=json_only)

        return wrapper

    return decorator
