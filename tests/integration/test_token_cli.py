"""The token command works against a stack described in stack.json (as `make run` writes it)."""
import json

import pytest

from moto.server import ThreadedMotoServer

from infra import tokens as cli


def test_issue_list_and_revoke_against_a_running_stack(tmp_path, monkeypatch, capsys):
    import boto3

    from functions import tokens
    from functions.adapters.dynamo import DynamoTable
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

        assert cli.main(["issue", "--role", "bestuur", "--name", "tim"]) == 0
        token = capsys.readouterr().out.strip().splitlines()[-1]
        table = DynamoTable(env["DATA_TABLE"], boto3.client("dynamodb", endpoint_url=endpoint))
        principal = tokens.authenticate(token, table)
        assert principal and principal.name == "tim"

        assert cli.main(["list"]) == 0
        listing = capsys.readouterr().out
        assert principal.token_id in listing and token not in listing

        assert cli.main(["revoke", "--id", principal.token_id]) == 0
        assert tokens.authenticate(token, table) is None
        assert cli.main(["issue", "--role", "koning", "--name", "x"]) == 2
    finally:
        server.stop()


def test_without_a_running_stack_it_says_how_to_start_one(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCAL_STATE_DIR", str(tmp_path))
    with pytest.raises(SystemExit, match="make run"):
        cli.main(["list"])


def test_against_a_deployed_stage_the_table_comes_from_the_stacks_outputs(capsys):
    import boto3
    from moto import mock_aws

    from functions import tokens
    from functions.adapters.dynamo import DynamoTable
    from infra.local.provision import load_template, local_template

    with mock_aws():
        # GIVEN the stack as `aws cloudformation deploy` would leave it (with its Outputs)
        template = load_template()
        body = {**local_template(template), "Outputs": template["Outputs"]}
        boto3.client("cloudformation").create_stack(StackName="bij1-denhaag-prod",
                                                    TemplateBody=json.dumps(body))
        # WHEN a token is issued for STAGE=prod
        assert cli.main(["issue", "--stage", "prod", "--role", "politieke-agenda", "--name", "nadine"]) == 0
        token = capsys.readouterr().out.strip().splitlines()[-1]
        # THEN it is valid in that stack's table
        outputs = boto3.client("cloudformation").describe_stacks(StackName="bij1-denhaag-prod")["Stacks"][0]["Outputs"]
        table_name = {o["OutputKey"]: o["OutputValue"] for o in outputs}["DataTableName"]
        principal = tokens.authenticate(token, DynamoTable(table_name, boto3.client("dynamodb")))
        assert principal and principal.role == "politieke-agenda"
