"""The packaged template, checked: the checkers (cfn-lint with the AWS serverless rules, checkov)
find nothing that is not skipped with a reason, and each property of issue #12's list holds
(docs/reliability.md, Infrastructure). `package` and `template` are built once per session
(tests/integration/conftest.py)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra import checks

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "infra" / "template.json").read_text())

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cloudformation(template) -> dict:
    """The packaged template as SAM's transform turns it into CloudFormation."""
    return checks.translate(template)


@pytest.fixture(scope="module")
def checkov_report(cloudformation, tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("checkov") / "cloudformation.json"
    path.write_text(json.dumps(cloudformation))
    executable = checks.checkov_executable()
    assert executable.exists(), f"{executable} is missing: `make install` creates it"
    result = checks.checkov(path)
    assert result.stdout.strip().startswith("{"), result.stdout[-2000:] + result.stderr[-4000:]
    return json.loads(result.stdout)


def of_type(template: dict, kind: str) -> dict[str, dict]:
    return {name: res for name, res in template["Resources"].items() if res.get("Type") == kind}


def getatt(value: Any) -> tuple[str, str] | None:
    """(logical id, attribute) of a `Fn::GetAtt` (or of `Fn::Sub` "${X.Arn}")."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return tuple(value["Fn::GetAtt"])
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        match = re.fullmatch(r"\$\{(\w+)\.(\w+)\}", value["Fn::Sub"])
        return (match[1], match[2]) if match else None
    return None


def statements(document: dict) -> list[dict]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


# --- the checkers ------------------------------------------------------------------------

def test_the_packaged_template_has_no_cfn_lint_finding_with_the_aws_serverless_rules(package):
    result = checks.cfn_lint(package / "sam.json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_finds_nothing_unskipped_in_the_sam_translation(checkov_report):
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}"
              for c in checkov_report["results"]["failed_checks"]]
    assert failed == [], "\n".join(failed)
    assert checkov_report["summary"]["passed"] > 300


# The checks of checkov that prove part of issue #12's list: each must have run and passed
# on every resource of its type (a check that silently stopped applying would fail here).
PROVED_BY_CHECKOV = {
    "AWS::S3::Bucket": {"CKV_AWS_19", "CKV_AWS_21", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"},
    "AWS::DynamoDB::Table": {"CKV_AWS_28", "CKV_AWS_119"},
    "AWS::SNS::Topic": {"CKV_AWS_26"},
    "AWS::Logs::LogGroup": {"CKV_AWS_66"},
    "AWS::KMS::Key": {"CKV_AWS_7", "CKV_AWS_33"},
    "AWS::IAM::ManagedPolicy": {"CKV_AWS_107", "CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_110", "CKV_AWS_111"},
    "AWS::IAM::Role": {"CKV_AWS_60", "CKV_AWS_61", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_107",
                       "CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_110", "CKV_AWS_111"},
}


def test_checkov_proved_encryption_versioning_private_buckets_backups_and_iam_limits(checkov_report, cloudformation):
    passed: dict[str, set[str]] = {}
    for check in checkov_report["results"]["passed_checks"]:
        passed.setdefault(check["resource"], set()).add(check["check_id"])
    for kind, expected in PROVED_BY_CHECKOV.items():
        names = of_type(cloudformation, kind)
        assert names, kind
        for name in names:
            missing = expected - passed.get(f"{kind}.{name}", set())
            assert not missing, f"{kind}.{name}: checkov did not pass {sorted(missing)}"


def test_every_skipped_finding_has_its_reason_in_the_repository(template):
    # GIVEN the skips for every resource (.cfnlintrc.yaml, .checkov.yaml): a comment right above each
    for path, key in ((ROOT / ".cfnlintrc.yaml", "ignore_checks"), (ROOT / ".checkov.yaml", "skip-check")):
        lines = path.read_text().splitlines()
        start = lines.index(f"{key}:")
        ids = [(i, line.strip()[2:]) for i, line in enumerate(lines[start + 1:], start + 1)
               if line.strip().startswith("- ")]
        assert ids, path
        for i, rule in ids:
            assert lines[i - 1].strip().startswith("#") and len(lines[i - 1].strip()) > 20, \
                f"{path.name}: {rule} has no reason on the line above it"
    # AND the skips of one resource, on it in the packaged template
    for name, res in template["Resources"].items():
        meta = res.get("Metadata", {})
        for rule in meta.get("cfn-lint", {}).get("config", {}).get("ignore_checks", []):
            assert len(meta.get("cfn-lint-reasons", {}).get(rule, "")) > 20, f"{name}: {rule} without a reason"
        for skip in meta.get("checkov", {}).get("skip", []):
            assert len(skip.get("comment", "")) > 20, f"{name}: {skip['id']} without a comment"


# --- issue #12's list, property by property ----------------------------------------------

def test_every_bucket_is_encrypted_versioned_private_and_tls_only(template):
    buckets = of_type(template, "AWS::S3::Bucket")
    policies = of_type(template, "AWS::S3::BucketPolicy")
    assert set(buckets) == {"ArchiveBucket", "UploadBucket"}
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms", name
        assert getatt(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]) == ("DataKey", "Arn"), name
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}, name
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True}, name
        # TLS only: a policy of this bucket denies every action on it and its objects without TLS
        denies = [s for p in policies.values() if p["Properties"]["Bucket"] == {"Ref": name}
                  for s in statements(p["Properties"]["PolicyDocument"])
                  if s["Effect"] == "Deny" and s["Principal"] == "*" and s["Action"] == "s3:*"
                  and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
        assert len(denies) == 1, f"{name} has no TLS-only policy"
        resources = as_list(denies[0]["Resource"])
        assert {"Fn::GetAtt": [name, "Arn"]} in resources and {"Fn::Sub": f"${{{name}.Arn}}/*"} in resources


def test_a_versioned_upload_bucket_still_forgets_uploads_within_three_days(template):
    rules = template["Resources"]["UploadBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    by_id = {r["Id"]: r for r in rules if r["Status"] == "Enabled"}
    assert by_id["UploadsExpireAfterTwoDays"]["ExpirationInDays"] == 2
    assert by_id["UploadsExpireAfterTwoDays"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert by_id["ExpiredDeleteMarkersGo"]["ExpiredObjectDeleteMarker"] is True


def dead_letter_targets(template: dict) -> dict[str, str]:
    """DLQ logical id -> what sends to it (a queue's redrive, a schedule's failures)."""
    targets = {}
    for name, queue in of_type(template, "AWS::SQS::Queue").items():
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive:
            dlq = getatt(redrive["deadLetterTargetArn"])
            assert dlq and dlq[1] == "Arn", name
            assert dlq[0] not in targets, f"{dlq[0]} is the DLQ of two queues"
            targets[dlq[0]] = name
    for name, function in of_type(template, "AWS::Serverless::Function").items():
        on_failure = function["Properties"].get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure")
        if on_failure:
            targets.setdefault(getatt(on_failure["Destination"])[0], f"schedules ({name}, ...)")
    return targets


def test_every_queue_is_encrypted_and_either_has_its_own_dead_letter_queue_or_is_one(template):
    queues = of_type(template, "AWS::SQS::Queue")
    dlqs = dead_letter_targets(template)
    for name, queue in queues.items():
        props = queue["Properties"]
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, f"{name} is not encrypted"
        is_work_queue = "RedrivePolicy" in props
        assert is_work_queue != (name in dlqs), f"{name} must be a work queue with a DLQ or a DLQ"
        if is_work_queue:
            assert props["RedrivePolicy"]["maxReceiveCount"] >= 1
        else:  # a DLQ keeps its messages longer than its source queue does
            assert props["MessageRetentionPeriod"] == 1209600, name
    assert "ScheduleDeadLetterQueue" in dlqs


def alarms_on(template: dict, queue: str, metric: str) -> list[dict]:
    return [a["Properties"] for a in of_type(template, "AWS::CloudWatch::Alarm").values()
            if a["Properties"].get("Namespace") == "AWS/SQS" and a["Properties"]["MetricName"] == metric
            and a["Properties"]["Dimensions"] == [{"Name": "QueueName",
                                                   "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]]


def test_every_dead_letter_queue_alarms_on_its_first_message(template):
    for dlq, source in dead_letter_targets(template).items():
        alarms = alarms_on(template, dlq, "ApproximateNumberOfMessagesVisible")
        assert len(alarms) == 1, f"{dlq} (of {source}) has no depth alarm"
        alarm = alarms[0]
        assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
            "Maximum", "GreaterThanThreshold", 0), dlq
        assert alarm["Period"] * alarm["EvaluationPeriods"] <= 900, dlq
        assert alarm["TreatMissingData"] == "notBreaching", dlq  # SQS stops metrics of idle queues
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], dlq
        assert "docs/reliability.md" in alarm["AlarmDescription"], dlq


def test_every_work_queue_alarms_when_its_oldest_message_outlives_its_retries(template):
    for name, queue in of_type(template, "AWS::SQS::Queue").items():
        props = queue["Properties"]
        if "RedrivePolicy" not in props:
            continue
        alarms = alarms_on(template, name, "ApproximateAgeOfOldestMessage")
        assert len(alarms) == 1, f"{name} has no age alarm"
        alarm = alarms[0]
        retries = props["RedrivePolicy"]["maxReceiveCount"] * props["VisibilityTimeout"]
        # no alarm while a failing message is still being retried; long before it expires
        assert retries < alarm["Threshold"] < props["MessageRetentionPeriod"] / 10, name
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_alarms_mail_through_an_encrypted_topic_to_an_address_the_deploy_must_name(template):
    resources = template["Resources"]
    topic = resources["AlarmTopic"]
    assert topic["Type"] == "AWS::SNS::Topic"
    key = topic["Properties"]["KmsMasterKeyId"]["Ref"]
    assert key != "DataKey", "no service principal may use the data key"
    key_statements = statements(resources[key]["Properties"]["KeyPolicy"])
    assert any(s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
               and set(s["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"} for s in key_statements), \
        "CloudWatch cannot publish to a topic whose key it may not use"
    assert resources[key]["Properties"]["EnableKeyRotation"] is True
    subscriptions = of_type(template, "AWS::SNS::Subscription")
    assert [s["Properties"] for s in subscriptions.values()] == [
        {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}]
    assert "Default" not in template["Parameters"]["AlarmEmail"], "a deploy must say who gets the alarms"
    assert re.fullmatch(template["Parameters"]["AlarmEmail"]["AllowedPattern"], "bestuur@denhaag.bij1.org")
    assert not re.fullmatch(template["Parameters"]["AlarmEmail"]["AllowedPattern"], "bestuur")


def test_every_table_is_encrypted_with_our_key_and_has_point_in_time_recovery(template):
    tables = of_type(template, "AWS::DynamoDB::Table")
    assert tables
    for name, table in tables.items():
        props = table["Properties"]
        assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS",
                                             "KMSMasterKeyId": {"Ref": "DataKey"}}, name
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert table["DeletionPolicy"] == "Retain", name


def iam_statements(cloudformation: dict):
    """(where, statement) of every identity policy: managed policies and roles' inline ones."""
    for name, policy in of_type(cloudformation, "AWS::IAM::ManagedPolicy").items():
        for statement in statements(policy["Properties"]["PolicyDocument"]):
            yield name, statement
    for name, role in of_type(cloudformation, "AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            for statement in statements(inline["PolicyDocument"]):
                yield f"{name}/{inline['PolicyName']}", statement


def test_no_iam_statement_allows_every_action_or_every_resource(cloudformation):
    found = list(iam_statements(cloudformation))
    assert len(found) > 20
    for where, statement in (f for f in found if f[1]["Effect"] == "Allow"):
        actions, resources = as_list(statement["Action"]), as_list(statement["Resource"])
        assert not any(a == "*" or a.endswith(":*") for a in actions), f"{where}: {actions}"
        assert "*" not in resources, f"{where}: grants on every resource"


def test_functions_may_write_lambda_log_groups_but_not_create_one(cloudformation):
    for name, role in of_type(cloudformation, "AWS::IAM::Role").items():
        inline = [s for p in role["Properties"].get("Policies", []) for s in statements(p["PolicyDocument"])]
        assert inline == [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                           "Resource": "arn:*:logs:*:*:log-group:/aws/lambda/*"}], name


def test_every_function_has_its_log_group_with_a_retention(cloudformation):
    functions = of_type(cloudformation, "AWS::Lambda::Function")
    groups = {json.dumps(g["Properties"]["LogGroupName"]): g["Properties"]
              for g in of_type(cloudformation, "AWS::Logs::LogGroup").values()}
    assert functions and len(groups) == len(functions)
    retention = TEMPLATE["Parameters"]["LogRetentionDays"]
    assert retention["Default"] >= 365, "the contact-view audit lines must outlive the contact details"
    for name in functions:
        group = groups.get(json.dumps({"Fn::Sub": f"/aws/lambda/${{{name}}}"}))
        assert group is not None, f"{name}: add {name}LogGroup to infra/template.json"
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def test_every_scheduled_run_that_fails_lands_in_the_schedule_dead_letter_queue(cloudformation):
    resources = cloudformation["Resources"]
    rules = of_type(cloudformation, "AWS::Events::Rule")
    assert rules
    configs = {c["Properties"]["FunctionName"]["Ref"]: c["Properties"]
               for c in of_type(cloudformation, "AWS::Lambda::EventInvokeConfig").values()}
    for name, rule in rules.items():
        [target] = rule["Properties"]["Targets"]
        function = getatt(target["Arn"])[0]
        # EventBridge could not invoke it: the rule's dead-letter queue
        assert getatt(target["DeadLetterConfig"]["Arn"]) == ("ScheduleDeadLetterQueue", "Arn"), name
        # it ran and failed every attempt: Lambda's on-failure destination
        config = configs[function]
        assert config["MaximumRetryAttempts"] == 2, function
        assert getatt(config["DestinationConfig"]["OnFailure"]["Destination"]) == ("ScheduleDeadLetterQueue", "Arn")
        # with the function's own role, which may send there
        role = getatt(resources[function]["Properties"]["Role"])[0]
        assert {"Ref": "ScheduleFailurePolicy"} in resources[role]["Properties"]["ManagedPolicyArns"], function
    [sender] = statements(resources["ScheduleFailurePolicy"]["Properties"]["PolicyDocument"])
    assert (sender["Action"], getatt(sender["Resource"])) == (["sqs:SendMessage"], ("ScheduleDeadLetterQueue", "Arn"))
    [policy] = [p for p in of_type(cloudformation, "AWS::SQS::QueuePolicy").values()
                if p["Properties"]["Queues"] == [{"Ref": "ScheduleDeadLetterQueue"}]]
    [allow] = statements(policy["Properties"]["PolicyDocument"])
    assert allow["Principal"] == {"Service": "events.amazonaws.com"} and allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_every_sqs_event_source_is_bounded_in_concurrency(cloudformation):
    mappings = of_type(cloudformation, "AWS::Lambda::EventSourceMapping")
    assert mappings
    for name, mapping in mappings.items():
        assert mapping["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 2}, name


def test_the_api_stage_is_throttled(cloudformation):
    [stage] = of_type(cloudformation, "AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["MethodSettings"] == [{
        "ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100}]


def test_the_authorizers_may_read_exactly_the_partitions_they_read(template):
    from chalice.app import AuthRequest

    from functions import auth, tokens
    from functions.adapters.dynamo import FakeTable
    from functions.beheer import sessie

    class RecordingTable(FakeTable):
        def __init__(self):
            super().__init__()
            self.recording = False
            self.partitions_read: set[str] = set()

        def get(self, pk, sk):
            if self.recording:
                self.partitions_read.add(pk)
            return super().get(pk, sk)

        def query(self, *args, **kwargs):
            assert not self.recording, "an authorizer may only GetItem"
            return super().query(*args, **kwargs)

    # GIVEN a token, a browser session of it, a revoked token and junk
    from datetime import datetime, timezone
    now = datetime.now(timezone.utc)
    table = RecordingTable()
    token, _ = tokens.issue("bestuur", "tim", table, now)
    revoked, principal = tokens.issue("bestuur", "ex", table, now)
    tokens.revoke(principal.token_id, table, now)
    session = sessie.start(token, table, now, 30)["sessie"]
    table.recording = True
    # WHEN every authorizer decides on each of them
    for name in auth.AUTHORIZER_ROLES:
        for bearer in (token, session, revoked, "bij1_nope", "bij1s_nope", ""):
            auth.authorize(AuthRequest("TOKEN", f"Bearer {bearer}", "arn:aws:execute-api:x"), name, table)
    # THEN what they read is what their one policy allows, and nothing else is attached to them
    [statement] = statements(template["Resources"]["TokenReadPolicy"]["Properties"]["PolicyDocument"])
    assert statement["Action"] == ["dynamodb:GetItem"]
    allowed = set(statement["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"])
    assert table.partitions_read == allowed == {tokens.TOKEN_PK, sessie.PK}
    authorizers = {n for n, f in of_type(template, "AWS::Serverless::Function").items()
                   if f["Properties"]["Handler"].startswith("functions.authorizers.")}
    assert len(authorizers) == len(auth.AUTHORIZER_ROLES)
    for name in authorizers:
        role = getatt(template["Resources"][name]["Properties"]["Role"])[0]
        assert template["Resources"][role]["Properties"]["ManagedPolicyArns"] == [{"Ref": "TokenReadPolicy"}], name


# --- the local stack ---------------------------------------------------------------------

def test_the_local_stack_creates_every_typed_resource_but_those_left_out_with_a_reason(aws):
    from infra.local.provision import UNSUPPORTED_LOCALLY, load_template, local_template

    template = load_template()
    typed = {n for n, r in template["Resources"].items() if "Type" in r}
    kept = set(local_template(template)["Resources"])
    left_out = {template["Resources"][n]["Type"] for n in typed - kept}
    assert left_out == set(UNSUPPORTED_LOCALLY)
    assert all(len(reason) > 20 for reason in UNSUPPORTED_LOCALLY.values())
    # moto created each resource it was given (an unsupported type would come back without an id)
    assert kept <= set(aws.physical)
    sns = __import__("boto3").client("sns")
    attributes = sns.get_topic_attributes(TopicArn=aws.physical["AlarmTopic"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == aws.physical["AlarmKey"]
