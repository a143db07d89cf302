"""The infrastructure checkers, run on what `chalice package` makes (docs/reliability.md).

- **cfn-lint** with the AWS serverless rules (`cfn-lint-serverless`, loaded by `.cfnlintrc.yaml`)
  on the packaged SAM template `sam.json`.
- **checkov** on the SAM *translation* of that template (aws-sam-translator, as CloudFormation's
  `AWS::Serverless-2016-10-31` transform does it): checkov knows only ten checks for SAM
  resources, each of which also covers the CloudFormation resource SAM makes, and the
  translation adds what SAM generates (the stage, permissions, schedule rules, event source
  mappings, invoke configs) to what is checked. Its settings and skips: `.checkov.yaml`.

checkov lives in its own virtualenv (`.venv/checkov`, pinned in `infra/checkov-requirements.txt`):
it pins boto3 and packaging to versions older than the project's.

`python -m infra.checks build/package` runs both and exits non-zero on any finding.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CFN_LINT_CONFIG = ROOT / ".cfnlintrc.yaml"
CHECKOV_CONFIG = ROOT / ".checkov.yaml"
REGION = "eu-west-1"
# Where `aws cloudformation package` would have uploaded deployment.zip: SAM wants an S3 URI.
CODE_URI = "s3://bij1-deployment-artifacts/deployment.zip"


def checkov_executable() -> Path:
    """`.venv/checkov/bin/checkov` next to the running virtualenv (or $CHECKOV)."""
    if os.environ.get("CHECKOV"):
        return Path(os.environ["CHECKOV"])
    return Path(sys.prefix) / "checkov" / "bin" / "checkov"


def translate(sam: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation template SAM's transform makes of the packaged template."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = json.loads(json.dumps(sam))
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = CODE_URI
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    out = translator.translate(template, parameter_values={}, get_managed_policy_map=lambda: {})
    return json.loads(json.dumps(out))


def cfn_lint(sam_json: Path) -> subprocess.CompletedProcess[str]:
    """cfn-lint with the serverless rules and our skips; exit code 0 = no finding."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--config-file", str(CFN_LINT_CONFIG),
         "--format", "parseable", str(sam_json)],
        capture_output=True, text=True, timeout=300, cwd=ROOT)


def checkov(cloudformation_json: Path) -> subprocess.CompletedProcess[str]:
    """checkov with `.checkov.yaml`, JSON report on stdout; exit code 0 = no finding."""
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [str(checkov_executable()), "--config-file", str(CHECKOV_CONFIG), "--output", "json",
         "--file", str(cloudformation_json)],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)


def checkov_findings(result: subprocess.CompletedProcess[str]) -> tuple[dict[str, Any], list[str]]:
    """(summary, one line per failed check) from checkov's JSON report."""
    report = json.loads(result.stdout)
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}"
              for c in report["results"].get("failed_checks", [])]
    return report["summary"], failed


def main(argv: list[str]) -> int:
    package = Path(argv[0] if argv else "build/package")
    lint = cfn_lint(package / "sam.json")
    print(f"cfn-lint (+ serverless rules): {'no findings' if lint.returncode == 0 else 'FINDINGS'}")
    if lint.returncode:
        print(lint.stdout + lint.stderr)
    translated = package / "cloudformation.json"
    translated.write_text(json.dumps(translate(json.loads((package / "sam.json").read_text())), indent=1))
    result = checkov(translated)
    if not result.stdout.strip().startswith("{"):
        print(f"checkov did not run: {result.stderr[-2000:]}")
        return 1
    summary, failed = checkov_findings(result)
    print(f"checkov {summary['checkov_version']} on the SAM translation: {summary['passed']} passed, "
          f"{summary['failed']} failed, {summary['skipped']} skipped on resources (Metadata), "
          f"{summary['resource_count']} resources")
    for line in failed:
        print(f"  {line}")
    return 1 if lint.returncode or failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
