"""The packaged template, built once per test session (test_packaging.py, test_infrastructure.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHALICE = Path(sys.executable).parent / "chalice"


@pytest.fixture(scope="session")
def package(tmp_path_factory) -> Path:
    """`chalice package --stage prod --merge-template infra/template.json` output: sam.json, deployment.zip."""
    out = tmp_path_factory.mktemp("package") / "out"
    env = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1"}
    env.pop("AWS_ENDPOINT_URL", None)
    result = subprocess.run(
        [str(CHALICE), "package", "--stage", "prod", "--merge-template", "infra/template.json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    from infra.slim_package import slim

    slim(out / "deployment.zip")  # what `make package` ships: the tests run the same zip
    return out


@pytest.fixture(scope="session")
def template(package) -> dict:
    return json.loads((package / "sam.json").read_text())
