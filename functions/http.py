"""HTTP plumbing shared by every route: body parsing, responses, the one error map.

Entry points only translate: they parse with :func:`parse_body`, call one service
function, and return :func:`html_response` / :func:`json_response`. Domain errors
become HTTP statuses in :func:`handles_errors`, never in try/except per route.
"""
from __future__ import annotations

import functools
import json
import logging
from typing import Any, Callable, Mapping
from urllib.parse import parse_qs

from chalice import Response

from functions import errors
from functions.logs import log_event

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
FORM_CONTENT_TYPES = [FORM, JSON]
DEFAULT_MAX_BODY = 32 * 1024
MAX_FIELDS = 100

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
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


def content_type(headers: Mapping[str, str]) -> str:
    return (headers.get("content-type") or "").split(";")[0].strip().lower()


def parse_body(request: Any, max_bytes: int = DEFAULT_MAX_BODY) -> FormData:
    """Parse a form or JSON body into :class:`FormData`; raise BadRequest on anything odd."""
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise errors.BadRequest("request body too large", status=413)
    ctype = content_type(request.headers)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.BadRequest("body is not valid UTF-8") from exc
    if ctype == FORM:
        try:
            parsed = parse_qs(text, keep_blank_values=True, strict_parsing=False,
                              encoding="utf-8", errors="strict", max_num_fields=MAX_FIELDS)
        except (ValueError, UnicodeDecodeError) as exc:
            raise errors.BadRequest("form body cannot be read") from exc
        return FormData({k: [v.replace("\r\n", "\n") for v in vs] for k, vs in parsed.items()})
    if ctype == JSON:
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError as exc:
            raise errors.BadRequest("body is not valid JSON") from exc
        if not isinstance(data, dict) or len(data) > MAX_FIELDS:
            raise errors.BadRequest("JSON body must be an object")
        return FormData({str(k): _json_values(k, v) for k, v in data.items()})
    raise errors.BadRequest("unsupported content type", status=415)


def _json_values(name: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else ""]
    if isinstance(value, (str, int, float)):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v) for v in value]
    raise errors.ValidationError({name: "ongeldige waarde / invalid value"})


def wants_json(request: Any) -> bool:
    """JSON bodies get JSON answers; so does an Accept that prefers JSON over HTML."""
    if content_type(request.headers) == JSON:
        return True
    accept = (request.headers.get("accept") or "").lower()
    return "application/json" in accept and "text/html" not in accept


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


def html_response(body: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS,
                             **(headers or {})})


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body=json.dumps(data, ensure_ascii=False, default=str), status_code=status,
                    headers={"Content-Type": "application/json; charset=utf-8",
                             "Cache-Control": "no-store", **(headers or {})})


def text_response(body: str, content_type_: str, status: int = 200,
                  headers: Mapping[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status,
                    headers={"Content-Type": content_type_, **(headers or {})})


_STATUS = [
    (errors.ValidationError, 400),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.AlreadyExists, 409),
    (errors.TemporarilyUnavailable, 503),
    (errors.MailchimpError, 502),
]

_MESSAGES = {
    400: "Ongeldige invoer / Invalid input",
    404: "Niet gevonden / Not found",
    409: "Niet toegestaan in deze toestand / Not allowed in this state",
    413: "Te groot / Too large",
    415: "Dit formaat wordt niet ondersteund / Unsupported content type",
    502: "Een externe dienst gaf een fout / An outside service failed",
    503: "Tijdelijk niet beschikbaar, probeer het later opnieuw / Temporarily unavailable, "
         "please try again later",
    500: "Er ging iets mis aan onze kant / Something went wrong on our side",
}


def status_for(exc: BaseException) -> int:
    if isinstance(exc, errors.BadRequest):
        return exc.status
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_response(request: Any, status: int, field_errors: Mapping[str, str] | None = None,
                   json_only: bool = False) -> Response:
    message = _MESSAGES.get(status, _MESSAGES[500])
    if field_errors and request is not None:
        from functions.web import language, translate_errors  # deferred import

        field_errors = translate_errors(field_errors, language(request))
    if request is not None and not json_only and not wants_json(request):
        from functions.rendering import default_renderer  # deferred import

        body = default_renderer().render("error.html", "nl", status=status, message=message,
                                         field_errors=dict(field_errors or {}))
        return html_response(body, status=status)
    payload: dict[str, Any] = {"error": message}
    if field_errors:
        payload["errors"] = dict(field_errors)
    return json_response(payload, status=status)


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
                field_errors = getattr(exc, "errors", None)
                log_event("http.error", view=view.__name__, status=status,
                          error=type(exc).__name__)
                return error_response(current_request(), status, field_errors, json_only)
            except Exception as exc:  # noqa: BLE001 - the last line of defence
                log_event("http.unhandled", level=logging.ERROR, view=view.__name__,
                          error=type(exc).__name__)
                return error_response(current_request(), 500, json_only=json_only)

        return wrapper

    return decorator
