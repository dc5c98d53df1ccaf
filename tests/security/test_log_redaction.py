"""Attack (finding 6): secrets, tokens, codes and phone numbers in the Rasa server's log.

A Rasa server started the way `scripts/start` starts it, but logging at DEBUG (every
message, parse result and tracker event goes to its log), with the project's secrets
in its environment. A customer types a phone number in several forms, a code, an
identity token, a bearer token and the value of a secret; a caller puts a token into
a URL. The log is then read by the log audit of the test run (devtools/log_audit.py):
no finding. That the log did record the conversation shows in its masked form.
"""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
import requests

from devtools import log_audit
from devtools.rasa_server import ROOT, running_rasa
from privacy.logs import SECRET_VARIABLES
from tests.services import endpoints_file, rest_headers, stack_secrets

TIMEOUT = 120
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJjaGFubmVsIjoid2ViIiwiZXh0ZXJuYWxfaWQiOiJ4In0.c2lnbmF0dXJlLWZvcmdlZA"


@pytest.fixture(scope="module")
def run_secrets_env() -> Dict[str, str]:
    # letters and digits only, the EncodingAESKey 43 of them: what the WeChat settings accept
    # the stack's own where it has them (the action server and the REST channel check them)
    values = {name: stack_secrets().get(name) or secrets.token_hex(16) for name in SECRET_VARIABLES}
    return {**values, "WECHAT_ENCODING_AES_KEY": secrets.token_hex(22)[:43]}


@pytest.fixture(scope="module")
def debug_rasa(
    model: Path, action_url: str, handoff_url: str, run_secrets_env, tmp_path_factory
) -> Iterator[Tuple[str, Path]]:
    """A Rasa server at DEBUG whose log lies under TEST_LOG_DIR; yields its URL and its log.
    (Its tracker store, which keeps what the customer typed, lies elsewhere.)"""
    root = Path(os.environ.get("TEST_LOG_DIR") or ROOT / "var" / "test-logs")
    logs = root / f"log-redaction-{uuid.uuid4().hex[:8]}"
    logs.mkdir(parents=True)
    log = logs / "rasa.log"
    endpoints = endpoints_file(tmp_path_factory.mktemp("log-redaction"), action_url, handoff_url=handoff_url)
    env = {"LOG_LEVEL": "DEBUG", **run_secrets_env}
    with running_rasa(model, endpoints=endpoints, log_path=log, env=env) as url:
        yield url, log


CUSTOMER_MESSAGES = [
    "我的手机号是 138 0013 8000",
    "+86-139-1234-5678 也是我的",
    "１３７００００１１１１",
    "验证码 482913",
    "482913",
    f"token {JWT}",
    "Authorization: Bearer abcdefghijklmnop123456",
    "寄到北京市朝阳区建国路88号SOHO现代城A座1201",
]


def test_nothing_secret_or_personal_reaches_the_log(debug_rasa, run_secrets_env):
    url, log = debug_rasa
    sender = f"log-{uuid.uuid4().hex[:8]}"
    messages = CUSTOMER_MESSAGES + [f"我的密钥 {run_secrets_env['WECHAT_SECRET']}"]
    for text in messages:
        response = requests.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text, "metadata": {"identity_token": JWT}},
            headers=rest_headers(),
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
    requests.get(f"{url}/status?token={run_secrets_env['RASA_TOKEN']}", timeout=TIMEOUT)

    written = log.read_text(encoding="utf-8", errors="replace")
    assert "138****8000" in written and "139****5678" in written, "the log recorded the conversation, masked"
    findings = log_audit.audit([log], list(run_secrets_env.values()) + log_audit.run_secrets())
    assert findings == [], "\n".join(str(f) for f in findings[:20])
    for value in run_secrets_env.values():
        assert value not in written
