"""`make verify-archive` against a running local stack (stack.json) and a deployed stage."""
from __future__ import annotations

import json

from infra import archive_verify as cli
from tests.agendas_support import AGENDA_MD, BESTUUR, NOW


def _archive_one(table, archive):
    from functions.agendas import archief

    receipt = archief.ontvang(table, archive, datum_raw="2026-12-03", stuk="agenda", body=AGENDA_MD.encode(),
                              headers={"content-type": "text/markdown"}, query={}, principal=BESTUUR, now=NOW)
    assert archief.verwerk_upload(receipt["upload_id"], table, archive, NOW) == "opgenomen"


def test_the_local_check_reads_the_stack_file_and_names_a_break(tmp_path, monkeypatch, capsys):
    import boto3
    from moto.server import ThreadedMotoServer

    from functions.adapters.dynamo import DynamoTable
    from functions.adapters.s3 import S3Archive
    from infra.local.provision import provision

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        env, _ = provision(boto3.client("cloudformation", endpoint_url=endpoint),
                           boto3.client("sqs", endpoint_url=endpoint), parameters={})
        (tmp_path / "stack.json").write_text(json.dumps({"moto": endpoint, "env": env}))
        monkeypatch.setenv("LOCAL_STATE_DIR", str(tmp_path))
        table = DynamoTable(env["DATA_TABLE"], boto3.client("dynamodb", endpoint_url=endpoint))
        archive = S3Archive(env["ARCHIVE_BUCKET"], env["UPLOAD_BUCKET"], boto3.client("s3", endpoint_url=endpoint))
        _archive_one(table, archive)
        assert cli.main([]) == 0
        assert "intact" in capsys.readouterr().out
        boto3.client("s3", endpoint_url=endpoint).put_object(
            Bucket=env["ARCHIVE_BUCKET"], Key="agendas/2026/2026-12-03/agenda.md", Body=b"x",
            ChecksumAlgorithm="SHA256")
        assert cli.main([]) == 1
        assert "BREAK niet_in_manifest" in capsys.readouterr().out
    finally:
        server.stop()


def test_against_a_deployed_stage_the_resources_come_from_the_stacks_outputs(capsys):
    import boto3
    from moto import mock_aws

    from functions.adapters.dynamo import DynamoTable
    from functions.adapters.s3 import S3Archive
    from infra.local.provision import configure_buckets, load_template, local_template

    with mock_aws():
        template = load_template()
        cf = boto3.client("cloudformation")
        cf.create_stack(StackName="bij1-denhaag-prod", TemplateBody=json.dumps(
            {**local_template(template), "Outputs": template["Outputs"]}))
        outputs = {o["OutputKey"]: o["OutputValue"]
                   for o in cf.describe_stacks(StackName="bij1-denhaag-prod")["Stacks"][0]["Outputs"]}
        sqs = boto3.client("sqs")
        physical = {r["LogicalResourceId"]: (sqs.get_queue_url(QueueName=r["PhysicalResourceId"].rsplit("/", 1)[-1])
                                             ["QueueUrl"] if r["ResourceType"] == "AWS::SQS::Queue"
                                             else r["PhysicalResourceId"])
                    for r in cf.describe_stack_resources(StackName="bij1-denhaag-prod")["StackResources"]}
        configure_buckets(boto3.client("s3"), sqs, template, physical)
        _archive_one(DynamoTable(outputs["DataTableName"]), S3Archive(outputs["ArchiveBucketName"],
                                                                       outputs["UploadBucketName"]))
        assert cli.main(["--stage", "prod", "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["ok"] and report["entries"] == 1
