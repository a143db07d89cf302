"""The local API gateway: chalice local's request handler, answering as API Gateway would.

``chalice local`` (``chalice.local.ChaliceRequestHandler``) reads a request and runs the
app; where API Gateway answers a request itself, before our code runs, chalice local did
otherwise (issue #6, item 14). Here, as in API Gateway:

- a path or method the API does not define gets the ``MISSING_AUTHENTICATION_TOKEN``
  gateway response (``INCOMPLETE_SIGNATURE`` when an ``Authorization`` header was sent:
  API Gateway then reads it as a broken AWS signature). chalice local let the app answer
  405 for a known path with another method;
- a guarded route without an ``Authorization`` header, or with an empty one, gets
  ``UNAUTHORIZED`` (401) without calling the authorizer (chalice local called it with an
  empty token, which denied: 403); a denying authorizer gets ``ACCESS_DENIED`` (403); an
  authorizer that fails, ``AUTHORIZER_FAILURE`` (500);
- a body is read by its ``Content-Length`` or, with ``Transfer-Encoding: chunked``, chunk by
  chunk (chalice local read a chunked body as empty); a malformed ``Content-Length`` or
  chunked framing gets a 400 and the connection is closed (chalice local dropped the
  connection with a traceback); a body over API Gateway's 10 MB limit, ``REQUEST_TOO_LARGE``;
- everything the HTTP layer itself refuses (a garbled request line, headers too long), and
  any failure of the app, is answered in the same shape instead of an HTML page or a
  traceback.

The answers are the gateway responses of ``infra/template.json`` (``RestAPI.Properties.
GatewayResponses``, SAM's form of ``AWS::ApiGateway::GatewayResponse``): one source for
production and the local stack. API Gateway's own default answer is used only for a type
the template does not configure (and no DEFAULT_4XX/5XX covers).

This subclasses chalice 1.34's local classes and calls their private helpers (route
matching, the authorizer runner): chalice is pinned, and only the local stack uses it.
"""
from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable, Mapping, Optional

from chalice.app import ChaliceAuthorizer
from chalice.local import (
    ChaliceRequestHandler,
    ForbiddenError,
    InvalidAuthorizerError,
    LocalGateway,
    NotAuthorizedError,
)

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's limit for a REST API request
MAX_LINE = 8 * 1024
BODY_TIMEOUT_SECONDS = 30
_DIGITS = re.compile(r"[0-9]{1,20}")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")

# API Gateway's own status, error type header and message per gateway response type
DEFAULTS: dict[str, tuple[int, str, str]] = {
    "UNAUTHORIZED": (401, "UnauthorizedException", "Unauthorized"),
    "ACCESS_DENIED": (403, "AccessDeniedException", "User is not authorized to access this resource"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "MissingAuthenticationTokenException",
                                     "Missing Authentication Token"),
    "INCOMPLETE_SIGNATURE": (403, "IncompleteSignatureException",
                             "Authorization header requires 'Credential' parameter."),
    "AUTHORIZER_FAILURE": (500, "AuthorizerFailureException", "Internal server error"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "AuthorizerConfigurationException",
                                       "Internal server error"),
    "REQUEST_TOO_LARGE": (413, "RequestTooLargeException", "Request Too Long"),
    "BAD_REQUEST_BODY": (400, "BadRequestException", "Invalid request body"),
    "DEFAULT_4XX": (400, "BadRequestException", "Bad Request"),
    "DEFAULT_5XX": (502, "InternalServerErrorException", "Internal server error"),
}


@dataclass(frozen=True)
class GatewayAnswer:
    kind: str
    status: int
    headers: dict[str, str]
    body: bytes


class GatewayResponses:
    """The template's gateway responses, applied as API Gateway applies them."""

    def __init__(self, configured: Mapping[str, Any]):
        self.configured = dict(configured)
        for kind, entry in self.configured.items():
            text = (entry.get("ResponseTemplates") or {}).get("application/json")
            if text is not None and ("$" in text or "#" in text):
                raise ValueError(f"gateway response {kind}: the local gateway serves literal "
                                 "templates only (no VTL: $ or #)")

    @classmethod
    def from_template(cls, template: Mapping[str, Any]) -> "GatewayResponses":
        api = template.get("Resources", {}).get("RestAPI", {})
        return cls(api.get("Properties", {}).get("GatewayResponses", {}))

    def answer(self, kind: str, status: Optional[int] = None) -> GatewayAnswer:
        """The answer for a gateway response type; ``status`` for a DEFAULT_4XX/5XX case."""
        default_status, error_type, message = DEFAULTS.get(kind, DEFAULTS["DEFAULT_5XX"])
        status = status or default_status
        entry = self.configured.get(kind)
        if entry is None:  # as API Gateway: the type's own status, the DEFAULT_ template
            entry = self.configured.get("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX")
            entry = {k: v for k, v in (entry or {}).items() if k != "StatusCode"} or None
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": error_type}
        if entry is None:
            return GatewayAnswer(kind, status, headers, ('{"message":"%s"}' % message).encode())
        for name, value in (entry.get("ResponseParameters", {}).get("Headers") or {}).items():
            headers[name] = str(value).strip("'")  # a literal is quoted: "'no-store'"
        status = int(entry.get("StatusCode") or status)
        body = (entry.get("ResponseTemplates") or {}).get("application/json")
        if body is None:
            body = '{"message":"%s"}' % message
        return GatewayAnswer(kind, status, headers, body.encode("utf-8"))


