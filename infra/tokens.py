"""Issue, list and revoke bearer tokens, locally or against a deployed stage.

    make token ROLE=bestuur NAME=tim                 # the running local stack (make run)
    make token ROLE=bestuur NAME=tim STAGE=prod      # the deployed stack bij1-denhaag-prod
    make tokens STAGE=prod                            # list (ids, names, roles; never tokens)
    make revoke ID=3f2a9c0d1e2b STAGE=prod

Locally the table and moto's endpoint come from ``.local/stack.json`` (written by
``make run``); for a deployed stage from the CloudFormation stack's outputs, with your
normal AWS credentials. The token is printed once and stored only as a hash.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def state_dir() -> Path:
    return Path(os.environ.get("LOCAL_STATE_DIR") or ROOT / ".local")


def table_for(stage: str, stack: str | None):
    from functions.adapters.dynamo import DynamoTable

    if stage == "local":
        path = state_dir() / "stack.json"
        if not path.exists():
            sys.exit(f"No running local stack ({path} missing): start it with `make run` first.")
        info = json.loads(path.read_text())
        os.environ["AWS_ENDPOINT_URL"] = info["moto"]
        for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                            "AWS_DEFAULT_REGION": "eu-west-1"}.items():
            os.environ.setdefault(name, value)
        return DynamoTable(info["env"]["DATA_TABLE"])
    import boto3

    stack = stack or f"bij1-denhaag-{stage}"
    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    names = {o["OutputKey"]: o["OutputValue"] for o in outputs}
    return DynamoTable(names["DataTableName"])


def main(argv: list[str] | None = None) -> int:
    from functions import tokens
    from functions.errors import AppError, ValidationError

    parser = argparse.ArgumentParser(prog="infra.tokens", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("issue", "list", "revoke"):
        p = sub.add_parser(name)
        p.add_argument("--stage", default="local")
        p.add_argument("--stack", default=None)
        if name == "issue":
            p.add_argument("--role", required=True)
            p.add_argument("--name", required=True)
        if name == "revoke":
            p.add_argument("--id", required=True, dest="token_id")
    args = parser.parse_args(argv)
    table = table_for(args.stage, args.stack)
    now = datetime.now(timezone.utc)
    try:
        if args.command == "issue":
            token, principal = tokens.issue(args.role, args.name, table, now)
            print(f"token for {principal.name} ({principal.role}), id {principal.token_id}:")
            print(token)
            print("Store it now: it is shown only this once.", file=sys.stderr)
        elif args.command == "list":
            for t in tokens.list_tokens(table):
                state = f"revoked {t['revoked_at']}" if t.get("revoked_at") else "active"
                print(f"{t['token_id']}  {t['role']:<16} {t['name']:<24} {t['created_at']}  {state}")
        else:
            principal = tokens.revoke(args.token_id, table, now)
            print(f"revoked {principal.token_id} ({principal.name}, {principal.role})")
    except ValidationError as exc:
        print("; ".join(f"{k}: {v}" for k, v in exc.errors.items()), file=sys.stderr)
        return 2
    except AppError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
