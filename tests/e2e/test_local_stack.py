"""`make run` over real HTTP: the API, the control console, and a clean stop and restart."""
from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import pytest

from tests.ports import port_is_free

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


# --- the API -------------------------------------------------------------------------------

def test_api_health_answers_on_the_local_stage(stack):
    response = stack.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "stage": "local"}


def test_every_role_has_a_working_bearer_token(stack):
    from functions.config import ROLES

    assert set(stack.tokens) == set(ROLES)
    assert stack.get("/whoami").status_code == 401
    me = stack.get("/whoami", headers={"Authorization": f"Bearer {stack.tokens['bestuur']}"})
    assert me.status_code == 200 and me.json()["role"] == "bestuur"


def test_state_files_describe_the_running_stack_and_are_private(stack):
    assert stack.info["pid"] == stack.pid
    assert stack.info["moto"].startswith("http://127.0.0.1:")
    assert stack.info["mailchimp"].endswith("/3.0")
    env = stack.env
    for name in ("DATA_TABLE", "SIGNUP_QUEUE_URL", "MAILCHIMP_API_KEY", "MAILCHIMP_BASE_URL",
                 "MAILCHIMP_LIST_ID", "MAILCHIMP_SERVER", "FORM_SECRET", "PUBLIC_BASE_URL"):
        assert env.get(name), name
    assert env["APP_STAGE"] == "local"
    assert env["PUBLIC_BASE_URL"] == stack.api
    assert env["MELDPUNT_MIN_FORM_AGE_SECONDS"] == "0", "the environment overrides config.json"
    for name in ("stack.json", "tokens.json"):
        mode = stat.S_IMODE((stack.state_dir / name).stat().st_mode)
        assert mode == 0o600, f"{name} is readable by others ({oct(mode)})"


def test_request_logs_hold_no_client_address_and_no_query_string(stack, poll):
    stack.get("/health?email=privacy-probe%40example.org")
    output = poll(lambda: "api GET /health 200" in stack.output() and stack.output(),
                  message="the request's log line")
    assert "privacy-probe" not in output
    assert "127.0.0.1 - -" not in output, "a request log line carries the client address"


# --- the console ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/campaigns", "/api/requests", "/api/members",
                                  "/api/queues", "/api/handlers"])
def test_console_json_endpoints_answer(stack, path):
    response = stack.get(path, base="console")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    response.json()


def test_console_outbox_page_links_the_json_endpoints(stack):
    response = stack.get("/", base="console")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    for path in ("/members", "/api/campaigns", "/api/members", "/api/requests", "/api/queues",
                 "/api/handlers"):
        assert f'href="{path}"' in response.text
    assert "memory only" in response.text


def test_console_shows_the_audience_with_interest_and_tag_names(stack):
    members = {m["email"]: m for m in stack.get("/api/members", base="console").json()}
    anna = members["anna.demo@example.org"]
    assert sorted(anna["interest_names"]) == ["Communicatie", "Politieke agenda"]
    assert anna["tags"] == ["bestuur"] and anna["first_name"] == "Anna"
    assert len([on for on in anna["interests"].values() if on]) == 2  # Mailchimp's ids, too

    page = stack.get("/members", base="console")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "anna.demo@example.org" in page.text and "Politieke agenda" in page.text
    assert anna["interests"] and not any(i in page.text for i in anna["interests"]), \
        "the page shows names, not interest ids"


def test_console_lists_the_signup_consumer_with_its_queue(stack):
    handlers = stack.get("/api/handlers", base="console").json()
    consumers = {c["name"]: c for c in handlers["consumers"]}
    signup = consumers["nieuwsbrief_aanmelden_consumer"]
    assert signup["queue"] == "SignupQueue"
    assert signup["function"] == "NieuwsbriefAanmeldenConsumer"
    assert signup["batch_size"] >= 1
    assert isinstance(handlers["scheduled"], list)


def test_console_shows_each_queue_with_its_dead_letter_queue(stack):
    queues = stack.get("/api/queues", base="console").json()
    signup = queues["SignupQueue"]
    assert signup["dead_letter_queue"] == "SignupDeadLetterQueue"
    assert {"visible", "in_flight", "dead_letter_depth"} <= set(signup)


def test_trigger_of_an_unknown_handler_is_404_and_a_bad_time_is_400(stack):
    assert stack.post("/api/trigger/no_such_handler", base="console").status_code == 404
    bad = stack.post("/api/trigger/no_such_handler?at=next-tuesday", base="console")
    assert bad.status_code == 400


def test_scheduled_handlers_can_be_triggered_at_a_given_time(stack):
    scheduled = {h["name"]: h for h in stack.get("/api/handlers", base="console").json()["scheduled"]}
    assert scheduled["meldpunt_retentie"]["expression"] == "cron(15 3 * * ? *)"
    assert "meldpunt_digest" in scheduled
    # retention is safe to run at any time on the demo data
    response = stack.post("/api/trigger/meldpunt_retentie?at=2026-12-25T08:00:00Z", base="console")
    assert response.status_code == 200, response.text
    assert response.json()["time"] == "2026-12-25T08:00:00Z"


def test_mailchimp_failures_pass_through_to_the_stand_in(stack):
    bad = stack.post("/api/mailchimp/fail", base="console", data="not json",
                     headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    ok = stack.post("/api/mailchimp/fail", base="console",
                    json={"mode": "500", "path_contains": "/never-called-by-anyone", "times": 1})
    assert ok.status_code == 200, ok.text


def test_console_refuses_foreign_hosts_and_cross_site_posts(stack):
    rebinding = stack.get("/api/members", base="console", headers={"Host": "evil.example"})
    assert rebinding.status_code == 403
    cross_site = stack.post("/api/trigger/x", base="console",
                            headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403


# --- stop and start again ------------------------------------------------------------------

def test_sigint_stops_everything_and_a_second_start_on_the_same_ports_works(start_stack):
    first = start_stack("first")
    assert first.get("/health").status_code == 200
    assert children_of(first.pid) == [], "the local stack should not spawn processes"
    api_port, console_port = port_of(first.api), port_of(first.console)
    moto_port, mailchimp_port = port_of(first.info["moto"]), port_of(first.info["mailchimp"])

    assert first.stop(signal.SIGINT) == 0
    assert not (first.state_dir / "stack.json").exists()
    assert not (first.state_dir / "tokens.json").exists()
    for port in (api_port, console_port, moto_port, mailchimp_port):
        assert port_is_free(port), f"port {port} still taken after stop"
    assert "Stopped." in first.output()

    second = start_stack("second", PORT=str(api_port), CONSOLE_PORT=str(console_port))
    assert second.api == first.api and second.console == first.console
    assert second.get("/health").status_code == 200
    assert second.get("/api/handlers", base="console").status_code == 200
    assert second.stop(signal.SIGTERM) == 0, second.output()


def test_a_second_stack_on_the_same_state_dir_is_refused_while_the_first_runs(start_stack, launch_stack):
    first = start_stack("shared")
    second = launch_stack(first.state_dir)  # same state dir, free ports
    try:
        assert second.process.wait(60) == 1
    finally:
        second.kill()
    assert "another local stack" in second.output()
    assert (first.state_dir / "stack.json").exists(), "the refused stack removed the running one's file"
    assert first.get("/health").status_code == 200
    assert os.path.exists(first.state_dir / "tokens.json")
