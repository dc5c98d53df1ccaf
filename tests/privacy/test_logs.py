"""privacy.logs: what a log line may show, and the redaction of every record of a process."""

import logging
import subprocess
import sys
import textwrap

import pytest

from devtools.rasa_server import ROOT
from privacy.logs import REDACTED, SECRET_VARIABLES, redact, secret_values

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjp7InVzZXJuYW1lIjoiaGFuZG9mZiJ9fQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"

REDACTED_LINES = {
    # httpx request lines with secrets in the query
    "HTTP Request: GET https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s3cr3t-app"
    ' "HTTP/1.1 200 OK"': "HTTP Request: GET https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential"
    f'&appid=wx1&secret={REDACTED} "HTTP/1.1 200 OK"',
    "POST https://api.weixin.qq.com/cgi-bin/message/custom/send?access_token=ACCESS_TOKEN_123": "POST https://api"
    f".weixin.qq.com/cgi-bin/message/custom/send?access_token={REDACTED}",
    "GET /conversations/x/tracker?token=rasa-token-1": f"GET /conversations/x/tracker?token={REDACTED}",
    "GET /oauth?code=0a1b2c3d4e&state=1": f"GET /oauth?code={REDACTED}&state={REDACTED}",
    "login password=hunter22 ok": f"login password={REDACTED} ok",
    '{"password": "hunter22", "user": "wang"}': f'{{"password": "{REDACTED}", "user": "wang"}}',
    # tokens
    "Authorization: Bearer abcdef123456": f"Authorization: Bearer {REDACTED}",
    f"identity {JWT} accepted": f"identity {REDACTED} accepted",
    "X-Service-Key: dev-service-key-123": f"X-Service-Key: {REDACTED}",
    # personal data, through mask_text
    "verification code for 138 0013 8000: 482913": "verification code for 138****8000: ******",
    '{"phone": "+8613800138000", "dev_code": "482913"}': f'{{"phone": "138****8000", "dev_code": "{REDACTED}"}}',
}


@pytest.mark.parametrize("line, shown", REDACTED_LINES.items())
def test_secrets_tokens_and_personal_data_leave_log_lines(line, shown):
    assert redact(line, secrets=()) == shown


KEPT_LINES = [
    "handoff service refused an event: HTTP 409",
    "error code: rate_limited",
    'POST /webhooks/rest/webhook HTTP/1.1" 200 312',
    "order 20261101000001 cancelled",
]


@pytest.mark.parametrize("line", KEPT_LINES)
def test_ordinary_log_lines_stay(line):
    assert redact(line, secrets=()) == line


def test_the_values_of_the_secret_variables_are_redacted_wherever_they_stand():
    environ = {name: f"value-of-{name.lower()}-0123456789" for name in SECRET_VARIABLES}
    environ["REST_CHANNEL_TOKEN"] = "abc"  # too short to search for
    secrets = secret_values(environ)
    assert "abc" not in secrets and len(secrets) == len(SECRET_VARIABLES) - 1
    line = "wechat: " + " ".join(environ.values())
    assert redact(line, secrets) == "wechat: " + " ".join(v if v == "abc" else REDACTED for v in environ.values())


def test_every_record_of_the_process_is_redacted_message_extra_and_traceback(tmp_path):
    """In a fresh interpreter: install, then log through the usual handlers to a file."""
    log = tmp_path / "process.log"
    script = textwrap.dedent(
        f"""
        import logging, os
        os.environ["WECHAT_SECRET"] = "the-wechat-app-secret-xyz"
        from privacy.logs import install_log_redaction
        logging.basicConfig(filename={str(log)!r}, level=logging.INFO,
                            format="%(levelname)s %(message)s %(request)s")
        install_log_redaction()
        logging.getLogger("sanic.access").info("", extra={{"request": "GET /t?token=tok-123456"}})
        logging.getLogger("x").info("phone %s code %s", "138-0013-8000", "482913", extra={{"request": "-"}})
        try:
            raise ValueError("bad secret the-wechat-app-secret-xyz for 13800138000")
        except ValueError:
            logging.getLogger("x").exception("failed", extra={{"request": "-"}})
        logging.getLogger("x").info("lone \\ud800 surrogate", extra={{"request": "-"}})
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=60)
    text = log.read_text(encoding="utf-8")
    assert f"GET /t?token={REDACTED}" in text
    assert "phone 138****8000 code ******" in text
    assert "ValueError: bad secret [redacted] for 138****8000" in text
    assert "lone \ufffd surrogate" in text
    for leaked in ("tok-123456", "482913", "13800138000", "the-wechat-app-secret-xyz", "0013-8000"):
        assert leaked not in text


def test_the_rasa_process_installs_it_when_it_imports_the_bot_package():
    script = "import logging, bot; print(logging.Logger.makeRecord.__name__)"
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "redacting_make_record"


def test_log_records_in_this_process_are_redacted(caplog):
    import bot  # noqa: F401  (installs it)

    with caplog.at_level(logging.INFO):
        logging.getLogger("bot.test").info("Bearer %s for %s", "abcdefgh123", "13800138000")
    assert caplog.records[-1].getMessage() == f"Bearer {REDACTED} for 138****8000"
