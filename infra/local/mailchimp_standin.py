"""A local stand-in for the part of Mailchimp's Marketing API (3.0) that this project uses.

Standard library only: a ``ThreadingHTTPServer`` in a daemon thread. It answers with
Mailchimp's shapes and status codes, errors as ``application/problem+json``, checks basic auth
against its API key, resolves a campaign's segment against its subscribed members when the
campaign is sent, records every request and its answer (``requests()``, ``exchanges()``; the
contract test validates both against Mailchimp's spec), and fails on demand::

    standin = MailchimpStandIn().start(); standin.seed_demo()
    standin.fail(429, path_contains="/members/")             # one 429 problem+json
    standin.fail("empty:429")                                 # a 429 with an empty body
    standin.fail("timeout", "/actions/send", after_applying=True)   # sends, then never answers

It prints nothing (no client addresses, no paths). The local stack points
``MAILCHIMP_BASE_URL`` at ``standin.base_url``.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import json
import re
import threading
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

API_PREFIX = "/3.0"
PROBLEM_TYPE = "https://mailchimp.com/developer/marketing/docs/errors/"
TIMEOUT_HOLD_SECONDS = 30.0
MAX_COUNT = 1000
MEMBER_STATUSES = ("subscribed", "unsubscribed", "cleaned", "pending", "transactional")
CAMPAIGN_TYPES = ("regular", "plaintext")  # Mailchimp also has absplit, rss, variate
EDITABLE = ("save", "paused")
MERGE_FIELDS = ("FNAME", "LNAME", "ADDRESS", "PHONE", "BIRTHDAY")
INTEREST_OPS = ("interestcontains", "interestcontainsall", "interestnotcontains")
STATIC_OPS = ("static_is", "static_not")
CATEGORY_TYPES = ("checkboxes", "dropdown", "radio", "hidden")
SETTINGS_KEYS = ("subject_line", "preview_text", "title", "from_name", "reply_to", "to_name",
                 "folder_id", "authenticate", "auto_footer", "inline_css", "auto_tweet",
                 "fb_comments", "use_conversation", "template_id", "auto_fb_post")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

DEMO_INTERESTS = ("Communicatie", "Politieke agenda", "Organizing")
DEMO_MEMBERS = (  # (e-mail, status, tags, werkgroep interests, first name)
    # "lid" (afdeling.tag("leden")): members of the party, invited to the afdelingsbijeenkomst;
    # Anna and Chris are subscribers who are not (or not yet) members
    ("anna.demo@example.org", "subscribed", ("bestuur",), ("Communicatie", "Politieke agenda"), "Anna"),
    ("bram.demo@example.org", "subscribed", ("bestuur", "lid"), ("Organizing",), "Bram"),
    ("chris.demo@example.org", "subscribed", (), ("Communicatie",), "Chris"),
    ("dewi.demo@example.org", "subscribed", ("bestuur", "lid"), ("Politieke agenda",), "Dewi"),
    ("eli.demo@example.org", "subscribed", ("lid",), ("Organizing", "Communicatie"), "Eli"),
    ("fatima.demo@example.org", "subscribed", ("lid",), (), "Fatima"),
    ("gijs.demo@example.org", "unsubscribed", ("bestuur", "lid"), ("Communicatie",), "Gijs"),
)


def email_hash(email: str) -> str:
    """Mailchimp's subscriber hash: MD5 of the lower-cased address."""
    return hashlib.md5(email.lower().encode("utf-8")).hexdigest()


def _now_iso(now: datetime) -> str:
    return now.astimezone(timezone.utc).isoformat(timespec="seconds")


# What exchanges() adds to a recorded request (requests() leaves them out: the console shows requests).
ANSWER_KEYS = ("response", "response_type")


class _Problem(Exception):
    """An error answer: Mailchimp's problem+json document."""

    def __init__(self, status: int, title: str, detail: str, errors: list | None = None):
        super().__init__(title)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors

    def answer(self) -> "_Answer":
        body = {"type": PROBLEM_TYPE, "title": self.title, "status": self.status,
                "detail": self.detail, "instance": str(uuid.uuid4())}
        if self.errors:
            body["errors"] = self.errors
        return _Answer(self.status, body, "application/problem+json; charset=utf-8")


def _bad(detail: str, field: str = "", title: str = "Invalid Resource") -> _Problem:
    errors = [{"field": field, "message": detail}] if field else None
    return _Problem(400, title, detail, errors)


def _not_found() -> _Problem:
    return _Problem(404, "Resource Not Found", "The requested resource could not be found.")


@dataclass
class _Answer:
    status: int
    body: Any = None
    content_type: str = "application/json; charset=utf-8"
    empty: bool = False  # send the content type with an empty body
    hold: bool = False   # never answer (a timeout, as the client sees it)


@dataclass
class _Failure:
    mode: int | str
    path_contains: str
    remaining: int
    after_applying: bool

    def answer(self) -> _Answer:
        if self.mode == "timeout":
            return _Answer(0, hold=True)
        if isinstance(self.mode, str):  # "empty:<status>"
            return _Answer(int(self.mode.split(":", 1)[1]), empty=True)
        titles = {429: ("Too Many Requests",
                        "You have exceeded the limit of 10 simultaneous connections."),
                  500: ("Internal Server Error",
                        "An unexpected internal error has occurred. Please retry your request.")}
        try:
            phrase = HTTPStatus(self.mode).phrase
        except ValueError:
            phrase = "Error"
        title, detail = titles.get(self.mode, (phrase, "Injected failure."))
        return _Problem(self.mode, title, detail).answer()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # quiet: a client that hung up (timeouts) is expected, and addresses stay unlogged


