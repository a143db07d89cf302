"""The control console of the local stack: an outbox and a few JSON endpoints (stdlib only).

It binds to the loopback address only and accepts only requests whose Host header is a
loopback name (against DNS rebinding); a POST that carries an ``Origin`` must come from
the console itself (against other web pages posting to it from the browser).

    GET  /                         HTML outbox: every campaign the Mailchimp stand-in holds
    GET  /members                  HTML: the audience, with interest and tag names
    GET  /api/campaigns            campaigns as JSON (recipients, settings, html, test e-mails)
    GET  /api/requests             every request the stand-in received
    GET  /api/members              the audience (interest names next to Mailchimp's ids)
    GET  /api/queues               visible / in-flight messages per queue, DLQ depth
    GET  /api/handlers             scheduled handlers and queue consumers
    GET  /api/mail                 transactional mail SES "sent" (moto), newest first
    POST /api/trigger/{handler}?at=2026-12-25T08:00:00Z   run a scheduled handler now
    POST /api/mailchimp/fail       {"mode", "path_contains", "times"} -> stand-in fail()
    POST /api/mailchimp/reset      forget every failure still to come

Whatever a client put into the system (a first name, a request body) is shown, never
fatal: text that cannot be encoded (a lone surrogate) is written as its escape, ``\ud800``,
which in JSON is the same string; a bad request to the console is a 4xx, not a 500.
"""
from __future__ import annotations

import html
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, urlsplit

from infra.local.schedule_expressions import format_time, parse_time
from infra.local.scheduler import UnknownHandler

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]"}
MAX_BODY = 64 * 1024
Log = Callable[[str], None]


class ConsoleBackend:
    """What the console shows and does; the local stack wires the real parts in."""

    def __init__(self, *, standin: Any, scheduler: Any, consumers: list[Any],
                 queues: Callable[[], dict[str, Any]],
                 mails: Optional[Callable[[], list[dict[str, Any]]]] = None):
        self.standin = standin
        self.scheduler = scheduler
        self.consumers = consumers
        self.queues = queues
        self.mails = mails or (lambda: [])

    def campaigns(self) -> list[dict[str, Any]]:
        """Newest first (the stand-in's order)."""
        return [campaign_view(c) for c in self.standin.campaigns()]

    def members(self) -> list[dict[str, Any]]:
        """The audience with names: the chosen interests by name, tags by name."""
        names = self.standin.interest_catalogue()
        return sorted((member_view(m, names) for m in self.standin.members()),
                      key=lambda m: str(m["email"]))

    def handlers(self) -> dict[str, Any]:
        return {"scheduled": self.scheduler.describe(),
                "consumers": [{"name": c.name, "function": c.logical_id, "queue": c.queue_logical_id,
                               "batch_size": c.batch_size,
                               "reports_batch_item_failures": c.reports_item_failures}
                              for c in self.consumers]}


def member_view(member: dict[str, Any], names: dict[str, dict[str, str]]) -> dict[str, Any]:
    """One member of ``MailchimpStandIn.members()`` in the console's shape: what Mailchimp
    holds (``interests`` by id, as its API has them) and the names a person reads."""
    order = list(names)
    chosen = sorted((i for i, on in (member.get("interests") or {}).items() if on),
                    key=lambda i: order.index(i) if i in order else len(order))
    merge_fields = dict(member.get("merge_fields") or {})
    return {
        "email": member.get("email"),
        "first_name": merge_fields.get("FNAME", ""),
        "status": member.get("status"),
        "language": member.get("language"),
        "tags": list(member.get("tags") or []),
        "interest_names": [names[i]["name"] if i in names else f"(unknown interest {i})"
                           for i in chosen],
        "interests": dict(member.get("interests") or {}),
        "merge_fields": merge_fields,
    }