class GatewayError(Exception):
    """API Gateway answers this request itself, with the gateway response ``kind``."""

    def __init__(self, kind: str, status: Optional[int] = None, note: str = "",
                 close: bool = False):
        super().__init__(kind)
        self.kind, self.status, self.note, self.close = kind, status, note, close


class EmulatedGateway(LocalGateway):
    """``LocalGateway.handle_request`` with API Gateway's checks before the app runs."""

    def handle_request(self, method: str, path: str, headers: dict[str, Any],
                       body: Optional[bytes]) -> dict[str, Any]:
        lambda_context = self._generate_lambda_context()
        token = _header(headers, "authorization")
        not_found = "INCOMPLETE_SIGNATURE" if token else "MISSING_AUTHENTICATION_TOKEN"
        try:
            lambda_event = self._generate_lambda_event(method, path, headers, body)
        except ValueError:
            raise GatewayError(not_found, note="no such route") from None
        resource = lambda_event["requestContext"]["resourcePath"]
        views = self._app_object.routes[resource]
        if method not in views:
            if method == "OPTIONS" and any(v.cors for v in views.values()):
                # the CORS preflight chalice's swagger adds for routes with cors
                return {"statusCode": 200, "headers": self._autogen_options_headers(lambda_event),
                        "multiValueHeaders": {}, "body": None}
            raise GatewayError(not_found, note="no such method")
        view = views[method]
        if isinstance(view.authorizer, ChaliceAuthorizer):
            if not token:  # the identity source (the Authorization header) is missing or empty
                raise GatewayError("UNAUTHORIZED", note="no token")
            try:
                lambda_event, lambda_context = self._authorizer.authorize(
                    path, lambda_event, lambda_context)
            except NotAuthorizedError:
                raise GatewayError("UNAUTHORIZED", note="authorizer: unauthorized") from None
            except ForbiddenError:
                raise GatewayError("ACCESS_DENIED", note="authorizer: denied") from None
            except InvalidAuthorizerError:
                raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR", note="authorizer: no answer") from None
            except Exception as exc:  # noqa: BLE001 - an authorizer Lambda that fails
                raise GatewayError("AUTHORIZER_FAILURE", note=f"authorizer: {type(exc).__name__}") from None
        try:
            response = self._app_object(lambda_event, lambda_context)
        except Exception as exc:  # noqa: BLE001 - a Lambda that fails: API Gateway's 502
            raise GatewayError("DEFAULT_5XX", status=502, note=f"function: {type(exc).__name__}") from None
        if not isinstance(response, dict) or not isinstance(response.get("statusCode"), int):
            raise GatewayError("DEFAULT_5XX", status=502, note="function: malformed response")
        return response


