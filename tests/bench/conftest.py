"""`make bench`: one moto server for the whole session (provisioned from infra/template.json as
the local stack does), the environment a function gets on it, and the one table of figures,
printed at the end of the session and written to build/bench.md (``tests/bench/figures.py``)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.bench import figures
from tests.bench.support import FORM_SECRET

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
PUBLIC_BASE_URL = "http://127.0.0.1:8000"


def chalice_environment(stage: str = "local") -> dict[str, str]:
    """What .chalice/config.json gives every function (all stages, then the stage's own)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    env = dict(config.get("environment_variables") or {})
    env.update((config.get("stages", {}).get(stage) or {}).get("environment_variables") or {})
    return env


@pytest.fixture(scope="session")
def aws_server():
    """A moto server (threaded, in this process) with every resource of the merge template.

    ``function_env`` is what a Lambda of this app gets on it (resource names, settings, the
    endpoint, fake credentials); ``client(service)`` makes a boto3 client for it.
    """
    import boto3
    from botocore.config import Config
    from moto.server import ThreadedMotoServer

    from infra.local import moto_patches
    from infra.local.provision import provision
    from infra.local.stack import quiet_request_logs

    quiet_request_logs()  # no line per request from moto's server
    with moto_patches.installed():  # as the local stack runs moto: transactions as AWS answers
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"

            def client(service: str):
                return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                                    aws_access_key_id="testing", aws_secret_access_key="testing",
                                    config=Config(retries={"max_attempts": 2}))

            provisioned, physical = provision(client("cloudformation"), client("sqs"),
                                              parameters={"MailchimpListId": "bench"},
                                              s3=client("s3"))
            aws_env = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
                       "AWS_REGION": REGION}
            function_env = {**chalice_environment(), **provisioned, **aws_env,
                            "FORM_SECRET": FORM_SECRET, "APP_STAGE": "local",
                            "PUBLIC_BASE_URL": PUBLIC_BASE_URL}
            yield SimpleNamespace(endpoint=endpoint, client=client, physical=physical,
                                  function_env=function_env, table_name=provisioned["DATA_TABLE"])
        finally:
            server.stop()


@pytest.fixture(scope="session")
def child_env(aws_server) -> dict[str, str]:
    """The environment of a cold-start child process: ours without any AWS_* variable (no
    real profile can leak in), the function's, and the project on the path (Lambda's task root)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(aws_server.function_env)
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture
def function_environment(aws_server, monkeypatch):
    """This process set up as a function on the moto server (for the in-process figures)."""
    from functions import wiring
    from functions.adapters import aws as aws_clients

    for name, value in aws_server.function_env.items():
        monkeypatch.setenv(name, value)
    wiring.reset()
    aws_clients.client.cache_clear()
    yield aws_server
    wiring.reset()
    aws_clients.client.cache_clear()


@pytest.fixture(scope="session")
def table():
    return figures.TABLE


@pytest.hookimpl(trylast=True)  # after pytest-benchmark's tables: ours is the last word
def pytest_terminal_summary(terminalreporter):
    if not any(f.met is not None for f in figures.TABLE.rows()):
        return  # no bench test ran (another selection): no table, no file
    path = figures.TABLE.write()
    terminalreporter.section("performance (issue 12)")
    terminalreporter.write_line(figures.TABLE.text())
    terminalreporter.write_line("")
    terminalreporter.write_line(f"written to {path.relative_to(ROOT)}")
