"""Every Mailchimp request the project makes fits Mailchimp's own OpenAPI spec.

The run goes through the real adapter (official client) against the stand-in, which records
every request; each one is then validated with openapi-core against two renderings of the
spec: ``openapi.yaml`` (3.0.55; path from ``MAILCHIMP_OPENAPI_SPEC``) and the sibling
``openapi-3.0.85.json``. The stand-in's answers are validated against the same specs, so the
local system is tested against Mailchimp's shapes, not the stand-in's idea of them. Known spec
defects are relaxed in a copy first (see docs/mailchimp.md): ``merge_fields`` values typed
``object`` become "any"; a ``date-time`` may be the empty string Mailchimp sends for "not yet";
``content: {}`` on a 204 means no body; segment conditions, which the spec gives as ``x-oneOf``
(ignored by validators), are checked here against the alternative their ``condition_type`` names.
"""
from __future__ import annotations

import base64
import hashlib
import copy
import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from functions.adapters.mailchimp import Mailchimp
from functions.nieuwsbrief.aanmelden import MESSAGE_KIND, process_signup
from tests.mailchimp_fixtures import adapter_for, running_standin

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO.parent / "shared" / "mailchimp" / "openapi.yaml"
NEWER_SPEC_NAME = "openapi-3.0.85.json"
HOST = "https://server.api.mailchimp.com"
BASE_PATH = "/3.0"
AUTH = {"Authorization": "Basic " + base64.b64encode(b"anystring:key-us1").decode()}
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
SPECS = ("openapi.yaml", NEWER_SPEC_NAME)


# -- loading and relaxing the specs -----------------------------------------------------------

def spec_files() -> dict[str, Path]:
    main = Path(os.environ.get("MAILCHIMP_OPENAPI_SPEC") or DEFAULT_SPEC)
    files = {"openapi.yaml": main, NEWER_SPEC_NAME: main.with_name(NEWER_SPEC_NAME)}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        pytest.fail("Mailchimp OpenAPI spec not found: " + ", ".join(missing) + ". Set "
                    "MAILCHIMP_OPENAPI_SPEC to Mailchimp's openapi.yaml (with "
                    f"{NEWER_SPEC_NAME} in the same folder); see ../shared/mailchimp/README.md.",
                    pytrace=False)
    return files