def campaign_view(campaign: dict[str, Any]) -> dict[str, Any]:
    """One campaign of ``MailchimpStandIn.campaigns()`` in the console's shape."""
    recipients = campaign.get("recipients") or {}
    settings = campaign.get("settings") or {}
    return {
        "id": campaign.get("id"),
        "status": campaign.get("status"),
        "create_time": campaign.get("create_time"),
        "send_time": campaign.get("send_time") or None,
        "recipients": {"list_id": recipients.get("list_id"),
                       "segment_opts": recipients.get("segment_opts"),
                       # resolved against the audience; frozen once the campaign is sent
                       "resolved": list(recipients.get("emails") or [])},
        "settings": {k: settings.get(k) for k in ("subject_line", "from_name", "reply_to",
                                                  "preview_text", "title")},
        "html": campaign.get("html") or "",
        "plain_text": campaign.get("plain_text") or "",
        "test_emails": list(campaign.get("test_emails") or []),
    }


class ConsoleServer:
    def __init__(self, backend: ConsoleBackend, host: str = "127.0.0.1", port: int = 8025,
                 log: Optional[Log] = None):
        self.backend = backend
        self._log = log or (lambda line: None)
        handler = type("BoundConsoleHandler", (ConsoleHandler,),
                       {"backend": backend, "console_log": self._log})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                                        daemon=True, name="console")
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join(5)
        self.server.server_close()


class ConsoleHandler(BaseHTTPRequestHandler):
    backend: ConsoleBackend
    console_log: Log
    server_version = "bij1-local-console"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """The default prints the client address; the console logs nothing per request."""

    # --- dispatch ------------------------------------------------------------------------

    def do_GET(self) -> None:
        if not self._trusted():
            return
        path = urlsplit(self.path).path
        routes = {
            "/": lambda: self._html(render_outbox(self.backend.campaigns())),
            "/members": lambda: self._html(render_members(self.backend.members())),
            "/api/campaigns": lambda: self._json(self.backend.campaigns()),
            "/api/requests": lambda: self._json(self.backend.standin.requests()),
            "/api/members": lambda: self._json(self.backend.members()),
            "/api/queues": lambda: self._json(self.backend.queues()),
            "/api/handlers": lambda: self._json(self.backend.handlers()),
            "/api/mail": lambda: self._json(self.backend.mails()),
        }
        if path in routes:
            self._guarded(routes[path])
        else:
            self._json({"error": "not found"}, HTTPStatus.NOT_FOUND)

    def do_POST(self) -> None:
        if not self._trusted():
            return
        parts = urlsplit(self.path)
        if parts.path.startswith("/api/trigger/"):
            self._guarded(lambda: self._trigger(parts.path[len("/api/trigger/"):], parts.query))
        elif parts.path == "/api/mailchimp/reset":
            self._guarded(self._reset)
        elif parts.path == "/api/mailchimp/fail":
            self._guarded(self._fail)
        else:
            self._json({"error": "not found"}, HTTPStatus.NOT_FOUND)

    # --- actions -------------------------------------------------------------------------

    def _trigger(self, name: str, query: str) -> None:
        self._read_body()
        raw_at = (parse_qs(query).get("at") or [""])[0]
        at = None
        if raw_at:
            try:
                at = parse_time(raw_at)
            except ValueError:
                self._json({"error": "bad 'at': use ISO 8601, e.g. 2026-12-25T08:00:00Z"},
                           HTTPStatus.BAD_REQUEST)
                return
        scheduler = self.backend.scheduler
        if name not in scheduler.handlers:
            self._json({"error": f"no scheduled handler {name!r}",
                        "handlers": sorted(scheduler.handlers)}, HTTPStatus.NOT_FOUND)
            return
        at = at or scheduler.now()
        try:
            result = scheduler.trigger(name, at)
        except UnknownHandler:
            self._json({"error": f"no scheduled handler {name!r}"}, HTTPStatus.NOT_FOUND)
            return
        except Exception as exc:  # noqa: BLE001 - reported by type; the message may hold data
            self._json({"handler": name, "time": format_time(at), "error": type(exc).__name__},
                       HTTPStatus.INTERNAL_SERVER_ERROR)
            return
        self._json({"handler": name, "time": format_time(at), "result": result})

    def _reset(self) -> None:
        self._read_body()
        self.backend.standin.reset_failures()
        self._json({"ok": True, "failures": []})

    def _fail(self) -> None:
        try:
            body = json.loads(self._read_body() or b"{}")
            if not isinstance(body, dict) or not body.get("mode"):
                raise ValueError
            mode = body["mode"]
            if isinstance(mode, str) and mode.isdigit():
                mode = int(mode)  # "500" from a shell script means the status 500
            kwargs = {"mode": mode, "path_contains": str(body.get("path_contains", "")),
                      "times": int(body.get("times", 1))}
            if "after_applying" in body:
                kwargs["after_applying"] = bool(body["after_applying"])
        except (ValueError, TypeError):
            self._json({"error": 'send JSON {"mode": ..., "path_contains": "", "times": 1}'},
                       HTTPStatus.BAD_REQUEST)
            return
        try:
            self.backend.standin.fail(**kwargs)
        except (ValueError, KeyError) as exc:
            self._json({"error": f"stand-in refused: {exc}"}, HTTPStatus.BAD_REQUEST)
            return
        self._json({"ok": True, **kwargs})

    # --- plumbing ------------------------------------------------------------------------

    def _trusted(self) -> bool:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        if host not in LOOPBACK_NAMES:
            self._json({"error": "the console answers on 127.0.0.1 / localhost only"}, HTTPStatus.FORBIDDEN)
            return False
        origin = self.headers.get("Origin")
        if self.command == "POST" and origin:
            origin_host = urlsplit(origin).netloc.lower()
            if origin_host != (self.headers.get("Host") or "").lower():
                self._json({"error": "cross-origin POST refused"}, HTTPStatus.FORBIDDEN)
                return False
        return True

    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            action()
        except _BadRequest as exc:
            self.close_connection = True  # the body was not (fully) read
            self._json({"error": str(exc)}, exc.status)
        except Exception as exc:  # noqa: BLE001 - keep the console up; say what broke
            self.console_log(f"console {self.command} {urlsplit(self.path).path}: {type(exc).__name__}")
            self._json({"error": type(exc).__name__}, HTTPStatus.INTERNAL_SERVER_ERROR)

    def _read_body(self) -> bytes:
        raw = (self.headers.get("Content-Length") or "0").strip()
        if not raw.isdigit():
            raise _BadRequest("malformed Content-Length")
        length = int(raw)
        if length > MAX_BODY:
            raise _BadRequest(f"body too large (at most {MAX_BODY} bytes)", HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, content_type: str, body: bytes, extra: Optional[dict] = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: Any, status: int = HTTPStatus.OK) -> None:
        self._send(status, "application/json; charset=utf-8", json_bytes(data))

    def _html(self, page: str) -> None:
        self._send(HTTPStatus.OK, "text/html; charset=utf-8", encodable(page), {
            # the e-mails render in sandboxed iframes: no scripts anywhere on this page
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                       "img-src * data:; frame-src 'self' about:; frame-ancestors 'none'"})


