"""Every queue consumer, fed the same message twice, and killed between each pair of its steps,
has one effect.

A *step* is anything a consumer does outside its own memory: one AWS call (DynamoDB, SQS,
KMS, S3, SES, SSM) or one Mailchimp request. For a consumer that takes N steps on a message,
the harness runs N + 1 worlds, each fresh (moto provisioned from infra/template.json, an empty
Mailchimp stand-in with the demo audience):

- once cleanly, and then the same message again (a duplicate delivery): the effect of one;
- N times killed right after step k (k = 1..N): step k has happened, and nothing after it -
  no ``finally``, no cleanup reaches a service, as when Lambda times out or runs out of
  memory. SQS then redelivers the message when its visibility timeout runs out, and again
  after each failed attempt with our backoff, up to the queue's ``maxReceiveCount``, the clock
  moved on accordingly (time-machine). The effect after the redeliveries must equal the clean
  run's, before the message would have gone to the dead-letter queue.

The effect is what a person or the board could see: the table's items by kind, the archive's
object versions, the messages other queues received, Mailchimp's members, campaigns, test mails
and sends, and the mails SES sent. Two exceptions are named, mails without an idempotency key:
the op-afspraak confirmation (SES takes none) and the newsletter's test mail to the eindredactie
(Mailchimp keeps no record of test mails to look up). A kill in the instant after such a mail
was accepted and before it was recorded sends it a second time, to the same person: at least
once, never lost (decision 015). The harness allows exactly that step to repeat exactly that
mail, and nothing else.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
import time_machine

from functions import tokens, wiring
from tests.conftest import moto_world, schedule_event, sqs_records
from tests.mailchimp_fixtures import adapter_for, running_standin

pytestmark = pytest.mark.slow

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)   # Tuesday 1 December 2026, 09:00 local
TEMPLATE = "infra/template.json"


class Killed(BaseException):
    """The Lambda process died here. A BaseException: no ``except Exception`` of ours sees it."""


class Steps:
    """Counts a consumer's steps and kills it right after step ``kill_after``; from then on
    every call dies before it reaches its service, as a dead process's would."""

    def __init__(self, kill_after: int | None = None):
        self.kill_after = kill_after
        self.names: list[str] = []
        self.active = False
        self.dead = False

    def before(self, name: str) -> None:
        if self.active and self.dead:
            raise Killed(f"already dead, {name} never sent")

    def after(self, name: str) -> None:
        if not self.active:
            return
        self.names.append(name)
        if len(self.names) == self.kill_after:
            self.dead = True
            raise Killed(f"killed after step {len(self.names)}: {name}")


@pytest.fixture
def steps(monkeypatch):
    """Every botocore call and every Mailchimp request, counted (and killable) while active."""
    import botocore.client

    from functions.adapters.mailchimp import MailchimpMarketing

    holder = {"steps": Steps()}
    real_api_call = botocore.client.BaseClient._make_api_call
    real_mailchimp_call = MailchimpMarketing._call

    def api_call(client, operation_name, api_params):
        name = f"{client.meta.service_model.service_name}.{operation_name}"
        holder["steps"].before(name)
        try:
            return real_api_call(client, operation_name, api_params)
        finally:
            holder["steps"].after(name)

    def mailchimp_call(adapter, operation, call):
        name = f"mailchimp.{operation}"
        holder["steps"].before(name)
        try:
            return real_mailchimp_call(adapter, operation, call)
        finally:
            holder["steps"].after(name)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", api_call)
    monkeypatch.setattr(MailchimpMarketing, "_call", mailchimp_call)
    return holder


# --- a world, its effect, and SQS's redelivery ------------------------------------------

@dataclass
class World:
    aws: Any
    client: Any
    standin: Any
    clock: Any   # time_machine's traveller


def _queue_settings(logical_name: str) -> tuple[int, int]:
    """(VisibilityTimeout, maxReceiveCount) of a queue in the template."""
    with open(TEMPLATE, encoding="utf-8") as f:
        props = json.load(f)["Resources"][logical_name]["Properties"]
    return int(props["VisibilityTimeout"]), int(props["RedrivePolicy"]["maxReceiveCount"])


def _shape(key: str) -> str:
    """A key's kind, its ids and dates left out: ``MELDING#4c2d...`` -> ``MELDING#*``."""
    return "#".join(part if re.fullmatch(r"[A-Z_]+", part) else "*" for part in key.split("#"))


