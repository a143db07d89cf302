"""The board CLI (tools/bij1.py, standard library only) against the local stack over real HTTP:
upload (Markdown, a small PDF, a large PDF through the presigned S3 upload), list, fetch,
versions, verify, draft and roster, and its messages and exit codes for 401/403/4xx."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.agendas_support import AGENDA_MD, minimal_pdf

pytestmark = [pytest.mark.stack, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "tools" / "bij1.py"
DATUM = "2026-10-01"  # a meeting no other e2e test uses


def bij1(stack, *args: str, token: str | None = "bestuur") -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "AFDELING_API": stack.api,
           "AFDELING_TOKEN": stack.tokens[token] if token else ""}
    # -I: isolated, like a laptop without this project's packages
    return subprocess.run([sys.executable, "-I", str(CLI), *args], capture_output=True, text=True,
                          timeout=90, env=env)


def test_the_board_works_the_archive_from_the_command_line(stack, tmp_path):
    agenda = tmp_path / "agenda.md"
    agenda.write_text(AGENDA_MD, encoding="utf-8")
    # upload waits until the consumer has recorded the version
    done = bij1(stack, "upload", DATUM, str(agenda))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "besloten (niet openbaar): 2. Vrijwilliger in de knel (besloten)" in done.stdout
    assert "opgenomen als versie 1" in done.stdout
    # list, public fetch without besloten parts, full fetch with them
    assert DATUM in bij1(stack, "list", "--jaar", "2026", token=None).stdout
    public = bij1(stack, "fetch", DATUM, token=None)
    assert public.returncode == 0 and "3. Werkgroepen" in public.stdout and "VERTROUWELIJK" not in public.stdout
    assert "VERTROUWELIJK-123" in bij1(stack, "fetch", DATUM, "--volledig").stdout
    # a second version, a board-only PDF of the minutes, and a large public PDF through S3 directly
    agenda.write_text(AGENDA_MD + "\n## 4. Rondvraag\n", encoding="utf-8")
    assert "opgenomen als versie 2" in bij1(stack, "upload", DATUM, str(agenda)).stdout
    small = tmp_path / "notulen.pdf"
    small.write_bytes(minimal_pdf("Notulen"))
    assert bij1(stack, "upload", DATUM, str(small), "--stuk", "notulen", "--openbaar", "nee").returncode == 0
    large = tmp_path / "besluitenlijst.pdf"
    large.write_bytes(minimal_pdf("Besluiten").replace(b"%%EOF", b"%" + b"0" * (4 * 1024 * 1024 + 10) + b"\n%%EOF"))
    uploaded = bij1(stack, "upload", DATUM, str(large), "--stuk", "besluitenlijst", "--openbaar", "ja")
    assert uploaded.returncode == 0 and "opgenomen als versie 1" in uploaded.stdout, uploaded.stdout + uploaded.stderr
    fetched = tmp_path / "terug.pdf"
    assert bij1(stack, "fetch", DATUM, "--stuk", "besluitenlijst", "-o", str(fetched), token=None).returncode == 0
    assert fetched.read_bytes() == large.read_bytes()
    # versions with their hashes; the check finds nothing wrong
    versions = bij1(stack, "versions", DATUM, token=None).stdout.splitlines()
    assert len(versions) == 4 and all("sha256 " in v and "manifest " in v for v in versions)
    verified = bij1(stack, "verify")
    assert verified.returncode == 0 and "in orde" in verified.stdout
    # the draft and the roster
    draft = bij1(stack, "draft", "2026-10-15")
    assert draft.returncode == 0 and draft.stdout.count("termijn afgelopen") == 5
    assert "[besluitenlijst van 1 oktober 2026]" in draft.stdout
    changed = bij1(stack, "roster", "set", "tim-kies", "--einde", "2027-03-01", "--herbenoemd", "1")
    assert changed.returncode == 0, changed.stderr
    assert "2027-03-01" in bij1(stack, "roster", "get").stdout


def test_the_cli_says_what_went_wrong_and_exits_non_zero(stack, tmp_path):
    agenda = tmp_path / "a.md"
    agenda.write_text("# Agenda\n", encoding="utf-8")
    no_token = bij1(stack, "verify", token=None)
    assert no_token.returncode == 3 and "AFDELING_TOKEN" in no_token.stderr
    wrong_role = bij1(stack, "upload", DATUM, str(agenda), token="communicatie")
    assert wrong_role.returncode == 3 and "403" in wrong_role.stderr
    bad_date = bij1(stack, "upload", "2026-02-30", str(agenda))
    assert bad_date.returncode == 2 and "datum" in bad_date.stderr and "JJJJ-MM-DD" in bad_date.stderr
    not_pdf = tmp_path / "nep.pdf"
    not_pdf.write_bytes(b"<html>geen pdf</html>")
    refused = bij1(stack, "upload", DATUM, str(not_pdf), "--openbaar", "ja")
    assert refused.returncode == 2 and "PDF" in refused.stderr
    missing = bij1(stack, "fetch", "2026-01-01", token=None)
    assert missing.returncode == 2 and "404" in missing.stderr
