"""The deployment zip (issue 12: at most 2.5 MB): what `make package` ships, built afresh
(`chalice package` and the slimming of infra/slim_package.py, as the packaging test does)."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHALICE = Path(sys.executable).parent / "chalice"
GOAL_BYTES = 2_500_000  # 2.5 MB (decimal, as the issue writes it); 2.38 MiB


def test_deployment_zip(table, tmp_path):
    from infra.slim_package import slim

    out = tmp_path / "package"
    env = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1"}
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run([str(CHALICE), "package", "--stage", "prod", "--merge-template",
                           "infra/template.json", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    zip_path = out / "deployment.zip"
    before, after = slim(zip_path)
    size = zip_path.stat().st_size
    with zipfile.ZipFile(zip_path) as z:
        unpacked = sum(i.file_size for i in z.infolist())
        files = len(z.infolist())
    table.record("zip", f"{size / 1e6:.2f} MB ({size / 1024 ** 2:.2f} MiB)", size <= GOAL_BYTES,
                 f"{size:,} bytes, {files} files, {unpacked / 1e6:.1f} MB unpacked; "
                 f"`chalice package --stage prod` then infra/slim_package.py "
                 f"({before / 1024:.0f} KiB -> {after / 1024:.0f} KiB)")
