"""The local stack and the integration tests build AWS from infra/template.json alone."""
import json

from infra.local.provision import load_template, queue_logical_ids


def test_every_queue_has_its_own_dead_letter_queue_with_redrive(aws):
    template = load_template()
    queues = [n for n, r in template["Resources"].items() if r.get("Type") == "AWS::SQS::Queue"]
    work_queues = [q for q in queues if not q.endswith("DeadLetterQueue")]
    assert work_queues, "no work queues in the template"
    dlqs_used = set()
    for name in work_queues:
        url = aws.physical[name]
        attrs = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attrs["RedrivePolicy"])
        assert int(redrive["maxReceiveCount"]) >= 1
        dlq_name = redrive["deadLetterTargetArn"].rsplit(":", 1)[-1]
        assert dlq_name not in dlqs_used, f"{name} shares its dead-letter queue"
        dlqs_used.add(dlq_name)
    assert len(dlqs_used) == len(work_queues)


def test_functions_environment_points_at_created_resources(aws):
    assert aws.env["DATA_TABLE"] in aws.dynamodb.list_tables()["TableNames"]
    assert aws.env["SIGNUP_QUEUE_URL"] in aws.sqs.list_queues()["QueueUrls"]
    buckets = [b["Name"] for b in aws.s3.list_buckets()["Buckets"]]
    assert aws.env["ARCHIVE_BUCKET"] in buckets


def test_every_sqs_consumer_in_the_template_names_a_queue_of_the_template():
    template = load_template()
    for function, queue in queue_logical_ids(template).items():
        assert template["Resources"][queue]["Type"] == "AWS::SQS::Queue", function
