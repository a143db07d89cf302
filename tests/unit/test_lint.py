"""Pyflakes' rules over the code that ships and the tooling: an undefined name (a module a
handler forgot to import) is found here, not by a Lambda at its first message."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_undefined_or_unused_names_in_the_code():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "F",
                             "--output-format", "concise", "app.py", "functions", "infra", "tools"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_undefined_names_in_the_tests():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "F821",
                             "--output-format", "concise", "tests"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