def load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# Mailchimp answers "" for a time that has not happened yet (an unsent campaign's send_time, an
# unknown timestamp_signup); the spec types those ``date-time``. A date-time, or nothing.
DATE_TIME_OR_EMPTY = r"^$|^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def relaxed(spec: dict[str, Any], *, answers: bool = False) -> dict[str, Any]:
    """A copy with the spec's known defects mended: every ``merge_fields`` map takes any value
    (the spec says object; Mailchimp takes strings, numbers and address objects). With
    ``answers`` (for checking responses only: requests must still send real times) a
    ``date-time`` may be ``""`` and a response with ``content: {}`` (the 204s) has no body."""
    spec = copy.deepcopy(spec)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if answers and node.get("type") == "string" and node.get("format") == "date-time":
                del node["format"]
                node["pattern"] = DATE_TIME_OR_EMPTY
            if answers and node.get("content") == {} and "description" in node:
                del node["content"]
            merge_fields = (node.get("properties") or {}).get("merge_fields") \
                if isinstance(node.get("properties"), dict) else None
            if isinstance(merge_fields, dict) and isinstance(
                    merge_fields.get("additionalProperties"), dict) \
                    and merge_fields["additionalProperties"].get("type") == "object":
                merge_fields["additionalProperties"] = {}
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return spec


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` and single-element ``allOf`` wrappers."""
    while True:
        if "$ref" in schema:
            node: Any = spec
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema = node
        elif len(schema.get("allOf") or []) == 1 and "properties" not in schema:
            schema = schema["allOf"][0]
        else:
            return schema


def condition_schemas(spec: dict[str, Any]) -> dict[str, dict]:
    """condition_type -> its schema, from the ``x-oneOf`` of POST /campaigns' conditions."""
    body = spec["paths"]["/campaigns"]["post"]["requestBody"]["content"]["application/json"]
    campaign = resolve(spec, body["schema"])
    recipients = resolve(spec, campaign["properties"]["recipients"])
    segment_opts = resolve(spec, recipients["properties"]["segment_opts"])
    conditions = resolve(spec, segment_opts["properties"]["conditions"])
    return {alt["properties"]["condition_type"]["enum"][0]: alt
            for alt in conditions["items"]["x-oneOf"]
            if "condition_type" in alt.get("properties", {})}


def documented_endpoints(spec: dict[str, Any]) -> list[tuple[str, re.Pattern]]:
    endpoints = []
    for path, operations in spec["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(BASE_PATH + path))
        endpoints += [(method.upper(), re.compile(pattern)) for method in operations
                      if method in HTTP_METHODS]
    return endpoints


@pytest.fixture(scope="module")
def specs() -> dict[str, SimpleNamespace]:
    """Both renderings, loaded once per module (the YAML takes seconds)."""
    from openapi_core import Config, OpenAPI

    loaded = {}
    for name, path in spec_files().items():
        raw = load(path)
        assert raw["servers"][0]["url"] == HOST + BASE_PATH, "the spec's server moved"
        # The spec itself is not validated (slow, and not ours to fix); requests and answers are.
        config = Config(spec_validator_cls=None,
                        extra_media_type_deserializers={"application/problem+json": json.loads})
        loaded[name] = SimpleNamespace(
            raw=raw, api=OpenAPI.from_dict(relaxed(raw), config=config),
            answers_api=OpenAPI.from_dict(relaxed(raw, answers=True), config=config),
            conditions=condition_schemas(raw), endpoints=documented_endpoints(raw))
    return loaded


# -- the run ----------------------------------------------------------------------------------

class Recording:
    """Passes every call through to the adapter and notes which methods were used."""

    def __init__(self, inner: Any):
        self._inner = inner
        self.called: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if callable(attribute):
            self.called.add(name)
        return attribute


def run_every_call(mailchimp: Recording) -> dict[str, str]:
    """Every Mailchimp call the project makes, as the services make them."""
    outcomes = {
        "new signup": process_signup({"kind": MESSAGE_KIND, "email": "Nieuw.Lid@example.org",
                                      "voornaam": "Nieuw", "lang": "nl",
                                      "werkgroepen": ["communicatie", "organizing"]}, mailchimp),
        "unsubscribed signup": process_signup({"kind": MESSAGE_KIND, "lang": "en",
                                               "email": "gijs.demo@example.org", "voornaam": "",
                                               "werkgroepen": []}, mailchimp),
    }
    ids = mailchimp.werkgroep_interest_ids()
    mailchimp.get_member("bram.demo@example.org")
    mailchimp.upsert_member("bram.demo@example.org", status_if_new="subscribed",
                            merge_fields={"FNAME": "Bram", "LNAME": "Demo"},
                            interests={ids["Organizing"]: False, ids["Communicatie"]: True},
                            language="en")
    mailchimp.update_tags("bram.demo@example.org", {"kascommissie": True, "bestuur": False})

    title = "Nieuwsbrief 2026-12"
    assert mailchimp.find_campaign_by_title(title) is None
    newsletter = mailchimp.create_campaign(
        title=title, subject="Nieuws uit Den Haag", preview_text="December",
        segment_opts=mailchimp.interest_segment("Politieke agenda"))
    mailchimp.set_content(newsletter, html="<h1>Nieuws</h1>", plain_text="Nieuws")
    mailchimp.update_campaign(newsletter, subject="Nieuws uit Den Haag: december",
                              preview_text="Het bestuur, de werkgroepen, het meldpunt")
    mailchimp.send_test(newsletter, ["redactie@example.org"])
    assert mailchimp.checklist(newsletter)["is_ready"]
    outcomes["send"] = mailchimp.send(newsletter)
    outcomes["send again"] = mailchimp.send(newsletter)
    assert mailchimp.get_campaign(newsletter)["status"] == "sent"
    assert mailchimp.find_campaign_by_title(title)["id"] == newsletter

    agenda = mailchimp.create_campaign(title="Agenda bestuur 2026-12-02", subject="Agenda",
                                       segment_opts=mailchimp.tag_segment("bestuur"))
    mailchimp.set_content(agenda, html="<p>Agenda</p>", plain_text="Agenda")
    when = (datetime.now(timezone.utc) + timedelta(days=1)).replace(minute=30, second=0,
                                                                     microsecond=0)
    assert mailchimp.schedule(agenda, when) == "schedule"
    assert mailchimp.schedule(agenda, when) == "schedule"  # at most once: no second request
    assert mailchimp.unschedule(agenda) == "save"
    assert mailchimp.unschedule(agenda) == "save"
    assert mailchimp.schedule(agenda, when) == "schedule"
    return outcomes


@pytest.fixture(scope="module")
def exercised() -> SimpleNamespace:
    with running_standin() as standin:
        mailchimp = Recording(adapter_for(standin))
        outcomes = run_every_call(mailchimp)
        recorded = standin.exchanges()
    return SimpleNamespace(requests=recorded, called=mailchimp.called, outcomes=outcomes)


# -- validation -------------------------------------------------------------------------------

def mock_request(r: dict[str, Any]) -> Any:
    from openapi_core.testing import MockRequest

    # The client sends the literal JSON ``null`` for calls without a body: no body.
    data = None if r["body"] is None else json.dumps(r["body"]).encode("utf-8")
    return MockRequest(HOST, r["method"], r["path"], args=r["query"], headers=AUTH, data=data)


def describe(exc: BaseException) -> str:
    cause = exc.__cause__
    details = [str(e).splitlines()[0] for e in getattr(cause, "schema_errors", None) or []]
    return f"{type(exc).__name__}: {str(exc)[:300]} {details}".strip()


def spec_violations(spec: SimpleNamespace, recorded: list[dict]) -> list[str]:
    problems = []
    for r in recorded:
        try:
            spec.api.validate_request(mock_request(r))
        except Exception as exc:  # openapi-core raises one class per kind of violation
            problems.append(f"{r['method']} {r['path']}: {describe(exc)}")
    return problems


def mock_response(r: dict[str, Any]) -> Any:
    from openapi_core.testing import MockResponse

    if r["response"] is None:
        return MockResponse(b"", status_code=r["status"], content_type=None)
    return MockResponse(json.dumps(r["response"]).encode("utf-8"), status_code=r["status"],
                        content_type=r["response_type"].split(";")[0].strip())


def answer_violations(spec: SimpleNamespace, exchanges: list[dict]) -> list[str]:
    problems = []
    for r in exchanges:
        if r["status"] is None:  # held: no answer to check
            continue
        if r["status"] == 204 and r["response"] is not None:  # the validator ignores bodies there
            problems.append(f"{r['method']} {r['path']} -> 204 with a body")
            continue
        try:
            spec.answers_api.validate_response(mock_request(r), mock_response(r))
        except Exception as exc:  # openapi-core raises one class per kind of violation
            problems.append(f"{r['method']} {r['path']} -> {r['status']}: {describe(exc)}")
    return problems


def condition_violations(spec: SimpleNamespace, recorded: list[dict]) -> list[str]:
    from openapi_schema_validator import OAS30Validator

    problems = []
    for r in recorded:
        body = r["body"] if isinstance(r["body"], dict) else {}
        opts = (body.get("recipients") or {}).get("segment_opts") or {}
        for condition in opts.get("conditions") or []:
            schema = spec.conditions.get(condition.get("condition_type"))
            if schema is None:
                problems.append(f"{r['path']}: unknown condition_type in {condition}")
                continue
            problems += [f"{r['path']}: {e.message}"
                         for e in OAS30Validator(schema).iter_errors(condition)]
    return problems


def undocumented(spec: SimpleNamespace, recorded: list[dict]) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in recorded
            if not any(method == r["method"] and pattern.fullmatch(r["path"])
                       for method, pattern in spec.endpoints)]


# -- tests ------------------------------------------------------------------------------------

def test_the_run_uses_every_method_of_the_mailchimp_protocol(exercised):
    protocol = {name for name, value in vars(Mailchimp).items()
                if callable(value) and not name.startswith("_")}

    assert protocol - exercised.called == set()
    assert exercised.outcomes == {"new signup": "upserted", "unsubscribed signup": "skipped",
                                  "send": "sending", "send again": "sent"}


def test_the_standin_accepted_every_request_but_the_lookup_of_a_new_member(exercised):
    rejected = [(r["method"], r["path"], r["status"]) for r in exercised.requests
                if r["status"] is None or r["status"] >= 400]
    new_member = "/members/" + hashlib.md5(b"nieuw.lid@example.org").hexdigest()

    assert rejected == [("GET", "/3.0/lists/bij1denhaag" + new_member, 404)]
    assert len(exercised.requests) > 20


@pytest.mark.parametrize("spec_name", SPECS)
def test_every_request_fits_the_spec(specs, exercised, spec_name):
    assert spec_violations(specs[spec_name], exercised.requests) == []


@pytest.mark.parametrize("spec_name", SPECS)
def test_every_request_goes_to_a_documented_endpoint(specs, exercised, spec_name):
    assert undocumented(specs[spec_name], exercised.requests) == []


@pytest.mark.parametrize("spec_name", SPECS)
def test_every_segment_condition_fits_its_x_one_of_alternative(specs, exercised, spec_name):
    sent_conditions = [r for r in exercised.requests
                       if r["method"] == "POST" and r["path"] == "/3.0/campaigns"]

    assert len(sent_conditions) == 2  # an Interests and a StaticSegment campaign
    assert condition_violations(specs[spec_name], exercised.requests) == []


@pytest.mark.parametrize("spec_name", SPECS)
def test_the_checks_reject_requests_that_break_the_spec(specs, spec_name):
    spec = specs[spec_name]
    member = {"method": "PUT", "path": "/3.0/lists/l1/members/abc", "query": {},
              "body": {"email_address": "a@example.org", "status_if_new": "aangemeld"}}
    too_many = {"method": "GET", "path": "/3.0/campaigns", "query": {"count": "5000"},
                "body": None}
    invented = {"method": "POST", "path": "/3.0/campaigns/c1/actions/send-twice", "query": {},
                "body": None}
    bad_condition = {"method": "POST", "path": "/3.0/campaigns", "query": {}, "body": {
        "type": "regular", "recipients": {"list_id": "l1", "segment_opts": {
            "match": "any", "conditions": [{"condition_type": "StaticSegment",
                                            "field": "static_segment", "op": "static_is",
                                            "value": "bestuur"}]}}}}

    no_time = {"method": "POST", "path": "/3.0/campaigns/c1/actions/schedule", "query": {},
               "body": {"schedule_time": ""}}  # "" is only Mailchimp's answer for "not yet"

    assert len(spec_violations(spec, [member, too_many, invented, no_time])) == 4
    assert undocumented(spec, [invented]) == ["POST /3.0/campaigns/c1/actions/send-twice"]
    assert len(condition_violations(spec, [bad_condition])) == 1


@pytest.mark.parametrize("spec_name", SPECS)
def test_every_answer_of_the_standin_fits_the_spec(specs, exercised, spec_name):
    answered = [r for r in exercised.requests if r["status"] is not None]
    kinds = {(r["status"] == 204, r["status"] >= 400) for r in answered}

    assert kinds == {(False, False), (True, False), (False, True)}  # JSON, 204s and a problem
    assert answer_violations(specs[spec_name], answered) == []


@pytest.mark.parametrize("spec_name", SPECS)
def test_the_answer_check_rejects_answers_that_break_the_spec(specs, spec_name):
    spec = specs[spec_name]
    get_campaign = {"method": "GET", "path": "/3.0/campaigns/c1", "query": {}, "body": None,
                    "response_type": "application/json"}
    wrong_status = {**get_campaign, "status": 200,
                    "response": {"id": "c1", "status": "verzonden", "emails_sent": 0}}
    wrong_time = {**get_campaign, "status": 200,
                  "response": {"id": "c1", "status": "save", "send_time": "morgen"}}
    body_on_204 = {"method": "POST", "path": "/3.0/campaigns/c1/actions/send", "query": {},
                   "body": None, "status": 204, "response": {"id": "c1"},
                   "response_type": "application/json"}
    not_sent_yet = {**get_campaign, "status": 200,
                    "response": {"id": "c1", "status": "save", "send_time": ""}}

    assert len(answer_violations(spec, [wrong_status, wrong_time, body_on_204])) == 3
    assert answer_violations(spec, [not_sent_yet]) == []


def test_a_missing_spec_fails_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("MAILCHIMP_OPENAPI_SPEC", str(tmp_path / "openapi.yaml"))

    with pytest.raises(pytest.fail.Exception, match="MAILCHIMP_OPENAPI_SPEC"):
        spec_files()
