"""The log audit (devtools/log_audit.py) finds what was planted and nothing in clean, masked lines."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from devtools import log_audit
from devtools.rasa_server import ROOT
from privacy.logs import redact
from tests.services import SHOP_SERVICE_KEY

SECRET = "test-secret-value-0123456789abcdef"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjp7InJvbGUiOiJhZG1pbiJ9fQ.c2lnbmF0dXJlLXh5eg"

# A planted line → the kind the audit names.
PLANTED = {
    "INFO sending to 13800138000": "phone number",
    "INFO sending to 138 0013 8000": "phone number",
    "INFO sending to +86-138-0013-8000": "phone number",
    "INFO sending to １３８００１３８０００": "phone number",
    "INFO verification code for 138****8000: 482913": "verification code",
    "INFO 验证码 482913": "verification code",
    '{"dev_code": "482913"}': "verification code",
    f"DEBUG token {JWT}": "JWT",
    "DEBUG Authorization: Bearer abcdefgh12345678": "bearer token",
    f"DEBUG wechat secret={SECRET}": "secret",
}

CLEAN = [
    "INFO verification code for 138****8000: ******",
    "INFO order 20261101000001 shipped (SF1234567890123)",
    "INFO 2026-12-02 09:13:47,123 pid 13800 took 1380 ms",
    "INFO Authorization: Bearer [redacted]",
    "INFO status code 200",
    "",
]


@pytest.mark.parametrize("line, kind", PLANTED.items())
def test_a_planted_secret_or_phone_is_found(line, kind):
    assert kind in [k for k, _ in log_audit.audit_line(line, [SECRET])]


@pytest.mark.parametrize("line", CLEAN + [redact(line, [SECRET]) for line in PLANTED])
def test_clean_and_redacted_lines_are_not_findings(line):
    assert list(log_audit.audit_line(line, [SECRET])) == []


def test_the_command_reads_the_log_folder_prints_masked_findings_and_fails(tmp_path):
    logs = tmp_path / "test-logs"
    (logs / "rasa").mkdir(parents=True)
    (logs / "rasa" / "rasa.log").write_text("ok\nsent to 138 0013 8000\n", encoding="utf-8")
    (logs / "backend.log").write_text(f"fine\nfine\nkey {SECRET}\n", encoding="utf-8")
    (logs / "clean.log").write_text("verification code for 138****8000: ******\n", encoding="utf-8")
    env = dict(os.environ, TEST_LOG_DIR=str(logs), WECHAT_SECRET=SECRET)
    since = time.time() - 60
    run = subprocess.run(
        [sys.executable, "-m", "devtools.log_audit", "--since", str(since)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert f"{logs / 'rasa' / 'rasa.log'}:2: phone number: sent to 138****8000" in lines
    assert f"{logs / 'backend.log'}:3: secret: key [redacted]" in lines
    assert len(lines) == 2 and SECRET not in run.stdout and "0013" not in run.stdout


def test_databases_beside_the_logs_are_not_logs(tmp_path):
    (tmp_path / "tracker.db").write_text("13800138000\n", encoding="utf-8")
    (tmp_path / "state").write_bytes(b"SQLite format 3\0 13800138000\n")
    (tmp_path / "rasa.log").write_text("13800138000\n", encoding="utf-8")
    assert log_audit.log_files([tmp_path]) == [tmp_path / "rasa.log"]


def test_clean_logs_pass_and_old_files_are_not_read(tmp_path):
    clean = tmp_path / "clean.log"
    clean.write_text("verification code for 138****8000: ******\n", encoding="utf-8")
    old = tmp_path / "old.log"
    old.write_text("13800138000\n", encoding="utf-8")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    assert log_audit.main([str(tmp_path), "--since", str(time.time() - 60)]) == 0
    assert log_audit.main([str(tmp_path)]) == 1


def test_secrets_come_from_the_environment_a_secrets_file_and_the_test_kit(tmp_path):
    secrets_file = tmp_path / "secrets.env"
    secrets_file.write_text("# generated\nRASA_JWT_SECRET=from-the-file-123456\nexport X='quoted-value-1'\n")
    found = log_audit.run_secrets(secrets_file, environ={"ACTIONS_TOKEN": "from-the-environment", "SHORT": "abc"})
    assert {"from-the-file-123456", "quoted-value-1", "from-the-environment", SHOP_SERVICE_KEY} <= set(found)
    assert "abc" not in found
