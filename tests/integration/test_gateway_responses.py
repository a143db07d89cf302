"""API Gateway's own answers (before our code runs) are in the app's one error shape, from one
source: the gateway responses of infra/template.json say exactly what functions.http says."""
from __future__ import annotations

import json

import pytest

from functions import http
from infra.local.gateway import DEFAULTS, GatewayResponses
from infra.local.provision import load_template

# type -> the status we answer it with (issue #6: an unknown path is a 404, not a 403)
REQUIRED = {"UNAUTHORIZED": 401, "ACCESS_DENIED": 403, "MISSING_AUTHENTICATION_TOKEN": 404,
            "INCOMPLETE_SIGNATURE": 404, "DEFAULT_4XX": 400, "DEFAULT_5XX": 500}


@pytest.fixture(scope="module")
def configured() -> dict:
    return load_template()["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]


def status_of(kind: str, entry: dict) -> int:
    """The status API Gateway answers with: the entry's, else the type's own."""
    if entry.get("StatusCode"):
        return int(entry["StatusCode"])
    return {"DEFAULT_4XX": 400, "DEFAULT_5XX": 500}.get(kind) or DEFAULTS[kind][0]


def test_the_api_configures_the_gateway_responses_a_client_can_meet(configured):
    for kind, status in REQUIRED.items():
        assert kind in configured, kind
        assert status_of(kind, configured[kind]) == status, kind


def test_every_gateway_response_says_what_the_app_says_for_its_status(configured):
    for kind, entry in configured.items():
        status = status_of(kind, entry)
        expected = json.dumps(http.error_body(status), ensure_ascii=False)
        assert entry["ResponseTemplates"] == {"application/json": expected}, (
            f"{kind}: regenerate its template from functions.http.error_body({status}): {expected}")


def test_gateway_response_templates_are_literal_text_not_velocity(configured):
    # API Gateway evaluates a response template as VTL: $ and # would be directives
    for status, message in http.MESSAGES.items():
        assert "$" not in message and "#" not in message, status
    for kind, entry in configured.items():
        for name, value in entry.get("ResponseParameters", {}).get("Headers", {}).items():
            assert value.startswith("'") and value.endswith("'"), f"{kind} {name}: quote literals"


def test_a_401_tells_the_client_how_to_authenticate(configured):
    assert configured["UNAUTHORIZED"]["ResponseParameters"]["Headers"]["WWW-Authenticate"] == "'Bearer'"


def test_the_local_gateway_answers_with_the_templates_own_text(configured):
    responses = GatewayResponses.from_template(load_template())
    for kind, status in REQUIRED.items():
        answer = responses.answer(kind, status if kind.startswith("DEFAULT") else None)
        assert answer.status == status, kind
        assert json.loads(answer.body) == http.error_body(status), kind
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.headers["Cache-Control"] == "no-store"


def test_an_unconfigured_type_takes_the_default_template_and_keeps_its_own_status():
    responses = GatewayResponses.from_template(load_template())
    failure = responses.answer("AUTHORIZER_FAILURE")
    assert failure.status == 500
    assert json.loads(failure.body) == http.error_body(500)
    bad_gateway = responses.answer("DEFAULT_5XX", 502)
    assert bad_gateway.status == 502 and json.loads(bad_gateway.body) == http.error_body(500)


def test_without_gateway_responses_the_local_gateway_answers_as_aws_does_by_default():
    plain = GatewayResponses({})
    assert plain.answer("MISSING_AUTHENTICATION_TOKEN").status == 403
    assert json.loads(plain.answer("MISSING_AUTHENTICATION_TOKEN").body) == {
        "message": "Missing Authentication Token"}


def test_a_template_with_velocity_is_refused_locally_rather_than_served_wrongly():
    with pytest.raises(ValueError, match="literal"):
        GatewayResponses({"DEFAULT_4XX": {"ResponseTemplates": {
            "application/json": '{"message": $context.error.messageString}'}}})


def test_gateway_responses_are_not_provisioned_in_moto():
    from infra.local.provision import local_template

    assert "RestAPI" not in local_template(load_template())["Resources"]