def _header(headers: Mapping[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value).strip()
    return ""


class ApiGatewayRequestHandler(ChaliceRequestHandler):
    """chalice local's request handler with the gateway's framing, checks and answers."""

    def __init__(self, request: Any, client_address: Any, server: Any, *, app_object: Any,
                 config: Any, responses: GatewayResponses,
                 log: Optional[Callable[[str], None]] = None) -> None:
        self.local_gateway = EmulatedGateway(app_object, config)
        self.gateway_responses = responses
        self._note = ""
        self._log_line = log or (lambda line: None)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    # every method reaches the gateway (which answers an undefined one as API Gateway does)
    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_") and name[3:].isalpha() and name[3:].isupper():
            return self._generic_handle
        raise AttributeError(name)

    def _generic_handle(self) -> None:
        self._note = ""
        try:
            headers, body = self._parse_payload()
            response = self.local_gateway.handle_request(
                method=self.command, path=self.path, headers=headers, body=body)
            status_code = response["statusCode"]
            out_headers = dict(response.get("headers") or {})
            out_headers.update(response.get("multiValueHeaders") or {})
            response = self._handle_binary(response)
            self._send_http_response(status_code, out_headers, response.get("body"))
        except GatewayError as exc:
            self._note = f"gateway {exc.kind}" + (f": {exc.note}" if exc.note else "")
            if exc.close:
                self.close_connection = True
            self._send_answer(self.gateway_responses.answer(exc.kind, exc.status))
        except (ConnectionError, socket.timeout):
            self.close_connection = True  # the client went away or stopped sending
        except Exception as exc:  # noqa: BLE001 - never a dropped connection and a traceback
            self._note = f"local gateway failed: {type(exc).__name__}"
            self.close_connection = True
            self._send_answer(self.gateway_responses.answer("DEFAULT_5XX", 500))

    # chalice bound its own handler to these names; bind ours
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _send_http_response_with_body(self, code: int, headers: dict[str, Any],
                                      body: Any) -> None:
        if self.command != "HEAD":
            super()._send_http_response_with_body(code, headers, body)
            return
        # a HEAD answer has headers only (a body would be read as the next response)
        data = body if isinstance(body, bytes) else str(body).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self._send_headers(headers)

    def _send_answer(self, answer: GatewayAnswer) -> None:
        headers = dict(answer.headers)
        if self.close_connection:
            headers["Connection"] = "close"
        self._send_http_response_with_body(answer.status, headers, answer.body)

    # --- the body, as API Gateway receives it ---------------------------------------------

    def _parse_payload(self) -> tuple[dict[str, Any], Optional[bytes]]:
        headers = dict(self.headers)
        encoding = ",".join(self.headers.get_all("Transfer-Encoding") or []).strip().lower()
        lengths = self.headers.get_all("Content-Length") or []
        if encoding:
            if encoding != "chunked":
                raise GatewayError("DEFAULT_4XX", 400, note="unsupported Transfer-Encoding", close=True)
            if lengths:  # both: a request smuggling pattern; refuse it
                raise GatewayError("DEFAULT_4XX", 400, note="Content-Length with chunked", close=True)
            body = self._with_timeout(self._read_chunked)
            for name in [k for k in headers if k.lower() == "transfer-encoding"]:
                del headers[name]
            headers["Content-Length"] = str(len(body))
            return headers, body
        if not lengths:
            return headers, None
        if len(set(v.strip() for v in lengths)) != 1 or not _DIGITS.fullmatch(lengths[0].strip()):
            raise GatewayError("DEFAULT_4XX", 400, note="malformed Content-Length", close=True)
        length = int(lengths[0].strip())
        if length > MAX_PAYLOAD_BYTES:
            raise GatewayError("REQUEST_TOO_LARGE", close=True)
        if length == 0:
            return headers, None
        body = self._with_timeout(lambda: self.rfile.read(length))
        if len(body) < length:
            raise GatewayError("DEFAULT_4XX", 400, note="body shorter than Content-Length", close=True)
        return headers, body

    def _with_timeout(self, read: Callable[[], bytes]) -> bytes:
        self.connection.settimeout(BODY_TIMEOUT_SECONDS)
        try:
            return read()
        finally:
            self.connection.settimeout(None)

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            size_text = line.split(b";", 1)[0].strip()  # a chunk extension is ignored
            if len(line) > MAX_LINE or not line.endswith(b"\n") or not _HEX.fullmatch(size_text):
                raise GatewayError("DEFAULT_4XX", 400, note="malformed chunk size", close=True)
            size = int(size_text, 16)
            if len(body) + size > MAX_PAYLOAD_BYTES:
                raise GatewayError("REQUEST_TOO_LARGE", close=True)
            if size == 0:
                break
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.read(2) != b"\r\n":
                raise GatewayError("DEFAULT_4XX", 400, note="malformed chunk", close=True)
            body += chunk
        while True:  # trailer fields, up to the empty line
            line = self.rfile.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise GatewayError("DEFAULT_4XX", 400, note="trailer too long", close=True)
            if line in (b"\r\n", b"\n", b""):
                return bytes(body)

    # --- what the HTTP layer itself refuses -------------------------------------------------

    def send_error(self, code: int, message: Optional[str] = None,
                   explain: Optional[str] = None) -> None:
        """BaseHTTPRequestHandler's own errors (bad request line, 414, 431, ...) in our
        shape instead of its HTML page."""
        self._note = f"http {code}"
        self.close_connection = True
        if not hasattr(self, "command") or self.command is None:
            self.command = ""
        self._send_answer(self.gateway_responses.answer(
            "DEFAULT_4XX" if code < 500 else "DEFAULT_5XX", code))

