"""The control console over HTTP, with a test-only Chalice app and a stub stand-in."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from chalice import Chalice

from infra.local.console import ConsoleBackend, ConsoleServer, render_members, render_outbox
from infra.local.scheduler import Scheduler, discover_schedules


class StubStandIn:
    def __init__(self):
        self.failures = []

    def campaigns(self):
        return [{"id": "c2", "status": "save", "create_time": "2026-11-27T10:00:00+00:00", "send_time": "",
                 "html": "<h1>Nieuws</h1><script>alert(1)</script>", "plain_text": "Nieuws",
                 "test_emails": [["bestuur@example.org"]],
                 "recipients": {"list_id": "l1", "segment_opts": {"match": "any"}, "recipient_count": 1,
                                "emails": ["anna@example.org"]},
                 "settings": {"subject_line": "Nieuws <deze week>", "from_name": "BIJ1", "reply_to": "a@b.nl"}},
                {"id": "c1", "status": "sent", "create_time": "2026-11-20T10:00:00+00:00",
                 "send_time": "2026-11-20T11:00:00+00:00", "html": "", "plain_text": "", "test_emails": [],
                 "recipients": {"list_id": "l1", "emails": []}, "settings": {"subject_line": "Oud"}}]

    def members(self):
        return [{"email": "anna@example.org", "status": "subscribed", "tags": [], "interests": {}},
                {"email": "bram@example.org", "status": "pending", "tags": ["bestuur", "<b>x</b>"],
                 "interests": {"i2": True, "i1": True, "i3": False},
                 "merge_fields": {"FNAME": "Br\ud800am <script>"}, "language": "nl"}]

    def interest_catalogue(self):
        return {"i1": {"name": "Communicatie", "category": "Werkgroepen"},
                "i2": {"name": "Organizing", "category": "Werkgroepen"},
                "i3": {"name": "Politieke agenda", "category": "Werkgroepen"}}

    def requests(self):
        return [{"method": "GET", "path": "/3.0/ping"}]

    def fail(self, mode, path_contains="", times=1, **kwargs):
        if mode not in (500, "timeout"):
            raise ValueError(f"unknown failure mode {mode!r}")
        self.failures.append((mode, path_contains, times))


def make_app():
    app = Chalice(app_name="console-test")

    @app.schedule("cron(0 8 ? * MON *)")
    def digest(event):
        return {"time": event.to_dict()["time"], "sent": 3}

    @app.schedule("rate(1 day)")
    def broken(event):
        raise KeyError("secret@example.org")

    return app


@pytest.fixture
def console():
    standin = StubStandIn()
    scheduler = Scheduler(discover_schedules(make_app()))
    backend = ConsoleBackend(standin=standin, scheduler=scheduler, consumers=[],
                             queues=lambda: {"SignupQueue": {"visible": 0}})
    server = ConsoleServer(backend, "127.0.0.1", 0)
    server.start()
    server.standin = standin
    yield server
    server.stop()


def call(console, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(console.url + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_trigger_runs_the_handler_at_the_given_time_and_returns_its_result(console):
    status, body = call(console, "POST", "/api/trigger/digest?at=2026-12-25T08:00:00Z")
    assert status == 200
    assert json.loads(body) == {"handler": "digest", "time": "2026-12-25T08:00:00Z",
                                "result": {"time": "2026-12-25T08:00:00Z", "sent": 3}}


def test_trigger_without_at_fires_now(console):
    status, body = call(console, "POST", "/api/trigger/digest")
    assert status == 200 and json.loads(body)["time"].endswith("Z")


def test_trigger_answers_404_400_and_500_with_the_error_type_only(console):
    assert call(console, "POST", "/api/trigger/nope")[0] == 404
    assert call(console, "POST", "/api/trigger/digest?at=someday")[0] == 400
    status, body = call(console, "POST", "/api/trigger/broken?at=2026-01-01T00:00:00Z")
    assert status == 500
    assert json.loads(body)["error"] == "KeyError"
    assert "secret@example.org" not in body


def test_campaigns_are_listed_newest_first_with_recipients_settings_and_content(console):
    status, body = call(console, "GET", "/api/campaigns")
    campaigns = json.loads(body)
    assert status == 200 and [c["id"] for c in campaigns] == ["c2", "c1"]
    first = campaigns[0]
    assert first["recipients"] == {"list_id": "l1", "segment_opts": {"match": "any"},
                                   "resolved": ["anna@example.org"]}
    assert first["settings"]["subject_line"] == "Nieuws <deze week>"
    assert first["html"].startswith("<h1>") and first["plain_text"] == "Nieuws"
    assert first["test_emails"] == [["bestuur@example.org"]]


def test_outbox_escapes_everything_and_sandboxes_the_email():
    backend = ConsoleBackend(standin=StubStandIn(), scheduler=None, consumers=[], queues=dict)
    page = render_outbox(backend.campaigns())
    assert "Nieuws &lt;deze week&gt;" in page
    assert "<script>" not in page
    assert 'sandbox=""' in page and "srcdoc=" in page
    assert page.index("c2") < page.index("c1")


def test_fail_passes_through_and_bad_bodies_are_400(console):
    assert call(console, "POST", "/api/mailchimp/fail",
                {"mode": "500", "path_contains": "/members/", "times": 2})[0] == 200
    assert console.standin.failures == [(500, "/members/", 2)]
    assert call(console, "POST", "/api/mailchimp/fail", {"path_contains": "x"})[0] == 400
    assert call(console, "POST", "/api/mailchimp/fail", {"mode": "teapot"})[0] == 400


def test_handlers_members_requests_and_queues(console):
    handlers = json.loads(call(console, "GET", "/api/handlers")[1])
    assert {h["name"]: h["expression"] for h in handlers["scheduled"]} == {
        "digest": "cron(0 8 ? * MON *)", "broken": "rate(1 day)"}
    assert json.loads(call(console, "GET", "/api/members")[1])[0]["status"] == "subscribed"
    assert json.loads(call(console, "GET", "/api/requests")[1])[0]["path"] == "/3.0/ping"
    assert json.loads(call(console, "GET", "/api/queues")[1]) == {"SignupQueue": {"visible": 0}}
    assert call(console, "GET", "/nope")[0] == 404


def test_foreign_host_and_cross_site_post_are_refused(console):
    assert call(console, "GET", "/api/members", headers={"Host": "attacker.example"})[0] == 403
    assert call(console, "POST", "/api/trigger/digest", headers={"Origin": "https://attacker.example"})[0] == 403
    own_origin = console.url
    assert call(console, "POST", "/api/trigger/digest", headers={"Origin": own_origin})[0] == 200


def test_members_show_interests_and_tags_by_name_next_to_mailchimps_ids(console):
    status, body = call(console, "GET", "/api/members")
    members = {m["email"]: m for m in json.loads(body)}

    assert status == 200
    bram = members["bram@example.org"]
    assert bram["interest_names"] == ["Communicatie", "Organizing"]  # in display order
    assert bram["tags"] == ["bestuur", "<b>x</b>"]
    assert bram["interests"] == {"i2": True, "i1": True, "i3": False}
    assert members["anna@example.org"]["interest_names"] == []


def test_the_members_page_shows_names_escaped():
    backend = ConsoleBackend(standin=StubStandIn(), scheduler=None, consumers=[], queues=dict)
    page = render_members(backend.members())

    assert "Communicatie" in page and "Organizing" in page and "Politieke agenda" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<script>" not in page
    assert page.index("anna@example.org") < page.index("bram@example.org")
    assert "1 pending, 1 subscribed" in page


def test_a_lone_surrogate_a_client_put_in_never_makes_the_console_answer_500(console):
    # GIVEN a first name with a lone surrogate (the app refuses those now; the console must
    # cope with whatever reached the stand-in anyway)
    status, body = call(console, "GET", "/api/members")
    assert status == 200
    # THEN the JSON is valid and holds the same string, escaped
    members = {m["email"]: m for m in json.loads(body)}
    assert members["bram@example.org"]["first_name"] == "Br\ud800am <script>"
    page_status, page = call(console, "GET", "/members")
    assert page_status == 200 and "Br\\ud800am &lt;script&gt;" in page


def test_a_malformed_content_length_to_the_console_is_a_400_not_a_500(console):
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(console.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST /api/mailchimp/fail HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Length: abc\r\n\r\n")
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400"), answer[:100]