class _Handler(BaseHTTPRequestHandler):
    standin: "MailchimpStandIn"
    server_version = "MailchimpStandIn/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: nothing printed, no client addresses

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        answer = self.standin._dispatch(self.command, self.path, self.headers, raw)
        if answer.hold:
            self.standin._stopping.wait(TIMEOUT_HOLD_SECONDS)
            self.close_connection = True
            return
        payload = b"" if answer.body is None else json.dumps(answer.body).encode("utf-8")
        try:
            self.send_response(answer.status)
            if answer.body is not None or answer.empty:
                self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload:
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _handle


class MailchimpStandIn:
    """Mailchimp Marketing API on localhost, one audience (``list_id``), thread-safe."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, api_key: str = "local-us1",
                 list_id: str = "bij1denhaag"):
        self.host = host
        self.api_key = api_key
        self.list_id = list_id
        self.now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
        self.internal_errors: list[str] = []  # tracebacks of stand-in bugs (answered with 500)
        self._port = port
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._counter = itertools.count(1)
        self._requests: list[dict[str, Any]] = []
        self._failures: list[_Failure] = []
        self._lists: dict[str, dict[str, Any]] = {}
        self._campaigns: dict[str, dict[str, Any]] = {}
        self._new_list(list_id, "BIJ1 Den Haag")

    # life cycle
    def start(self) -> "MailchimpStandIn":
        handler = type("Handler", (_Handler,), {"standin": self})
        self._stopping.clear()
        self._server = _Server((self.host, self._port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="mailchimp-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases held ("timeout") connections
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "MailchimpStandIn":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    # seeding and inspection
    def seed_demo(self) -> None:
        """The demo audience: werkgroep interests, 6 subscribed members (3 tagged "bestuur",
        4 tagged "lid") and one unsubscribed member. Running it again changes nothing."""
        with self._lock:
            category = self._category_by_title("Werkgroepen") or self._new_category(
                self._list(self.list_id), "Werkgroepen", "checkboxes")
            for name in DEMO_INTERESTS:
                if not any(i["name"] == name for i in category["interests"].values()):
                    self._new_interest(self._list(self.list_id), category, name)
            for email, status, tags, interests, first_name in DEMO_MEMBERS:
                self.add_member(email, status=status, tags=tags, interests=interests,
                                merge_fields={"FNAME": first_name})

    def add_member(self, email: str, *, status: str = "subscribed", tags: tuple = (),
                   interests: tuple = (), merge_fields: dict | None = None,
                   language: str = "nl") -> None:
        """Put a member in the audience directly (interests by name, tags by name)."""
        with self._lock:
            lst = self._list(self.list_id)
            member = lst["members"].get(email_hash(email)) or self._new_member(lst, email, status)
            member.update(status=status, language=language)
            member["merge_fields"].update(merge_fields or {})
            member["interests"].update({self.interest_id(name): True for name in interests})
            for tag in tags:
                self._tag(lst, member, tag, True)

    def confirm_member(self, email: str) -> None:
        """What the double opt-in e-mail's link does: pending -> subscribed."""
        with self._lock:
            member = self._list(self.list_id)["members"][email_hash(email)]
            if member["status"] == "pending":
                member.update(status="subscribed", timestamp_opt=_now_iso(self.now()))

    def interest_id(self, name: str) -> str:
        with self._lock:
            for category in self._list(self.list_id)["categories"].values():
                for interest in category["interests"].values():
                    if interest["name"] == name:
                        return interest["id"]
        raise KeyError(name)

    def segment_id(self, tag: str) -> int:
        with self._lock:
            for segment in self._list(self.list_id)["segments"].values():
                if segment["name"].casefold() == tag.casefold():
                    return segment["id"]
        raise KeyError(tag)

    def campaigns(self) -> list[dict]:
        """Campaigns, newest first; ``recipients.emails`` are the resolved recipients (frozen
        when sent)."""
        with self._lock:
            self._tick()
            out = []
            for c in reversed(list(self._campaigns.values())):
                emails = c["sent_to"] if c["status"] == "sent" else self._resolve_campaign(c)
                out.append(copy.deepcopy({
                    "id": c["id"], "status": c["status"], "create_time": c["create_time"],
                    "send_time": c["send_time"], "html": c["html"], "plain_text": c["plain_text"],
                    "test_emails": c["test_emails"],
                    "recipients": {"list_id": c["list_id"], "segment_opts": c["segment_opts"],
                                   "recipient_count": len(emails), "emails": emails},
                    "settings": {k: c["settings"].get(k, "") for k in (
                        "subject_line", "title", "from_name", "reply_to", "preview_text")}}))
            return out

    def members(self) -> list[dict]:
        with self._lock:
            lst = self._list(self.list_id)
            return [{"email": m["email_address"], "status": m["status"],
                     "tags": self._tags_of(lst, m), "interests": dict(m["interests"]),
                     "merge_fields": dict(m["merge_fields"]), "language": m["language"]}
                    for m in lst["members"].values()]

    def interest_catalogue(self) -> dict[str, dict[str, str]]:
        """Interest id -> its name and its category's title, in display order."""
        with self._lock:
            return {i["id"]: {"name": i["name"], "category": c["title"]}
                    for c in self._list(self.list_id)["categories"].values()
                    for i in c["interests"].values()}

    def requests(self) -> list[dict]:
        """Every request received: method, path, query, body (JSON; None when empty or
        ``null``), status answered (None when held), injected (the failure mode or None)."""
        with self._lock:
            return copy.deepcopy([{k: v for k, v in r.items() if k not in ANSWER_KEYS}
                                  for r in self._requests])

    def exchanges(self) -> list[dict]:
        """``requests()`` with what was answered: ``response`` (the JSON body; None when
        empty or held) and ``response_type`` (its content type), for contract tests."""
        with self._lock:
            return copy.deepcopy(self._requests)

    def fail(self, mode: int | str, path_contains: str = "", times: int = 1, *,
             after_applying: bool = False) -> None:
        """Answer the next ``times`` requests whose path contains ``path_contains`` with
        ``mode``: a status (problem+json body), ``"empty:<status>"`` (empty body) or
        ``"timeout"`` (no answer for 30 s or until stop). ``after_applying`` performs the
        request first, so the change happens but the client sees the failure."""
        if isinstance(mode, bool) or not (
                (isinstance(mode, int) and 400 <= mode <= 599) or mode == "timeout"
                or (isinstance(mode, str) and re.fullmatch(r"empty:[1-5]\d\d", mode))):
            raise ValueError(f"unknown failure mode {mode!r}")
        with self._lock:
            self._failures.append(_Failure(mode, path_contains, times, after_applying))

    def reset_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    # request handling
    def _dispatch(self, method: str, raw_path: str, headers: Any, raw: bytes) -> _Answer:
        url = urlsplit(raw_path)
        path = url.path
        query = {k: v[0] if len(v) == 1 else v
                 for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body, parse_error = None, False
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                parse_error = True
        failure = None
        with self._lock:
            try:
                self._authenticate(headers.get("Authorization", ""))
                failure = self._take_failure(path)
                if failure is not None and not failure.after_applying:
                    answer = failure.answer()
                else:
                    if parse_error:
                        raise _Problem(400, "JSON Parse Exception",
                                       "We encountered an unspecified JSON parsing error.")
                    self._tick()
                    answer = self._route(method, path, query, body)
                    if failure is not None:
                        answer = failure.answer()
            except _Problem as problem:
                answer = problem.answer()
            except Exception:  # a stand-in bug: answer like Mailchimp's 500, keep the trace
                self.internal_errors.append(traceback.format_exc())
                answer = _Problem(500, "Internal Server Error", "Stand-in error.").answer()
            self._requests.append({
                "method": method, "path": path, "query": query, "body": body,
                "status": None if answer.hold else answer.status,
                "injected": failure.mode if failure is not None else None,
                "response": None if answer.hold or answer.empty else copy.deepcopy(answer.body),
                "response_type": answer.content_type})
        return answer

    def _authenticate(self, header: str) -> None:
        key = ""
        if header.startswith("Basic "):
            try:
                key = base64.b64decode(header[6:]).decode("utf-8").partition(":")[2]
            except ValueError:
                key = ""
        if key != self.api_key:
            raise _Problem(401, "API Key Invalid",
                           "Your API key may be invalid, or you've attempted to access the "
                           "wrong datacenter.")

    def _take_failure(self, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.path_contains in path:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _route(self, method: str, path: str, query: dict, body: Any) -> _Answer:
        if not path.startswith(API_PREFIX + "/"):
            raise _not_found()
        rest = path[len(API_PREFIX):].rstrip("/")
        for pattern, handlers in _ROUTES:
            match = pattern.fullmatch(rest)
            if match:
                if method not in handlers:
                    raise _Problem(405, "Method Not Allowed",
                                   "The requested method and resource are not compatible.")
                params = {k: unquote(v) for k, v in match.groupdict().items()}
                status, payload = getattr(self, handlers[method])(query=query, body=body, **params)
                if method == "GET" and isinstance(payload, dict):
                    payload = _project(payload, query.get("fields"), query.get("exclude_fields"))
                return _Answer(status, payload)
        raise _not_found()

    # state helpers
    def _id(self, kind: str) -> str:
        return hashlib.md5(f"{kind}-{next(self._counter)}".encode()).hexdigest()[:10]

    def _new_list(self, list_id: str, name: str) -> None:
        self._lists[list_id] = {"id": list_id, "name": name, "web_id": next(self._counter),
                                "members": {}, "categories": {}, "segments": {}}

    def _list(self, list_id: str) -> dict[str, Any]:
        if list_id not in self._lists:
            raise _not_found()
        return self._lists[list_id]

    def _new_member(self, lst: dict, email: str, status: str) -> dict[str, Any]:
        now = _now_iso(self.now())
        member = {"hash": email_hash(email), "email_address": email, "status": status,
                  "merge_fields": {k: "" for k in ("FNAME", "LNAME")}, "interests": {},
                  "language": "", "web_id": next(self._counter), "timestamp_signup": now,
                  "timestamp_opt": now if status == "subscribed" else "", "last_changed": now}
        lst["members"][member["hash"]] = member
        return member

    def _member(self, lst: dict, subscriber: str) -> dict[str, Any]:
        key = _member_key(subscriber)
        if key not in lst["members"]:
            raise _not_found()
        return lst["members"][key]

    def _category_by_title(self, title: str) -> dict | None:
        return next((c for c in self._list(self.list_id)["categories"].values()
                     if c["title"] == title), None)

    def _new_category(self, lst: dict, title: str, kind: str) -> dict[str, Any]:
        category = {"id": self._id("category"), "title": title, "type": kind,
                    "display_order": len(lst["categories"]), "interests": {}}
        lst["categories"][category["id"]] = category
        return category

    def _new_interest(self, lst: dict, category: dict, name: str) -> dict[str, Any]:
        interest = {"id": self._id("interest"), "name": name,
                    "display_order": len(category["interests"])}
        category["interests"][interest["id"]] = interest
        for member in lst["members"].values():
            member["interests"].setdefault(interest["id"], False)
        return interest

    def _tag(self, lst: dict, member: dict, name: str, on: bool) -> None:
        segment = next((s for s in lst["segments"].values()
                        if s["name"].casefold() == name.casefold()), None)
        now = _now_iso(self.now())
        if segment is None:
            if not on:
                return
            segment = {"id": 10_000 + next(self._counter), "name": name, "type": "static",
                       "members": set(), "created_at": now, "updated_at": now}
            lst["segments"][segment["id"]] = segment
        (segment["members"].add if on else segment["members"].discard)(member["hash"])
        segment["updated_at"] = now

    def _tags_of(self, lst: dict, member: dict) -> list[str]:
        return sorted(s["name"] for s in lst["segments"].values() if member["hash"] in s["members"])

    def _all_interest_ids(self, lst: dict) -> dict[str, str]:
        """interest id -> category id"""
        return {i: c["id"] for c in lst["categories"].values() for i in c["interests"]}

    # JSON shapes
    def _member_json(self, lst: dict, m: dict) -> dict[str, Any]:
        interests = {i: bool(m["interests"].get(i, False)) for i in self._all_interest_ids(lst)}
        tags = [{"id": s["id"], "name": s["name"]} for s in lst["segments"].values()
                if m["hash"] in s["members"]]
        first, last = m["merge_fields"].get("FNAME", ""), m["merge_fields"].get("LNAME", "")
        return {"id": m["hash"], "email_address": m["email_address"],
                "unique_email_id": m["hash"][:10], "contact_id": m["hash"][10:],
                "full_name": f"{first} {last}".strip(), "web_id": m["web_id"],
                "email_type": "html", "status": m["status"], "merge_fields": dict(m["merge_fields"]),
                "interests": interests, "stats": {"avg_open_rate": 0, "avg_click_rate": 0},
                "ip_signup": "", "timestamp_signup": m["timestamp_signup"], "ip_opt": "",
                "timestamp_opt": m["timestamp_opt"], "member_rating": 2,
                "last_changed": m["last_changed"], "language": m["language"], "vip": False,
                "email_client": "", "source": "API - Generic", "tags_count": len(tags),
                "tags": tags, "list_id": lst["id"], "_links": []}

    def _campaign_json(self, c: dict) -> dict[str, Any]:
        lst = self._lists.get(c["list_id"])
        count = len(c["sent_to"]) if c["status"] == "sent" else len(self._resolve_campaign(c))
        recipients = {"list_id": c["list_id"], "list_is_active": lst is not None,
                      "list_name": lst["name"] if lst else "", "segment_text": "",
                      "recipient_count": count}
        if c["segment_opts"]:
            recipients["segment_opts"] = copy.deepcopy(c["segment_opts"])
        settings = {"subject_line": "", "preview_text": "", "title": "", "from_name": "",
                    "reply_to": "", "use_conversation": False, "to_name": "", "folder_id": "",
                    "authenticate": True, "auto_footer": False, "inline_css": False,
                    "auto_tweet": False, "fb_comments": True, "timewarp": False,
                    "template_id": 0, "drag_and_drop": False, **c["settings"]}
        return {"id": c["id"], "web_id": c["web_id"], "type": c["type"],
                "create_time": c["create_time"],
                "archive_url": f"http://eepurl.com/{c['id'][:6]}",
                "long_archive_url": f"https://us1.campaign-archive.com/?id={c['id']}",
                "status": c["status"], "emails_sent": c["emails_sent"],
                "send_time": c["send_time"], "content_type": "html",
                "needs_block_refresh": False, "resendable": False, "recipients": recipients,
                "settings": settings,
                "tracking": {"opens": True, "html_clicks": True, "text_clicks": False,
                             "goal_tracking": False, "ecomm360": False},
                "delivery_status": {"enabled": False}, "_links": []}

    # segments
    def _check_segment_opts(self, lst: dict, opts: Any) -> dict:
        if not isinstance(opts, dict):
            raise _bad("segment_opts must be an object.", "recipients.segment_opts")
        if opts.get("match", "any") not in ("any", "all"):
            raise _bad("match must be 'any' or 'all'.", "recipients.segment_opts.match")
        if "saved_segment_id" in opts and int(opts["saved_segment_id"]) not in lst["segments"]:
            raise _bad("The saved segment does not exist.", "recipients.segment_opts")
        interest_category = self._all_interest_ids(lst)
        for condition in opts.get("conditions") or []:
            kind = condition.get("condition_type") if isinstance(condition, dict) else None
            if kind == "Interests":
                field = str(condition.get("field", ""))
                values = condition.get("value")
                if condition.get("op") not in INTEREST_OPS:
                    raise _bad("Invalid op for an Interests condition.", "conditions.op")
                if not (field.startswith("interests-") and field[10:] in lst["categories"]):
                    raise _bad(f"Invalid interest category field {field!r}.", "conditions.field")
                if not isinstance(values, list) or any(
                        interest_category.get(v) != field[10:] for v in values):
                    raise _bad("value must list interest ids of that category.",
                               "conditions.value")
            elif kind == "StaticSegment":
                if condition.get("field") != "static_segment" or condition.get("op") not in STATIC_OPS:
                    raise _bad("Invalid StaticSegment condition.", "conditions")
                value = condition.get("value")
                if isinstance(value, bool) or not isinstance(value, (int, float)) \
                        or int(value) not in lst["segments"]:
                    raise _bad("value must be the id of a static segment.", "conditions.value")
            else:
                raise _bad(f"The stand-in does not evaluate condition_type {kind!r}.",
                           "conditions.condition_type")
        return copy.deepcopy(opts)

    def _condition(self, lst: dict, member: dict, condition: dict) -> bool:
        if condition["condition_type"] == "Interests":
            chosen = {i for i, on in member["interests"].items() if on}
            wanted = set(condition["value"])
            return {"interestcontains": bool(chosen & wanted),
                    "interestcontainsall": wanted <= chosen,
                    "interestnotcontains": not chosen & wanted}[condition["op"]]
        inside = member["hash"] in lst["segments"][int(condition["value"])]["members"]
        return inside if condition["op"] == "static_is" else not inside

    def _resolve(self, lst: dict, opts: dict | None) -> list[str]:
        """E-mail addresses of the subscribed members that the segment selects."""
        opts = opts or {}
        chosen = []
        for member in lst["members"].values():
            if member["status"] != "subscribed":
                continue
            if "saved_segment_id" in opts and not opts.get("conditions"):
                if member["hash"] in lst["segments"][int(opts["saved_segment_id"])]["members"]:
                    chosen.append(member["email_address"])
                continue
            conditions = opts.get("conditions") or []
            hits = [self._condition(lst, member, c) for c in conditions]
            if not conditions or (all(hits) if opts.get("match") == "all" else any(hits)):
                chosen.append(member["email_address"])
        return sorted(chosen)

    def _resolve_campaign(self, c: dict) -> list[str]:
        lst = self._lists.get(c["list_id"])
        return self._resolve(lst, c["segment_opts"]) if lst else []

    # campaign state
    def _campaign(self, campaign_id: str) -> dict[str, Any]:
        if campaign_id not in self._campaigns:
            raise _not_found()
        return self._campaigns[campaign_id]

    def _checklist(self, c: dict) -> dict[str, Any]:
        s = c["settings"]
        checks = [
            ("Audience", c["list_id"] in self._lists, "Your campaign has no audience."),
            ("Recipients", bool(self._resolve_campaign(c)), "Your segment has 0 recipients."),
            ("Subject Line", bool(s.get("subject_line")), "You need to add a subject line."),
            ("From Name", bool(s.get("from_name")), "You need to add a from name."),
            ("Reply-to Address", bool(EMAIL_RE.match(s.get("reply_to") or "")),
             "You need a valid reply-to address."),
            ("Content", bool(c["html"]), "You need to add content to your campaign."),
        ]
        items = [{"type": "success" if ok else "error", "id": n, "heading": heading,
                  "details": "Looks good." if ok else problem}
                 for n, (heading, ok, problem) in enumerate(checks, 1)]
        return {"is_ready": all(ok for _, ok, _ in checks), "items": items}

    def _require_ready(self, c: dict) -> None:
        if not self._checklist(c)["is_ready"]:
            raise _Problem(400, "Bad Request", "Your Campaign is not ready to send.")

    def _deliver(self, c: dict, when: datetime) -> None:
        c["sent_to"] = self._resolve_campaign(c)
        c.update(status="sent", send_time=_now_iso(when), emails_sent=len(c["sent_to"]))

    def _tick(self) -> None:
        """Scheduled campaigns whose time has come go out."""
        now = self.now()
        for c in self._campaigns.values():
            if c["status"] == "schedule" and c["schedule_at"] <= now:
                self._deliver(c, c["schedule_at"])

    def _apply_recipients(self, c: dict, recipients: Any) -> None:
        if not isinstance(recipients, dict):
            raise _bad("recipients must be an object.", "recipients")
        list_id = recipients.get("list_id", c["list_id"])
        if list_id not in self._lists:
            raise _bad("The list_id you provided does not exist.", "recipients.list_id")
        c["list_id"] = list_id
        if "segment_opts" in recipients:
            c["segment_opts"] = self._check_segment_opts(self._lists[list_id],
                                                         recipients["segment_opts"])

    def _apply_settings(self, c: dict, settings: Any) -> None:
        if not isinstance(settings, dict):
            raise _bad("settings must be an object.", "settings")
        unknown = set(settings) - set(SETTINGS_KEYS)
        if unknown:
            raise _bad(f"Unknown settings: {', '.join(sorted(unknown))}.", "settings")
        reply_to = settings.get("reply_to")
        if reply_to is not None and not EMAIL_RE.match(str(reply_to)):
            raise _bad("The reply-to address is not a valid e-mail address.", "settings.reply_to")
        c["settings"].update(settings)

    # endpoints: (status, JSON or None)
    def ping(self, **_: Any) -> tuple[int, Any]:
        return 200, {"health_status": "Everything's Chimpy!"}

    def get_member(self, list_id: str, subscriber_hash: str, **_: Any) -> tuple[int, Any]:
        lst = self._list(list_id)
        return 200, self._member_json(lst, self._member(lst, subscriber_hash))

    def _member_fields(self, lst: dict, member: dict, body: dict) -> None:
        merge_fields = body.get("merge_fields")
        if merge_fields is not None:
            if not isinstance(merge_fields, dict) or set(merge_fields) - set(MERGE_FIELDS):
                raise _bad("Your merge fields were invalid.", "merge_fields")
            member["merge_fields"].update(merge_fields)
        interests = body.get("interests")
        if interests is not None:
            known = self._all_interest_ids(lst)
            if not isinstance(interests, dict):
                raise _bad("interests must be an object.", "interests")
            for key, value in interests.items():
                if key not in known:
                    raise _bad(f"Invalid interest ID: '{key}'.", "interests")
                if not isinstance(value, bool):
                    raise _bad("Interest values must be booleans.", "interests")
            member["interests"].update(interests)
        if "language" in body:
            member["language"] = str(body["language"])
        member["last_changed"] = _now_iso(self.now())

    def put_member(self, list_id: str, subscriber_hash: str, body: Any, **_: Any) -> tuple[int, Any]:
        lst = self._list(list_id)
        if not isinstance(body, dict):
            raise _bad("The request body must be an object.")
        email = body.get("email_address")
        key = _member_key(subscriber_hash)
        if email is not None and email_hash(str(email)) != key:
            raise _bad("The email address does not match the subscriber hash in the URL.",
                       "email_address")
        for name in ("status", "status_if_new"):
            if name in body and body[name] not in MEMBER_STATUSES:
                raise _bad(f"Invalid {name}.", name)
        member = lst["members"].get(key)
        if member is None:
            if not email:
                raise _bad("This value should not be blank.", "email_address")
            if not EMAIL_RE.match(str(email)):
                raise _bad(f"{email} looks fake or invalid, please enter a real email address.",
                           "email_address")
            status = body.get("status") or body.get("status_if_new")
            if not status:
                raise _bad("The status_if_new field is required for new members.",
                           "status_if_new")
            self._member_fields(lst, {"merge_fields": {}, "interests": {}}, body)  # validate first
            member = self._new_member(lst, str(email), status)
            for interest_id in self._all_interest_ids(lst):
                member["interests"].setdefault(interest_id, False)
        elif "status" in body:  # an existing member keeps their status unless told otherwise
            member["status"] = body["status"]
        self._member_fields(lst, member, body)
        return 200, self._member_json(lst, member)

    def patch_member(self, list_id: str, subscriber_hash: str, body: Any, **_: Any) -> tuple[int, Any]:
        lst = self._list(list_id)
        member = self._member(lst, subscriber_hash)
        if not isinstance(body, dict):
            raise _bad("The request body must be an object.")
        if "status" in body:
            if body["status"] not in MEMBER_STATUSES:
                raise _bad("Invalid status.", "status")
            member["status"] = body["status"]
        self._member_fields(lst, member, body)
        return 200, self._member_json(lst, member)

    def post_member_tags(self, list_id: str, subscriber_hash: str, body: Any, **_: Any) -> tuple[int, Any]:
        lst = self._list(list_id)
        member = self._member(lst, subscriber_hash)
        # Like Mailchimp: a body of the wrong shape is answered 204 and changes nothing.
        tags = body.get("tags") if isinstance(body, dict) else None
        for tag in tags if isinstance(tags, list) else []:
            if isinstance(tag, dict) and isinstance(tag.get("name"), str) \
                    and tag.get("status") in ("active", "inactive"):
                self._tag(lst, member, tag["name"], tag["status"] == "active")
        return 204, None

    def get_segments(self, list_id: str, query: dict, **_: Any) -> tuple[int, Any]:
        lst = self._list(list_id)
        kind = query.get("type")
        if kind is not None and kind not in ("saved", "static", "fuzzy"):
            raise _bad("type must be saved, static or fuzzy.", "type")
        segments = [{"id": s["id"], "name": s["name"], "member_count": len(s["members"]),
                     "type": s["type"], "created_at": s["created_at"],
                     "updated_at": s["updated_at"], "options": {}, "list_id": list_id,
                     "_links": []}
                    for s in lst["segments"].values() if kind in (None, s["type"])]
        page, total = _page(segments, query)
        return 200, {"segments": page, "list_id": list_id, "total_items": total, "_links": []}

    def _category_json(self, list_id: str, c: dict) -> dict[str, Any]:
        return {"list_id": list_id, "id": c["id"], "title": c["title"],
                "display_order": c["display_order"], "type": c["type"], "_links": []}

    def get_categories(self, list_id: str, query: dict, **_: Any) -> tuple[int, Any]:
        lst = self._list(list_id)
        page, total = _page([self._category_json(list_id, c) for c in lst["categories"].values()],
                            query)
        return 200, {"list_id": list_id, "categories": page, "total_items": total, "_links": []}

    def post_category(self, list_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        lst = self._list(list_id)
        if not isinstance(body, dict) or not body.get("title") or body.get("type") not in CATEGORY_TYPES:
            raise _bad("title and a valid type are required.", "title")
        if any(c["title"] == body["title"] for c in lst["categories"].values()):
            raise _bad(f'Cannot add "{body["title"]}" because it already exists on the list.')
        return 200, self._category_json(list_id, self._new_category(lst, body["title"], body["type"]))

    def _interest_json(self, list_id: str, category: dict, i: dict, lst: dict) -> dict[str, Any]:
        count = sum(1 for m in lst["members"].values()
                    if m["status"] == "subscribed" and m["interests"].get(i["id"]))
        return {"category_id": category["id"], "list_id": list_id, "id": i["id"],
                "name": i["name"], "subscriber_count": str(count),
                "display_order": i["display_order"], "_links": []}

    def get_interests(self, list_id: str, category_id: str, query: dict, **_: Any) -> tuple[int, Any]:
        lst = self._list(list_id)
        category = lst["categories"].get(category_id)
        if category is None:
            raise _not_found()
        page, total = _page([self._interest_json(list_id, category, i, lst)
                             for i in category["interests"].values()], query)
        return 200, {"interests": page, "list_id": list_id, "category_id": category_id,
                     "total_items": total, "_links": []}

    def post_interest(self, list_id: str, category_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        lst = self._list(list_id)
        category = lst["categories"].get(category_id)
        if category is None:
            raise _not_found()
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
            raise _bad("name is required.", "name")
        if any(i["name"] == body["name"] for i in category["interests"].values()):
            raise _bad(f'Cannot add "{body["name"]}" because it already exists on the list.')
        interest = self._new_interest(lst, category, body["name"])
        return 200, self._interest_json(list_id, category, interest, lst)

    def post_campaign(self, body: Any, **_: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or body.get("type") not in CAMPAIGN_TYPES:
            raise _bad("type must be one of: " + ", ".join(CAMPAIGN_TYPES) + ".", "type")
        c = {"id": self._id("campaign"), "web_id": next(self._counter), "type": body["type"],
             "create_time": _now_iso(self.now()), "status": "save", "emails_sent": 0,
             "send_time": "", "list_id": "", "segment_opts": None, "settings": {},
             "html": "", "plain_text": "", "test_emails": [], "sent_to": []}
        if "recipients" in body:
            self._apply_recipients(c, body["recipients"])
        if "settings" in body:
            self._apply_settings(c, body["settings"])
        self._campaigns[c["id"]] = c
        return 200, self._campaign_json(c)

    def get_campaigns(self, query: dict, **_: Any) -> tuple[int, Any]:
        status, kind = query.get("status"), query.get("type")
        chosen = [c for c in self._campaigns.values()
                  if query.get("list_id") in (None, c["list_id"])
                  and status in (None, c["status"]) and kind in (None, c["type"])]
        sort_field = query.get("sort_field", "create_time")
        if sort_field not in ("create_time", "send_time"):
            raise _bad("sort_field must be create_time or send_time.", "sort_field")
        if query.get("sort_dir", "ASC") not in ("ASC", "DESC"):
            raise _bad("sort_dir must be ASC or DESC.", "sort_dir")
        order = {c["id"]: n for n, c in enumerate(self._campaigns.values())}  # same-second ties
        chosen.sort(key=lambda c: (c[sort_field], order[c["id"]]),
                    reverse=query.get("sort_dir") == "DESC")
        page, total = _page([self._campaign_json(c) for c in chosen], query)
        return 200, {"campaigns": page, "total_items": total, "_links": []}

    def get_campaign(self, campaign_id: str, **_: Any) -> tuple[int, Any]:
        return 200, self._campaign_json(self._campaign(campaign_id))

    def patch_campaign(self, campaign_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        c = self._campaign(campaign_id)
        if c["status"] not in EDITABLE:
            raise _Problem(400, "Bad Request", "This campaign cannot be updated in its status.")
        if not isinstance(body, dict):
            raise _bad("The request body must be an object.")
        if "recipients" in body:
            self._apply_recipients(c, body["recipients"])
        if "settings" in body:
            self._apply_settings(c, body["settings"])
        return 200, self._campaign_json(c)

    def delete_campaign(self, campaign_id: str, **_: Any) -> tuple[int, Any]:
        if self._campaign(campaign_id)["status"] == "sending":
            raise _Problem(400, "Bad Request", "A campaign that is sending cannot be deleted.")
        del self._campaigns[campaign_id]
        return 204, None

    def put_content(self, campaign_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        c = self._campaign(campaign_id)
        if c["status"] not in EDITABLE:
            raise _Problem(400, "Bad Request", "The content of this campaign cannot be changed.")
        if not isinstance(body, dict) or not set(body) <= {"html", "plain_text"} or not all(
                isinstance(v, str) for v in body.values()):
            raise _bad("The stand-in takes html and plain_text strings only.", "html")
        if "html" in body:
            c["html"] = body["html"]
            c["plain_text"] = body.get("plain_text") or re.sub(r"<[^>]+>", "", body["html"]).strip()
        elif "plain_text" in body:
            c["plain_text"] = body["plain_text"]
        return 200, {"plain_text": c["plain_text"], "html": c["html"], "_links": []}

    def get_content(self, campaign_id: str, **_: Any) -> tuple[int, Any]:
        c = self._campaign(campaign_id)
        return 200, {"plain_text": c["plain_text"], "html": c["html"],
                     "archive_html": c["html"], "_links": []}

    def post_test(self, campaign_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        c = self._campaign(campaign_id)
        if not isinstance(body, dict) or body.get("send_type") not in ("html", "plaintext"):
            raise _bad("send_type must be html or plaintext.", "send_type")
        emails = body.get("test_emails")
        if not isinstance(emails, list) or not emails or not all(
                isinstance(e, str) and EMAIL_RE.match(e) for e in emails):
            raise _bad("test_emails must list valid e-mail addresses.", "test_emails")
        self._require_ready(c)
        c["test_emails"].append(list(emails))
        return 204, None

    def get_checklist(self, campaign_id: str, **_: Any) -> tuple[int, Any]:
        return 200, {**self._checklist(self._campaign(campaign_id)), "_links": []}

    def post_send(self, campaign_id: str, **_: Any) -> tuple[int, Any]:
        c = self._campaign(campaign_id)
        if c["status"] in ("sent", "sending"):
            raise _Problem(400, "Bad Request", "This campaign has already been sent.")
        if c["status"] == "schedule":
            raise _Problem(400, "Bad Request", "This campaign is scheduled; unschedule it first.")
        self._require_ready(c)
        self._deliver(c, self.now())
        return 204, None

    def post_schedule(self, campaign_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        c = self._campaign(campaign_id)
        raw = body.get("schedule_time") if isinstance(body, dict) else None
        try:
            at = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError:
            raise _bad("schedule_time must be an ISO 8601 date and time.", "schedule_time")
        at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
        if at.minute % 15 or at.second or at.microsecond:
            raise _bad("Campaigns may only be scheduled to send on the quarter-hour "
                       "(:00, :15, :30, :45).", "schedule_time")
        if at <= self.now():
            raise _bad("Schedule time must be in the future.", "schedule_time")
        if c["status"] not in EDITABLE:
            raise _Problem(400, "Bad Request", "This campaign cannot be scheduled in its status.")
        self._require_ready(c)
        c.update(status="schedule", schedule_at=at, send_time=_now_iso(at))
        return 204, None

    def post_unschedule(self, campaign_id: str, **_: Any) -> tuple[int, Any]:
        c = self._campaign(campaign_id)
        if c["status"] != "schedule":
            raise _Problem(400, "Bad Request", "This campaign is not scheduled.")
        c.update(status="save", send_time="")
        return 204, None


def _member_key(subscriber: str) -> str:
    """Mailchimp accepts the subscriber hash or the e-mail address itself in the URL."""
    return email_hash(subscriber) if "@" in subscriber else subscriber.lower()


def _page(items: list, query: dict) -> tuple[list, int]:
    try:
        count = int(query.get("count", 10))
        offset = int(query.get("offset", 0))
    except (TypeError, ValueError):
        raise _bad("count and offset must be integers.", "count")
    if not 0 <= count <= MAX_COUNT or offset < 0:
        raise _bad(f"count must be between 0 and {MAX_COUNT}.", "count")
    return items[offset:offset + count], len(items)


def _project(doc: Any, fields: Any, exclude: Any) -> Any:
    """Mailchimp's ``fields`` / ``exclude_fields`` (comma-separated, dot notation)."""
    def paths(raw: Any) -> list[list[str]]:
        raw = ",".join(raw) if isinstance(raw, list) else raw
        return [p.split(".") for p in str(raw).split(",") if p]

    def keep(node: Any, wanted: list[list[str]]) -> Any:
        if isinstance(node, list):
            return [keep(item, wanted) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            below = [p[1:] for p in wanted if p[0] == key]
            if any(not p for p in below):
                out[key] = value
            elif below:
                out[key] = keep(value, below)
        return out

    def drop(node: Any, path: list[str]) -> None:
        if isinstance(node, list):
            for item in node:
                drop(item, path)
        elif isinstance(node, dict) and path[0] in node:
            if len(path) == 1:
                del node[path[0]]
            else:
                drop(node[path[0]], path[1:])

    if fields:
        doc = keep(doc, paths(fields))
    for path in paths(exclude) if exclude else []:
        drop(doc, path)
    return doc


_SEG = "[^/]+"
_ROUTES = [(re.compile(pattern.replace("{", "(?P<").replace("}", f">{_SEG})")), handlers)
           for pattern, handlers in [
    ("/ping", {"GET": "ping"}),
    ("/lists/{list_id}/members/{subscriber_hash}",
     {"GET": "get_member", "PUT": "put_member", "PATCH": "patch_member"}),
    ("/lists/{list_id}/members/{subscriber_hash}/tags", {"POST": "post_member_tags"}),
    ("/lists/{list_id}/segments", {"GET": "get_segments"}),
    ("/lists/{list_id}/interest-categories", {"GET": "get_categories", "POST": "post_category"}),
    ("/lists/{list_id}/interest-categories/{category_id}/interests",
     {"GET": "get_interests", "POST": "post_interest"}),
    ("/campaigns", {"GET": "get_campaigns", "POST": "post_campaign"}),
    ("/campaigns/{campaign_id}",
     {"GET": "get_campaign", "PATCH": "patch_campaign", "DELETE": "delete_campaign"}),
    ("/campaigns/{campaign_id}/content", {"GET": "get_content", "PUT": "put_content"}),
    ("/campaigns/{campaign_id}/actions/test", {"POST": "post_test"}),
    ("/campaigns/{campaign_id}/send-checklist", {"GET": "get_checklist"}),
    ("/campaigns/{campaign_id}/actions/send", {"POST": "post_send"}),
    ("/campaigns/{campaign_id}/actions/schedule", {"POST": "post_schedule"}),
    ("/campaigns/{campaign_id}/actions/unschedule", {"POST": "post_unschedule"}),
]]


def main(argv: list[str] | None = None) -> None:
    """``python -m infra.local.mailchimp_standin [port]``: a seeded stand-in until Ctrl-C."""
    import sys
    import time

    args = sys.argv[1:] if argv is None else argv
    standin = MailchimpStandIn(port=int(args[0]) if args else 0).start()
    standin.seed_demo()
    print(f"MAILCHIMP_BASE_URL={standin.base_url} MAILCHIMP_API_KEY={standin.api_key} "
          f"MAILCHIMP_LIST_ID={standin.list_id}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
