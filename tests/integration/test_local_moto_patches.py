"""infra/local/moto_patches.py: moto answers as DynamoDB and SQS do, cheaply and under
concurrency (the local stack's load problems of issue #6, item 13)."""
from __future__ import annotations

import logging
import threading
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.local import moto_patches

TABLE = "patch-test"


@pytest.fixture
def patched():
    with moto_patches.installed():
        yield


@pytest.fixture
def dynamodb(patched):
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        create_table(client)
        yield client


@pytest.fixture
def server(patched):
    """moto's threaded server, as the local stack runs it."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    yield f"http://{host}:{port}"
    moto.stop()


def server_client(endpoint: str, service: str):
    # retries off: a 500 must show, not be hidden by botocore trying again
    return boto3.client(service, endpoint_url=endpoint, region_name="eu-west-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"max_attempts": 1}, max_pool_connections=20))


def create_table(client) -> None:
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                   {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "S"}])


def put(pk: str, sk: str = "A", if_new: bool = False, **attrs: str) -> dict:
    body = {"TableName": TABLE, "Item": {"pk": {"S": pk}, "sk": {"S": sk},
                                         **{k: {"S": v} for k, v in attrs.items()}}}
    if if_new:
        body["ConditionExpression"] = "attribute_not_exists(pk)"
    return {"Put": body}


def add(pk: str, n: int = 1, attr: str = "count") -> dict:
    return {"Update": {"TableName": TABLE, "Key": {"pk": {"S": pk}, "sk": {"S": "A"}},
                       "UpdateExpression": "ADD #a :n", "ExpressionAttributeNames": {"#a": attr},
                       "ExpressionAttributeValues": {":n": {"N": str(n)}}}}


def get(client, pk: str, sk: str = "A") -> dict | None:
    item = client.get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}},
                           ConsistentRead=True).get("Item")
    return {k: next(iter(v.values())) for k, v in item.items()} if item else None


def cancellation_codes(exc: ClientError) -> list[str]:
    return [r["Code"] for r in exc.response["CancellationReasons"]]


# --- transactions ---------------------------------------------------------------------------

def test_a_failed_condition_writes_nothing_and_is_reported_as_dynamodb_reports_it(dynamodb):
    dynamodb.transact_write_items(TransactItems=[put("taken", text="first"), add("counter", 5)])

    with pytest.raises(ClientError) as failed:
        dynamodb.transact_write_items(TransactItems=[
            put("new"), add("counter", 1), put("taken", if_new=True, text="second")])

    assert failed.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert cancellation_codes(failed.value) == ["None", "None", "ConditionalCheckFailed"]
    assert get(dynamodb, "new") is None
    assert get(dynamodb, "counter")["count"] == "5"
    assert get(dynamodb, "taken")["text"] == "first"


def test_an_action_that_fails_after_earlier_writes_undoes_them_all(dynamodb):
    # GIVEN an item that a transaction will overwrite and a counter that is a string
    dynamodb.transact_write_items(TransactItems=[put("kept", text="old"), put("counter", count="x")])

    # WHEN the transaction's last action cannot be applied (ADD to a string)
    with pytest.raises(ClientError) as failed:
        dynamodb.transact_write_items(TransactItems=[
            put("kept", text="new"), put("fresh"), add("counter", 1)])

    # THEN nothing of it stays: the overwritten item is as it was, the new one is gone
    assert failed.value.response["Error"]["Code"] in ("TransactionCanceledException",
                                                      "ValidationException")
    assert get(dynamodb, "kept") == {"pk": "kept", "sk": "A", "text": "old"}
    assert get(dynamodb, "fresh") is None
    assert get(dynamodb, "counter")["count"] == "x"


def test_a_transaction_costs_the_same_however_big_the_table_is(dynamodb, monkeypatch):
    # moto copied every table a transaction touched, to roll back; the undo log copies
    # only the items it writes
    from moto.dynamodb.models.table import Table

    for n in range(200):
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": f"filler-{n}"}, "sk": {"S": "A"}})

    def no_table_copies(self, memo):
        raise AssertionError("a transaction deep-copied the whole table")

    monkeypatch.setattr(Table, "__deepcopy__", no_table_copies, raising=False)
    dynamodb.transact_write_items(TransactItems=[put("a"), add("counter")])
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=[put("b"), put("a", if_new=True)])
    assert get(dynamodb, "a") is not None and get(dynamodb, "b") is None


def test_a_retry_with_the_same_client_request_token_succeeds_without_writing_twice(dynamodb):
    # botocore sends one token per call and keeps it when it retries (after a timeout or a
    # 500): DynamoDB answers the retry with success and writes nothing again
    token = str(uuid.uuid4())
    items = [put("report", if_new=True), add("counter")]

    dynamodb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    dynamodb.transact_write_items(TransactItems=items, ClientRequestToken=token)

    assert get(dynamodb, "counter")["count"] == "1"
    # a new call (a new token) is a new transaction, and its condition fails
    with pytest.raises(ClientError) as again:
        dynamodb.transact_write_items(TransactItems=items)
    assert cancellation_codes(again.value) == ["ConditionalCheckFailed", "None"]


def test_the_same_client_request_token_with_another_request_is_a_mismatch(dynamodb):
    token = str(uuid.uuid4())
    dynamodb.transact_write_items(TransactItems=[add("counter")], ClientRequestToken=token)

    with pytest.raises(ClientError) as mismatch:
        dynamodb.transact_write_items(TransactItems=[add("counter", 2)], ClientRequestToken=token)

    assert mismatch.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert get(dynamodb, "counter")["count"] == "1"


def test_a_cancelled_transaction_does_not_use_up_its_token(dynamodb):
    token = str(uuid.uuid4())
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "blocker"}, "sk": {"S": "A"}})
    items = [add("counter"), {"ConditionCheck": {
        "TableName": TABLE, "Key": {"pk": {"S": "blocker"}, "sk": {"S": "A"}},
        "ConditionExpression": "attribute_not_exists(pk)"}}]
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=items, ClientRequestToken=token)

    dynamodb.delete_item(TableName=TABLE, Key={"pk": {"S": "blocker"}, "sk": {"S": "A"}})
    dynamodb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert get(dynamodb, "counter")["count"] == "1"


# --- under concurrency, over HTTP -------------------------------------------------------------

def test_concurrent_transactions_and_writes_lose_nothing_and_never_answer_500(server):
    # GIVEN 8 clients, as the local stack has under load: each stores reports in transactions
    # (counting them), sends every second one twice (a redelivery: cancelled) and writes
    # plain items in between
    setup = server_client(server, "dynamodb")
    create_table(setup)
    problems: list[str] = []
    per_client = 40

    def client_work(c: int) -> None:
        dynamodb = server_client(server, "dynamodb")
        for n in range(per_client):
            items = [put(f"report-{c}-{n}", if_new=True), put(f"report-{c}-{n}", sk="HIST"),
                     add("counter")]
            try:
                dynamodb.transact_write_items(TransactItems=items)
                dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": f"plain-{c}-{n}"},
                                                         "sk": {"S": "A"}})
                if n % 2:
                    try:
                        dynamodb.transact_write_items(TransactItems=items)
                        problems.append(f"a redelivery of report-{c}-{n} was stored again")
                    except ClientError as exc:
                        if cancellation_codes(exc)[0] != "ConditionalCheckFailed":
                            problems.append(f"redelivery: {cancellation_codes(exc)}")
            except ClientError as exc:
                problems.append(f"{exc.response['Error']['Code']} "
                                f"({exc.response['ResponseMetadata']['HTTPStatusCode']})")

    threads = [threading.Thread(target=client_work, args=(c,)) for c in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    # THEN every write is there, counted exactly once, and no request failed
    assert problems == []
    assert get(setup, "counter")["count"] == str(8 * per_client)
    for c in range(8):
        for n in range(per_client):
            assert get(setup, f"report-{c}-{n}") is not None
            assert get(setup, f"plain-{c}-{n}") is not None, "a rollback undid another write"


def test_a_delete_waits_for_the_queue_lock_that_every_send_takes(dynamodb):
    # moto's DeleteMessage rebuilds the queue's message list; SendMessage appends to it under
    # the queue's lock. A delete outside that lock could drop a message sent meanwhile.
    from moto.sqs.models import sqs_backends

    sqs = boto3.client("sqs", region_name="eu-west-1")
    url = sqs.create_queue(QueueName="lock-test")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    queue = sqs_backends["123456789012"]["eu-west-1"].get_queue("lock-test")
    deleted = threading.Event()

    def delete() -> None:
        queue.delete_message(handle)
        deleted.set()

    with queue._messages_lock:  # a send in progress holds this
        thread = threading.Thread(target=delete)
        thread.start()
        assert not deleted.wait(0.3), "the delete did not wait for the queue's lock"
    assert deleted.wait(5)
    thread.join()


def test_delays_and_visibility_timeouts_still_hold(dynamodb):
    # the cheaper clock of the patched message checks is the same clock
    sqs = boto3.client("sqs", region_name="eu-west-1")
    queue = sqs.create_queue(QueueName="clock-test")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="later", DelaySeconds=1)
    assert sqs.receive_message(QueueUrl=queue).get("Messages") is None
    time.sleep(1.1)
    first = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=1)["Messages"]
    assert sqs.receive_message(QueueUrl=queue).get("Messages") is None, "visible while in flight"
    time.sleep(1.1)
    again = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert again[0]["MessageId"] == first[0]["MessageId"]


# --- the guard ---------------------------------------------------------------------------------

def test_another_moto_version_is_refused_until_the_patch_is_checked_against_it(monkeypatch):
    import moto

    moto_patches.uninstall()
    monkeypatch.setattr(moto, "__version__", "9.9.9")
    with pytest.raises(moto_patches.MotoVersionMismatch, match="9.9.9"):
        moto_patches.install()


def test_uninstall_puts_motos_own_code_back(patched):
    from moto.dynamodb.models import DynamoDBBackend

    assert DynamoDBBackend.transact_write_items is moto_patches.transact_write_items
    moto_patches.uninstall()
    assert DynamoDBBackend.transact_write_items is not moto_patches.transact_write_items
