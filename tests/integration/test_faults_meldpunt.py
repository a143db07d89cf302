"""With 30% of AWS calls failing (throttling or 500s, and some answers lost after the work was
done), 500 reports are sent: every report acknowledged with a receipt code is stored and
counted exactly once; every report not acknowledged got a clear, retryable answer; a person
who sends the same again loses nothing and nothing is stored twice."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from functions import wiring
from functions.adapters import aws as aws_clients
from tests.conftest import sqs_records
from tests.faults import AwsFaults
from tests.meldpunt_support import JSON_HEADERS, aged_token, valid_fields

pytestmark = pytest.mark.slow

REPORTS = 500
REVIEWER = {"name": "nadine", "role": "politieke-agenda"}


@pytest.fixture
def no_backoff_sleep(monkeypatch):
    """botocore sleeps between its retries (exponential backoff); the test only counts them."""
    import types

    import botocore.endpoint

    slept: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=slept.append))
    return slept


@pytest.fixture
def moto_as_aws():
    """moto's transactions copy the whole table (O(n) each) and ignore ClientRequestToken: the
    local stack's patches make them answer as DynamoDB does (infra/local/moto_patches.py)."""
    from infra.local import moto_patches

    with moto_patches.installed():
        yield


def test_thirty_percent_aws_faults_lose_nothing_and_count_nothing_twice(client, aws, no_backoff_sleep,
                                                                        moto_as_aws):
    from functions.meldpunt import review

    faults = AwsFaults(share=0.3, seed=20261201, after_applying={"SendMessage"}, after_share=0.05)
    for service in ("dynamodb", "sqs", "kms"):
        faults.install(aws_clients.client(service))
    acknowledged: dict[str, str] = {}
    retry_answers = 0
    for n in range(REPORTS):
        body = json.dumps({**valid_fields(token=aged_token(), beschrijving=f"melding nummer {n}"),
                           "toestemming": True})
        for _attempt in range(12):  # a person (or script) who gets a retry answer sends again
            response = client.http.post("/meldpunt", body=body, headers=JSON_HEADERS)
            if response.status_code == 201:
                acknowledged[f"melding nummer {n}"] = response.json_body["ontvangstcode"]
                break
            # THEN the answer says to try again, in the one error shape
            assert response.status_code == 503, response.body
            assert set(response.json_body) == {"error"} and "opnieuw" in response.json_body["error"]
            retry_answers += 1
    assert len(acknowledged) == REPORTS and retry_answers > 50
    assert faults.injected["before"] > 100 and faults.injected["after"] > 0
    assert no_backoff_sleep and max(no_backoff_sleep) > 0  # botocore backed off between retries

    # WHEN the intake consumer runs (faults still on) until the queue is empty, as SQS would
    url = aws.env["MELDPUNT_QUEUE_URL"]
    while True:
        batch = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                        VisibilityTimeout=0).get("Messages", [])
        if not batch:
            break
        records = sqs_records(*(m["Body"] for m in batch))
        failed = {f["itemIdentifier"] for f in client.lambda_.invoke(
            "meldpunt_intake_consumer", {"Records": records}).payload["batchItemFailures"]}
        for record, message in zip(records, batch):
            if record["messageId"] not in failed:
                aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    faults.stop()

    # THEN every acknowledged report is stored, once
    table = wiring.table()
    reports = [i for i in review.iter_reports(table, review.Filter())]
    assert len(reports) == REPORTS
    from functions.meldpunt import rechten
    assert all(rechten.status(code, table) == "nieuw" for code in acknowledged.values())
    # AND counted once when reviewed
    now = datetime.now(timezone.utc)
    for report in reports:
        review.change_status(table, report["id"], "in_behandeling", "", REVIEWER, now)
    month = valid_fields()["datum"][:7]
    counters, _ = table.query(f"TELLING#{month}")
    assert sum(int(c["totaal"]) for c in counters) == REPORTS
