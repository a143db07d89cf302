"""Shared fixtures: fake AWS credentials everywhere, moto provisioned from infra/template.json,
a Chalice test client, and Lambda-shaped event factories with unique ids."""
from __future__ import annotations

import os
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Iterator

import pytest

from functions import wiring
from functions.adapters import aws as aws_clients
from tests.mailchimp_fixtures import mailchimp_adapter, standin  # noqa: F401  (shared fixtures)

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    """No test talks to real AWS, and no test leaks wiring overrides into the next."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    wiring.reset()
    aws_clients.client.cache_clear()
    yield
    wiring.reset()
    aws_clients.client.cache_clear()


@contextmanager
def moto_world(monkeypatch) -> Iterator[SimpleNamespace]:
    """moto (in process) with every resource of infra/template.json; env vars set as in Lambda.
    A fresh, empty world each time it is entered."""
    import boto3
    from moto import mock_aws

    from infra.local.provision import provision

    with mock_aws():
        env, physical = provision(boto3.client("cloudformation"), boto3.client("sqs"),
                                  parameters={"MailchimpListId": "test-list"}, s3=boto3.client("s3"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("APP_STAGE", "test")
        monkeypatch.setenv("FORM_SECRET", "test-form-secret")
        wiring.reset()
        aws_clients.client.cache_clear()
        yield SimpleNamespace(env=env, physical=physical,
                              sqs=boto3.client("sqs"), dynamodb=boto3.client("dynamodb"),
                              s3=boto3.client("s3"), kms=boto3.client("kms"))


@pytest.fixture
def aws(monkeypatch):
    """moto (in process) with every resource of infra/template.json; env vars set as in Lambda."""
    with moto_world(monkeypatch) as world:
        yield world


@pytest.fixture
def client(aws):
    """chalice.test.Client on the real app, backed by moto."""
    from chalice.test import Client

    import app as app_module

    with Client(app_module.app, stage_name="local") as c:
        yield c


_counter = iter(range(1, 10**9))


def sqs_records(*bodies: str, receive_count: int = 1) -> list[dict]:
    """Lambda SQS records with unique messageIds (chalice's generator reuses one id)."""
    records = []
    for body in bodies:
        n = next(_counter)
        records.append({"messageId": f"msg-{n}", "receiptHandle": f"rh-{n}", "body": body,
                        "attributes": {"ApproximateReceiveCount": str(receive_count)},
                        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:q",
                        "awsRegion": "eu-west-1"})
    return records


def sqs_event(*bodies: str) -> dict:
    return {"Records": sqs_records(*bodies)}


def schedule_event(time_iso: str) -> dict:
    """An EventBridge scheduled event whose ``time`` is the firing time."""
    return {"version": "0", "id": f"evt-{next(_counter)}", "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "123456789012", "time": time_iso,
            "region": "eu-west-1", "resources": [], "detail": {}}