def effect(world: World, input_queue: str) -> dict[str, Any]:
    """What a person or the board could see, in terms that compare across fresh worlds."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    aws = world.aws
    items = aws.dynamodb.scan(TableName=aws.env["DATA_TABLE"])["Items"]
    kinds = Counter(f'{_shape(i["pk"]["S"])} {_shape(i["sk"]["S"])}' for i in items)
    versions = {name: len(aws.s3.list_object_versions(Bucket=aws.env[name]).get("Versions", []))
                for name in ("ARCHIVE_BUCKET",)}
    queued = {}
    for logical, url in aws.physical.items():
        if logical.endswith("Queue") and logical != input_queue and "DeadLetter" not in logical:
            attrs = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            queued[logical] = sum(int(v) for v in attrs.values())
    s = world.standin
    campaigns = sorted((c["settings"]["title"], c["status"], len(c.get("test_emails", [])))
                       for c in s.campaigns())
    sends = Counter(r["path"].split("/")[-1] for r in s.requests()
                    if r["method"] == "POST" and "/actions/" in r["path"] and r["status"] < 300)
    members = sorted((m["email"], m["status"], json.dumps(m.get("interests", {}), sort_keys=True),
                      json.dumps(sorted(t["name"] if isinstance(t, dict) else t for t in m.get("tags", []))))
                     for m in s.members())
    mails = sorted((m.destinations["ToAddresses"][0], m.subject)
                   for m in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages)
    return {"items": dict(kinds), "archive_versions": versions, "queued": queued,
            "campaigns": campaigns, "mailchimp_actions": dict(sends), "members": members,
            "ses_mails": mails}


def deliver(world: World, steps: Steps, consumer: str, body: str, queue: str) -> None:
    """SQS's at-least-once delivery of one message until the consumer reports it done: after a
    kill the message reappears when its visibility timeout runs out; after a reported failure,
    when our backoff (30 s x 2^(n-1)) says. Fails if it would have gone to the DLQ."""
    visibility, max_receives = _queue_settings(queue)
    base = wiring.settings().queue_retry_base_seconds
    for receive in range(1, max_receives + 1):
        steps.active = True
        try:
            payload = world.client.lambda_.invoke(
                consumer, {"Records": sqs_records(body, receive_count=receive)}).payload
        except Killed:
            wait = visibility
        else:
            if not payload["batchItemFailures"]:
                return
            wait = base * 2 ** (receive - 1)
        finally:
            steps.active = False
            steps.dead = False
        world.clock.shift(timedelta(seconds=wait))
    raise AssertionError(f"{consumer}: the message would now be in the dead-letter queue")


# --- the consumers and how each gets its message ----------------------------------------

def _take(world: World, queue: str, pick: Callable[[dict], bool] = lambda m: True) -> str:
    """The body of the first queued message ``pick`` accepts (all others removed)."""
    url = world.aws.physical[queue]
    bodies = []
    while True:
        got = world.aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                            VisibilityTimeout=0).get("Messages", [])
        if not got:
            break
        for m in got:
            bodies.append(m["Body"])
            world.aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    chosen = [b for b in bodies if pick(json.loads(b))]
    assert chosen, f"nothing queued on {queue}: {bodies}"
    return chosen[0]


def _bearer(world: World, role: str) -> dict[str, str]:
    return {"authorization": "Bearer " + tokens.issue(role, f"crash-{role}", wiring.table(), NOW)[0]}


def _report(world: World) -> str:
    from tests.meldpunt_support import JSON_HEADERS, aged_token, valid_fields

    body = json.dumps({**valid_fields(token=aged_token(), beschrijving="nageroepen bij de tram"),
                       "toestemming": True})
    assert world.client.http.post("/meldpunt", body=body, headers=JSON_HEADERS).status_code == 201
    return _take(world, "MeldpuntQueue")


def _signup(world: World) -> str:
    body = json.dumps({"email": "nieuw-lid@example.org", "voornaam": "Noor",
                       "werkgroepen": ["communicatie", "organizing"]})
    answer = world.client.http.post("/nieuwsbrief/aanmelden", body=body,
                                    headers={"content-type": "application/json"})
    assert answer.status_code == 202, answer.body
    return _take(world, "SignupQueue")


def _invitation(world: World) -> str:
    world.client.lambda_.invoke("kalender_uitnodigingen", schedule_event("2026-12-01T07:00:00Z"))
    return _take(world, "KalenderQueue", lambda m: "afdelingsbijeenkomst" in m.get("activiteit", ""))


def _afspraak(world: World) -> str:
    import boto3

    boto3.client("ses").verify_email_identity(EmailAddress="denhaag@bij1.org")
    page = world.client.http.get("/kalender/op-afspraak", headers={"accept": "text/html"}).body.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    world.clock.shift(timedelta(seconds=10))
    body = {"naam": "Noor", "email": "noor@example.org", "activiteit": "bestuur-2026-12-15",
            "onderwerp": "Meepraten over de huurcampagne", "token": token}
    answer = world.client.http.post("/kalender/op-afspraak", body=json.dumps(body),
                                    headers={"content-type": "application/json", "accept": "application/json"})
    assert answer.status_code == 201, answer.body
    return _take(world, "KalenderQueue")


def _agenda(world: World) -> str:
    from tests.agendas_support import AGENDA_MD

    answer = world.client.http.request("PUT", "/agendas/2026-12-03", body=AGENDA_MD.encode(), headers={
        **_bearer(world, "bestuur"), "content-type": "text/markdown; charset=utf-8"})
    assert answer.status_code == 202, answer.body
    return _take(world, "AgendaUploadQueue", lambda m: "Records" in m)


def _compile(world: World) -> str:
    answer = world.client.http.post("/nieuwsbrief/2026-12/samenstellen", body=b"{}", headers={
        **_bearer(world, "communicatie"), "content-type": "application/json"})
    assert answer.status_code == 202, answer.body
    return _take(world, "NieuwsbriefQueue")


def _send(world: World) -> str:
    body = _compile(world)
    # compiled beforehand: a Steps of its own, not the counted one (only the send is under test)
    deliver(world, Steps(), "nieuwsbrief_consumer", body, "NieuwsbriefQueue")
    answer = world.client.http.post("/nieuwsbrief/2026-12/goedkeuren", body=b"{}", headers={
        **_bearer(world, "bestuur"), "content-type": "application/json"})
    assert answer.status_code == 202, answer.body
    return _take(world, "NieuwsbriefQueue")


@dataclass(frozen=True)
class Consumer:
    name: str          # the Lambda (the @on_sqs_message handler)
    queue: str         # its queue's logical name in the template
    message: Callable[[World], str]
    done: Callable[[dict], bool]   # the clean run's effect shows the work was done
    # a mail without an idempotency key: a kill right after it (before it is recorded) may
    # repeat it, to the same person, and change nothing else (decision 015)
    at_least_once: dict[str, tuple[str, ...]] = field(default_factory=dict)


CONSUMERS = {
    "meldpunt": Consumer("meldpunt_intake_consumer", "MeldpuntQueue", _report,
                         lambda e: e["items"].get("MELDING#* MELDING") == 1),
    "aanmelden": Consumer("nieuwsbrief_aanmelden_consumer", "SignupQueue", _signup,
                          lambda e: any(m[0] == "nieuw-lid@example.org" and m[1] == "pending" for m in e["members"])),
    "uitnodiging": Consumer("kalender_berichten_consumer", "KalenderQueue", _invitation,
                            lambda e: e["mailchimp_actions"].get("send") == 1),
    "afspraak": Consumer("kalender_berichten_consumer", "KalenderQueue", _afspraak,
                         lambda e: len(e["ses_mails"]) == 1,
                         at_least_once={"ses.SendEmail": ("ses_mails",)}),
    "agenda": Consumer("agendas_upload_consumer", "AgendaUploadQueue", _agenda,
                       lambda e: e["archive_versions"]["ARCHIVE_BUCKET"] >= 1),
    "samenstellen": Consumer("nieuwsbrief_consumer", "NieuwsbriefQueue", _compile,
                             lambda e: len(e["campaigns"]) == 1 and e["campaigns"][0][2] == 1,
                             at_least_once={"mailchimp.send_test": ("campaigns", "mailchimp_actions")}),
    "versturen": Consumer("nieuwsbrief_consumer", "NieuwsbriefQueue", _send,
                          lambda e: e["mailchimp_actions"].get("send") == 1),
}


def test_every_queue_consumer_of_the_app_is_in_the_harness():
    import app

    consumers = {e.name for e in app.app.event_sources if type(e).__name__ == "SQSEventConfig"}
    assert consumers == {c.name for c in CONSUMERS.values()}


@pytest.mark.parametrize("kind", sorted(CONSUMERS))
def test_a_consumer_killed_between_any_two_steps_or_fed_twice_has_one_effect(kind, monkeypatch, steps):
    consumer = CONSUMERS[kind]

    def run(kill_after: int | None, twice: bool = False) -> tuple[dict, list[str]]:
        with time_machine.travel(NOW, tick=False) as clock, moto_world(monkeypatch) as aws, \
                running_standin() as standin:
            from chalice.test import Client

            import app as app_module

            wiring.override(mailchimp=adapter_for(standin))
            with Client(app_module.app, stage_name="local") as client:
                world = World(aws, client, standin, clock)
                body = consumer.message(world)
                counted = steps["steps"] = Steps(kill_after)
                deliver(world, counted, consumer.name, body, consumer.queue)
                if twice:
                    deliver(world, counted, consumer.name, body, consumer.queue)
                return effect(world, consumer.queue), counted.names

    # GIVEN the effect of one clean delivery, and of the same message delivered twice
    once, names = run(None)
    assert consumer.done(once), once
    print(f"{kind}: {len(names)} steps: {', '.join(names)}")   # shown with pytest -s
    twice, _ = run(None, twice=True)
    assert twice == once
    # WHEN the consumer is killed after each of its steps in turn, and SQS redelivers
    differences = {}
    for k in range(1, len(names) + 1):
        after_kill, _ = run(k)
        differing = {part: {"once": once[part], "after the kill": after_kill[part]}
                     for part in once if after_kill[part] != once[part]}
        if set(differing) - set(consumer.at_least_once.get(names[k - 1], ())):
            differences[f"killed after step {k} ({names[k - 1]})"] = differing
    # THEN every run ends with the effect of one
    assert not differences, json.dumps({"steps": names, "differences": differences}, indent=1, default=str)
    assert names, "the consumer took no step at all"
