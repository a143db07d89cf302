"""docs/cost.md is what infra/cost.py computes, and the meldpunt report's requests in the cost
model are the ones the code makes (counted under moto, call by call)."""
from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest

from infra import cost
from tests.meldpunt_support import deliver, post_form, queued, valid_fields, with_contact

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- infra/cost.py: begin -->", "<!-- infra/cost.py: end -->"


def test_the_cost_doc_shows_what_the_cost_script_computes():
    doc = (ROOT / "docs" / "cost.md").read_text()
    assert BEGIN in doc and END in doc
    shown = doc.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert shown == cost.tables().strip(), "run `python -m infra.cost` and paste its output into docs/cost.md"
    for i, scenario in enumerate(cost.SCENARIOS):
        assert f"{cost.total(i):.2f} USD a month" in doc.split(BEGIN, 1)[0], scenario.name


def test_the_fixed_costs_follow_the_template():
    facts = cost.template_facts()
    template = json.loads((ROOT / "infra" / "template.json").read_text())["Resources"]
    assert facts["kms_keys"] == 2  # DataKey and AlarmKey
    assert facts["alarms"] == sum(r.get("Type") == "AWS::CloudWatch::Alarm" for r in template.values()) > 10
    assert facts["polled_queues"] == 5


def item_kb(item: dict) -> float:
    """DynamoDB's item size, close enough: attribute names plus their values' bytes."""
    return len(json.dumps(item, separators=(",", ":")).encode()) / 1024


@pytest.fixture
def aws_calls(monkeypatch):
    """Every botocore call the app makes: (service, operation, parameters)."""
    import botocore.client

    calls: list[tuple[str, str, dict]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation, params):
        calls.append((self.meta.service_model.service_name, operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return calls


def measure_report(client, aws, aws_calls, fields) -> tuple[Counter, float, int]:
    """(calls per service:operation, write units, transaction items) of one report end to end."""
    aws_calls.clear()
    assert client.http.get("/meldpunt").status_code == 200
    assert post_form(client, fields).status_code == 200
    api_side = len(aws_calls)
    [message] = queued(aws)  # the test's own receive, not the app's
    before_consumer = len(aws_calls)
    assert deliver(client, [message["Body"]]) == {"batchItemFailures": []}
    made = aws_calls[:api_side] + aws_calls[before_consumer:]
    ops = Counter(f"{service}:{op}" for service, op, _ in made)
    wru, items = 0.0, 0
    for service, op, params in made:
        if op == "PutItem":
            wru += math.ceil(item_kb(params["Item"]))
        if op == "TransactWriteItems":
            for action in params["TransactItems"]:
                items += 1
                body = next(iter(action.values()))
                wru += 2 * math.ceil(item_kb(body.get("Item") or body.get("Key")))
    return ops, wru, items


def test_a_meldpunt_report_makes_the_requests_the_cost_model_counts(client, aws, aws_calls):
    # GIVEN a report without and one with contact details, each from the form to the table
    plain, plain_wru, plain_items = measure_report(client, aws, aws_calls, valid_fields())
    contact, contact_wru, contact_items = measure_report(client, aws, aws_calls, with_contact())
    # THEN the calls are: Encrypt per field, the form token's PutItem, one SendMessage, one
    # transaction (the SQS delete is Lambda's, outside the function)
    assert plain == Counter({"kms:Encrypt": 1, "dynamodb:PutItem": 1, "sqs:SendMessage": 1,
                             "dynamodb:TransactWriteItems": 1})
    assert contact == plain + Counter({"kms:Encrypt": 1})
    assert (plain_items, contact_items) == (3, 4)
    # AND the model's averages are these, weighted by the share of reports with contact
    model = cost.ACTIVITIES["meldpunt_melding"][1]
    share = cost.CONTACT_SHARE
    assert model.kms == pytest.approx((1 - share) * 1 + share * 2)
    assert model.sqs == plain["sqs:SendMessage"] + 1  # + Lambda's DeleteMessage
    measured_wru = (1 - share) * plain_wru + share * contact_wru
    assert measured_wru <= model.wru <= measured_wru + 4, (plain_wru, contact_wru)
