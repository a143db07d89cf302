"""Create the merge template's resources in moto, and derive the functions' environment.

The single source is ``infra/template.json``: its typed ``Resources`` go to moto's
CloudFormation as they are (the per-function overrides Chalice merges, such as
``APIHandler`` or ``<Fn>Role``, have no ``Type`` and are left out), and the
environment the functions get comes from its ``Globals.Function.Environment``, with
each ``Ref`` resolved to the physical id moto created. No second list of queues or
tables exists anywhere.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.json"
STACK_NAME = "bij1-local"
# Resource types left out of the local stack, each with the reason; none changes what a local
# run can observe.
UNSUPPORTED_LOCALLY = {
    "AWS::S3::BucketPolicy": "moto's CloudFormation cannot create it, and moto checks no bucket policy",
    "AWS::SQS::QueuePolicy": "moto's CloudFormation cannot create it, and moto checks no queue policy",
    "AWS::Logs::LogGroup": "named after Chalice's functions (Ref), which exist only in the package; "
                           "locally the functions log to the terminal",
    "AWS::CloudWatch::Alarm": "moto's CloudFormation cannot create it, and nothing emits metrics "
                              "locally; the console shows every queue's depth instead",
    "AWS::SNS::Subscription": "moto's CloudFormation cannot create it, and no mail leaves the local stack",
}
# Parameters production must be given (no Default: a deploy without them fails) that nothing
# local uses; the local template gets these stand-ins so that it can be created in moto.
LOCAL_PARAMETER_DEFAULTS = {"AlarmEmail": "alarmen@localhost.invalid"}


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def local_template(template: dict[str, Any]) -> dict[str, Any]:
    """The part of the merge template moto can create: typed resources and parameters."""
    resources = {name: dict(res) for name, res in template["Resources"].items()
                 if "Type" in res and res["Type"] not in UNSUPPORTED_LOCALLY}
    for res in resources.values():  # a DependsOn on a resource left out would fail the stack
        depends = res.get("DependsOn")
        if depends is not None:
            kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d in resources]
            if kept:
                res["DependsOn"] = kept
            else:
                res.pop("DependsOn")
    parameters = {name: ({"Default": LOCAL_PARAMETER_DEFAULTS[name], **spec}
                         if name in LOCAL_PARAMETER_DEFAULTS else spec)
                  for name, spec in template.get("Parameters", {}).items()}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Parameters": parameters, "Resources": resources}


def queue_logical_ids(template: dict[str, Any]) -> dict[str, str]:
    """SQS consumer function logical id -> the logical id of the queue it consumes."""
    out = {}
    for name, res in template["Resources"].items():
        for event in res.get("Properties", {}).get("Events", {}).values():
            queue = event.get("Properties", {}).get("Queue")
            if isinstance(queue, dict) and "Fn::Sub" in queue:
                ref = queue["Fn::Sub"]
                if ref.startswith("${") and ref.endswith(".Arn}"):
                    out[name] = ref[2:-5]
    return out


def provision(cloudformation: Any, sqs: Any, parameters: dict[str, str],
              template: dict[str, Any] | None = None,
              stack_name: str = STACK_NAME, s3: Any = None) -> tuple[dict[str, str], dict[str, str]]:
    """Create the stack in moto; return (environment for the functions, logical id -> physical id).

    Queue physical ids are given as the queue URLs of the endpoint in use. The bucket
    properties moto's CloudFormation ignores are applied afterwards from the same template
    (:func:`configure_buckets`).
    """
    template = template or load_template()
    cloudformation.create_stack(
        StackName=stack_name, TemplateBody=json.dumps(local_template(template)),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
    status = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
    if status != "CREATE_COMPLETE":
        raise RuntimeError(f"local stack not created: {status}")
    physical: dict[str, str] = {}
    for res in cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]:
        if not res.get("LogicalResourceId"):
            continue
        pid = res["PhysicalResourceId"]
        if res["ResourceType"] == "AWS::SQS::Queue":
            pid = sqs.get_queue_url(QueueName=pid.rsplit("/", 1)[-1])["QueueUrl"]
        physical[res["LogicalResourceId"]] = pid
    if s3 is None:  # the same endpoint and region as the SQS client given
        import boto3

        s3 = boto3.client("s3", endpoint_url=sqs.meta.endpoint_url, region_name=sqs.meta.region_name)
    configure_buckets(s3, sqs, template, physical)
    defaults = {k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()}
    values = {**defaults, **parameters, **physical}
    env = {}
    variables = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    for name, value in variables.items():
        if isinstance(value, dict) and set(value) == {"Ref"}:
            env[name] = values[value["Ref"]]
        elif isinstance(value, str):
            env[name] = value
        else:
            raise ValueError(f"{name}: only literal values and Ref are supported in Globals ({value})")
    return env, physical


def configure_buckets(s3: Any, sqs: Any, template: dict[str, Any], physical: dict[str, str]) -> None:
    """What moto's CloudFormation creates a bucket without, from the template's own bucket
    properties: versioning, the Object Lock default retention, and the notification to a
    queue (``QueueConfigurations``; S3 then sends the queue its ``s3:TestEvent``, as in AWS).
    Lifecycle rules are not applied: moto never expires objects anyway."""
    for name, res in template["Resources"].items():
        if res.get("Type") != "AWS::S3::Bucket" or name not in physical:
            continue
        bucket, props = physical[name], res.get("Properties", {})
        if props.get("VersioningConfiguration") or props.get("ObjectLockEnabled"):
            status = (props.get("VersioningConfiguration") or {}).get("Status", "Enabled")
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
        if props.get("ObjectLockConfiguration"):
            s3.put_object_lock_configuration(Bucket=bucket,
                                             ObjectLockConfiguration=props["ObjectLockConfiguration"])
        queues = (props.get("NotificationConfiguration") or {}).get("QueueConfigurations") or []
        if queues:
            s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
                "QueueConfigurations": [_queue_configuration(q, sqs, physical) for q in queues]})


def _queue_configuration(cfn: dict[str, Any], sqs: Any, physical: dict[str, str]) -> dict[str, Any]:
    """One CloudFormation ``QueueConfiguration`` in the S3 API's shape."""
    queue = cfn["Queue"]
    if not (isinstance(queue, dict) and "Fn::GetAtt" in queue and queue["Fn::GetAtt"][1] == "Arn"):
        raise ValueError(f"QueueConfigurations: only {{'Fn::GetAtt': [<Queue>, 'Arn']}} is supported ({queue})")
    url = physical[queue["Fn::GetAtt"][0]]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    out: dict[str, Any] = {"QueueArn": arn, "Events": [cfn["Event"]]}
    rules = ((cfn.get("Filter") or {}).get("S3Key") or {}).get("Rules")
    if rules:
        out["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
    return out
