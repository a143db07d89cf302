"""Check the agenda archive: the manifest chain and every archived object's hash.

    make verify-archive                          # the running local stack (make run)
    make verify-archive STAGE=prod               # the deployed stack bij1-denhaag-prod
    make verify-archive STAGE=prod STACK=name    # another stack name

Locally the table, the buckets and moto's endpoint come from ``.local/stack.json``; for a
deployed stage from the CloudFormation stack's outputs, with your own AWS credentials (you need
dynamodb:Query/GetItem on the table, s3:GetObjectVersion and s3:ListBucketVersions on the
archive bucket, kms:Decrypt on the data key). Prints every break; exit 0 when the archive is
intact, 1 when anything was found, 2 when it could not be checked.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from infra.tokens import state_dir


def resources_for(stage: str, stack: str | None) -> tuple[object, object]:
    from functions.adapters.dynamo import DynamoTable
    from functions.adapters.s3 import S3Archive

    if stage == "local":
        path = state_dir() / "stack.json"
        if not path.exists():
            sys.exit(f"No running local stack ({path} missing): start it with `make run` first.")
        info = json.loads(path.read_text())
        os.environ["AWS_ENDPOINT_URL"] = info["moto"]
        for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                            "AWS_DEFAULT_REGION": "eu-west-1"}.items():
            os.environ.setdefault(name, value)
        env = info["env"]
        return DynamoTable(env["DATA_TABLE"]), S3Archive(env["ARCHIVE_BUCKET"], env.get("UPLOAD_BUCKET", ""))
    import boto3

    stack = stack or f"bij1-denhaag-{stage}"
    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    names = {o["OutputKey"]: o["OutputValue"] for o in outputs}
    return DynamoTable(names["DataTableName"]), S3Archive(names["ArchiveBucketName"], names["UploadBucketName"])


def main(argv: list[str] | None = None) -> int:
    from functions.agendas import verificatie
    from functions.errors import AppError

    parser = argparse.ArgumentParser(prog="infra.archive_verify", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="local")
    parser.add_argument("--stack", default=None)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    table, archive = resources_for(args.stage, args.stack)
    try:
        report = verificatie.controleer(table, archive)
    except AppError as exc:
        print(f"could not check the archive: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        head = report["kop"] or {}
        print(f"{report['entries']} manifest entries; head {head.get('seq')} {head.get('hash')}")
        for b in report["breuken"]:
            where = " ".join(str(x) for x in (b.get("seq"), b.get("sleutel"), b.get("versie_id")) if x)
            print(f"BREAK {b['soort']}: {where}: {b['detail']}")
        print("intact: nothing changed" if report["ok"] else f"{len(report['breuken'])} break(s) found")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
