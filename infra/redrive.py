"""Move dead-lettered messages back to the queue they came from, after a fix.

    make redrive                          # the running local stack (make run)
    make redrive STAGE=prod               # the deployed stack bij1-denhaag-prod
    make redrive STAGE=prod QUEUE=KalenderQueue     # one queue only (its logical id)

The pairs come from the template itself: every queue with a ``RedrivePolicy`` and the
dead-letter queue it names, looked up by logical id in the CloudFormation stack (moto's for
the local stack, the real one for a stage). Each message is sent to the source queue with its
body and attributes and only then deleted from the dead-letter queue, so a crash in between
makes a duplicate, never a loss; every consumer is idempotent, so the replay changes nothing
that was done already (docs/reliability.md). Prints what it moved.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "infra" / "template.json"


def pairs(template: dict[str, Any]) -> dict[str, str]:
    """Source queue logical id -> its dead-letter queue's logical id."""
    out = {}
    for name, res in template["Resources"].items():
        if res.get("Type") != "AWS::SQS::Queue":
            continue
        target = (res.get("Properties", {}).get("RedrivePolicy") or {}).get("deadLetterTargetArn")
        if isinstance(target, dict) and "Fn::GetAtt" in target:
            out[name] = target["Fn::GetAtt"][0]
    return out


def move(sqs: Any, dlq_url: str, queue_url: str, limit: int = 10_000) -> int:
    """Move up to ``limit`` messages; returns how many moved."""
    moved = 0
    while moved < limit:
        batch = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                    VisibilityTimeout=60, MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            return moved
        for message in batch:
            kwargs: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                kwargs["MessageAttributes"] = message["MessageAttributes"]
            sqs.send_message(**kwargs)
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def clients_for(stage: str, stack: str | None) -> tuple[Any, Any, str]:
    """(cloudformation, sqs, stack name) for the local stack or a deployed stage."""
    import boto3

    if stage == "local":
        state = Path(os.environ.get("LOCAL_STATE_DIR") or ROOT / ".local") / "stack.json"
        if not state.exists():
            sys.exit(f"No running local stack ({state} missing): start it with `make run` first.")
        info = json.loads(state.read_text())
        kwargs = {"endpoint_url": info["moto"], "region_name": "eu-west-1",
                  "aws_access_key_id": "local", "aws_secret_access_key": "local"}
        from infra.local.provision import STACK_NAME

        return boto3.client("cloudformation", **kwargs), boto3.client("sqs", **kwargs), STACK_NAME
    return boto3.client("cloudformation"), boto3.client("sqs"), stack or f"bij1-denhaag-{stage}"


def redrive(cloudformation: Any, sqs: Any, stack_name: str, only: str | None = None,
            template: dict[str, Any] | None = None) -> dict[str, int]:
    template = template or json.loads(TEMPLATE.read_text(encoding="utf-8"))
    resources = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}

    def url(logical_id: str) -> str:
        pid = physical[logical_id]
        return pid if pid.startswith("http") else sqs.get_queue_url(QueueName=pid.rsplit("/", 1)[-1])["QueueUrl"]

    done = {}
    for source, dlq in sorted(pairs(template).items()):
        if only and source != only:
            continue
        done[source] = move(sqs, url(dlq), url(source))
    if only and only not in done:
        raise SystemExit(f"no queue {only!r} with a dead-letter queue; choose from {sorted(pairs(template))}")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="infra.redrive", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="local")
    parser.add_argument("--stack", default=None)
    parser.add_argument("--queue", default=None, help="one source queue's logical id")
    args = parser.parse_args(argv)
    cloudformation, sqs, stack_name = clients_for(args.stage, args.stack)
    done = redrive(cloudformation, sqs, stack_name, args.queue)
    for queue, n in done.items():
        print(f"{queue}: {n} message(s) moved back from its dead-letter queue")
    return 0


if __name__ == "__main__":
    sys.exit(main())