class _BadRequest(ValueError):
    def __init__(self, message: str, status: int = HTTPStatus.BAD_REQUEST):
        super().__init__(message)
        self.status = status


def encodable(text: str) -> bytes:
    """UTF-8, with what cannot be encoded (lone surrogates) written as ``\\udXXX``."""
    return text.encode("utf-8", "backslashreplace")


def json_bytes(data: Any) -> bytes:
    """JSON as UTF-8 that always encodes: a lone surrogate can only sit inside a JSON string,
    where its backslash escape is the same string, so the document stays valid JSON."""
    return encodable(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def _recipient_text(recipients: dict[str, Any]) -> str:
    resolved = recipients.get("resolved") or []
    names = [r.get("email_address", str(r)) if isinstance(r, dict) else str(r) for r in resolved]
    text = f"{len(names)} recipient(s)"
    if names:
        text += ": " + ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")
    if recipients.get("segment_opts"):
        text += " | segment " + json.dumps(recipients["segment_opts"], ensure_ascii=False)
    return text


NAV = """<nav><a href="/">outbox</a><a href="/members">members</a>
<a href="/api/campaigns">campaigns</a><a href="/api/members">members (JSON)</a>
<a href="/api/requests">requests</a><a href="/api/queues">queues</a><a href="/api/handlers">handlers</a>
<a href="/api/mail">mail (SES)</a></nav>"""
STYLE = """body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 70rem; }
nav a { margin-right: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top;
         overflow-wrap: anywhere; }
.tag { display: inline-block; padding: 0 .4rem; margin: 0 .2rem .2rem 0; border-radius: 4px;
       background: #eee; }"""


def render_members(members: list[dict[str, Any]]) -> str:
    """The audience as a table: e-mail, first name, status, interests and tags by name."""
    e = html.escape

    def badges(names: list[str]) -> str:
        return "".join(f'<span class="tag">{e(str(n))}</span>' for n in names) or "&ndash;"

    rows = "".join(f"""
<tr><td>{e(str(m['email']))}</td><td>{e(str(m['first_name'] or ''))}</td>
<td>{e(str(m['status']))}</td><td>{badges(m['interest_names'])}</td><td>{badges(m['tags'])}</td>
<td>{e(str(m['language'] or ''))}</td></tr>""" for m in members)
    by_status: dict[str, int] = {}
    for m in members:
        by_status[str(m["status"])] = by_status.get(str(m["status"]), 0) + 1
    summary = ", ".join(f"{n} {e(status)}" for status, n in sorted(by_status.items())) or "none"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>BIJ1 local members</title>
<style>{STYLE}</style></head>
<body>
<h1>Members (Mailchimp stand-in)</h1>
{NAV}
<p>{len(members)} member(s): {summary}. Local data lives in memory only.</p>
<table>
<thead><tr><th scope="col">e-mail</th><th scope="col">first name</th><th scope="col">status</th>
<th scope="col">interests</th><th scope="col">tags</th><th scope="col">language</th></tr></thead>
<tbody>{rows}</tbody>
</table>
</body></html>"""


def render_outbox(campaigns: list[dict[str, Any]]) -> str:
    """The outbox page: every campaign, newest first, its e-mail in a sandboxed iframe."""
    e = html.escape
    rows = []
    for c in campaigns:
        settings = c["settings"]
        # one entry per test send, each a list of addresses
        tests = "; ".join(", ".join(map(str, t)) if isinstance(t, (list, tuple)) else str(t)
                          for t in c.get("test_emails") or []) or "none"
        rows.append(f"""
<section class="campaign">
  <h2>{e(str(settings.get('subject_line') or '(no subject)'))}</h2>
  <dl>
    <dt>status</dt><dd class="status">{e(str(c.get('status')))}</dd>
    <dt>id</dt><dd>{e(str(c.get('id')))}</dd>
    <dt>from</dt><dd>{e(str(settings.get('from_name') or ''))} &lt;{e(str(settings.get('reply_to') or ''))}&gt;</dd>
    <dt>recipients</dt><dd>{e(_recipient_text(c['recipients']))}</dd>
    <dt>send time</dt><dd>{e(str(c.get('send_time') or 'not sent'))}</dd>
    <dt>test e-mails</dt><dd>{e(tests)}</dd>
  </dl>
  <iframe sandbox="" title="e-mail {e(str(c.get('id')))}" srcdoc="{e(c.get('html') or '<p>(no html content)</p>', quote=True)}"></iframe>
  <details><summary>plain text</summary><pre>{e(c.get('plain_text') or '')}</pre></details>
</section>""")
    body = "".join(rows) or "<p>No campaigns yet. The outbox shows every campaign the Mailchimp stand-in holds.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>BIJ1 local outbox</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; max-width: 70rem; }}
.campaign {{ border: 1px solid #ccc; border-radius: 6px; padding: 1rem; margin-bottom: 2rem; }}
dl {{ display: grid; grid-template-columns: 9rem 1fr; gap: .2rem 1rem; }}
dt {{ font-weight: bold; }} dd {{ margin: 0; overflow-wrap: anywhere; }}
iframe {{ width: 100%; height: 30rem; border: 1px solid #ddd; background: #fff; }}
nav a {{ margin-right: 1rem; }}
</style></head>
<body>
<h1>Outbox (Mailchimp stand-in)</h1>
{NAV}
<p>{len(campaigns)} campaign(s), newest first. Local data lives in memory only.</p>
{body}
</body></html>"""
