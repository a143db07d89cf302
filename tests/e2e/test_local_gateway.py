"""The local gateway answers as API Gateway would, with the gateway responses of
infra/template.json (issue #6, items 7 and 14), over real HTTP and raw sockets."""
from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest
import requests

from functions import http as app_http
from infra.local.provision import load_template
from tests.e2e.conftest import wait_for

pytestmark = [pytest.mark.stack, pytest.mark.slow]

JSON = {"Accept": "application/json"}
GUARDED = "/meldpunt/meldingen"


def template_body(kind: str) -> dict:
    gateway = load_template()["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    return json.loads(gateway[kind]["ResponseTemplates"]["application/json"])


def raw(stack, data: bytes, timeout: float = 10.0) -> bytes:
    """Send bytes as they are; read until the server closes (or the timeout)."""
    parts = urlsplit(stack.api)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(data)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except socket.timeout:
            pytest.fail(f"the gateway kept the connection open after answering: {out[:300]!r}")
    return out


def status_and_body(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


# --- tokens -------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}], ids=["no header", "empty header"])
def test_a_guarded_route_without_a_token_is_401_in_the_one_error_shape(stack, headers):
    response = stack.get(GUARDED, headers={**JSON, **headers})

    assert response.status_code == 401
    assert response.json() == template_body("UNAUTHORIZED") == app_http.error_body(401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", [b"Authorization:", b"Authorization:   ", b"authorization: "])
def test_an_empty_authorization_header_never_reaches_the_authorizer(stack, header):
    # chalice local called the authorizer with an empty token, which denied it: 403
    raw_answer = raw(stack, b"GET /meldpunt/meldingen HTTP/1.1\r\nHost: x\r\n" + header +
                     b"\r\nConnection: close\r\n\r\n")
    assert status_and_body(raw_answer) == (401, app_http.error_body(401))


def test_a_token_the_authorizer_denies_is_403_in_the_one_error_shape(stack):
    wrong_role = stack.get(GUARDED, headers={**JSON, "Authorization": f"Bearer {stack.tokens['organizing']}"})
    unknown = stack.get(GUARDED, headers={**JSON, "Authorization": "Bearer bij1_not-a-token"})

    for response in (wrong_role, unknown):
        assert response.status_code == 403
        assert response.json() == template_body("ACCESS_DENIED") == app_http.error_body(403)


# --- routes ------------------------------------------------------------------------------

@pytest.mark.parametrize("method,path,headers", [
    ("GET", "/no/such/page", {}),
    ("GET", "/no/such/page", {"Authorization": "Bearer something"}),
    ("DELETE", "/meldpunt", {}),
    ("PUT", "/health", {}),
], ids=["unknown path", "unknown path with a token", "unknown method", "another unknown method"])
def test_what_the_api_does_not_define_is_404_in_the_one_error_shape(stack, method, path, headers):
    response = requests.request(method, stack.api + path, headers={**JSON, **headers}, timeout=30)

    assert response.status_code == 404
    assert response.json() == template_body("MISSING_AUTHENTICATION_TOKEN") == app_http.error_body(404)
    assert response.headers["Content-Type"] == "application/json"


def test_a_head_request_gets_headers_only_and_the_connection_stays_usable(stack):
    parts = urlsplit(stack.api)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("HEAD", "/health")
        head = connection.getresponse()
        assert head.status == 404 and head.read() == b""
        connection.request("GET", "/health")
        after = connection.getresponse()
        assert after.status == 200 and json.loads(after.read())["status"] == "ok"
    finally:
        connection.close()


# --- bodies ----------------------------------------------------------------------------------

@pytest.mark.parametrize("length", [b"abc", b"-5", b"12, 13", b"1e3"])
def test_a_malformed_content_length_gets_a_clean_400_and_a_closed_connection(stack, length):
    answer = raw(stack, b"POST /meldpunt HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: " + length + b"\r\n\r\n{}")

    assert status_and_body(answer) == (400, app_http.error_body(400))
    assert b"Connection: close" in answer
    assert stack.get("/health").status_code == 200
    assert "Traceback" not in stack.output()


def test_a_body_over_api_gateways_limit_is_refused_before_it_is_sent(stack):
    answer = raw(stack, b"POST /meldpunt HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 10485761\r\n\r\n")

    assert status_and_body(answer) == (413, app_http.error_body(413))


def test_a_chunked_report_is_read_in_full_and_stored(stack):
    # GIVEN a report sent with Transfer-Encoding: chunked, in small chunks (in a month no
    # other e2e test reports in: the figures' suppression would mix the tests)
    opties = stack.get("/meldpunt/opties").json()
    token = stack.get("/meldpunt/token").json()["token"]
    report = {"categorieen": [opties["categorieen"][0]], "gronden": [], "rol": "getuige",
              "wijk": opties["wijken"][1]["code"], "datum": "2026-01-07", "dagdeel": "ochtend",
              "beschrijving": "In stukjes verstuurd. " * 20, "toestemming": True, "token": token}
    data = json.dumps(report).encode()
    chunks = [data[i:i + 100] for i in range(0, len(data), 100)]

    def body():
        yield from chunks  # requests sends a generator chunked

    response = stack.post("/meldpunt", data=body(), headers={**JSON, "Content-Type": "application/json"})

    # THEN the whole body arrived: the report is acknowledged and stored
    assert response.status_code == 201, response.text
    code = response.json()["ontvangstcode"]
    status = wait_for(lambda: (s := stack.get(f"/meldpunt/status?code={code}", headers=JSON).json())
                      .get("status") == "nieuw" and s, message="the chunked report stored")
    assert status["status"] == "nieuw"


def test_chunked_framing_that_is_broken_gets_a_clean_400(stack):
    for framing in (b"zz\r\nabc\r\n0\r\n\r\n", b"5\r\nabcdefgh\r\n0\r\n\r\n"):
        answer = raw(stack, b"POST /meldpunt HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            b"Transfer-Encoding: chunked\r\n\r\n" + framing)
        assert status_and_body(answer) == (400, app_http.error_body(400)), framing


def test_chunked_with_a_content_length_is_refused(stack):
    answer = raw(stack, b"POST /meldpunt HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n")
    assert status_and_body(answer)[0] == 400


def test_the_gateway_logs_which_answer_it_gave_and_why(stack, poll):
    stack.get("/no/such/log-probe")
    line = poll(lambda: next((ln for ln in stack.output().splitlines()
                              if "/no/such/log-probe" in ln), None), message="the log line")
    assert line == "api GET /no/such/log-probe 404 (gateway MISSING_AUTHENTICATION_TOKEN: no such route)"
