"""Attacks on the WeChat webhook of a real `rasa run` (real action server and shop backend),
pushed by the fake WeChat that speaks WeChat's protocol (tests/wechat/fake_wechat.py).

- downgrade: a plaintext push (no `encrypt_type=aes`) to an account with an
  EncodingAESKey, i.e. a body nobody signed, is refused and reaches nothing;
- replay: a captured genuine push sent again is answered and processed once, also
  when it is replayed to another process sharing the dedupe memory (Redis);
- stale or future timestamps are refused;
- production mode refuses the shipped demo token, AppSecret and AES key, and plaintext mode;
- the AppSecret and the access_token appear in no log file the test produced.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import yaml

from contract import deployment
from devtools.rasa_server import ROOT
from tests.wechat.conftest import WECHAT_ENV_BLANK, config_for, new_fake, serve_rasa_with_wechat, user_events
from tests.wechat.harness import ScriptedBot, ServedChannel

REDIS_URL = "redis://127.0.0.1:6379/0"
LOG_DIR = Path(os.environ.get("TEST_LOG_DIR") or ROOT / "var" / "test-logs")


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


@pytest.fixture(scope="module")
def logs() -> Path:
    folder = LOG_DIR / f"security-wechat-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def wechat(model, action_url, logs, tmp_path_factory):
    """(fake WeChat, Rasa URL): the connector in safe mode, its dedupe memory in Redis."""
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()  # Redis runs here: a failure, not a skip
    with new_fake(timeout_s=5.0) as fake:
        with serve_rasa_with_wechat(
            model,
            action_url,
            tmp_path_factory.mktemp("rasa-wechat-security"),
            fake,
            log_path=logs / "rasa.log",
            redis_url=REDIS_URL,
            reply_timeout_s=5.0,
            passive_budget_s=4.5,
        ) as url:
            yield fake, url


def webhook(url: str) -> str:
    return f"{url}/webhooks/wechat/webhook"


def test_a_downgraded_push_is_refused_and_nothing_is_processed(wechat):
    fake, url = wechat
    victim = "oWECHAT_ZHANGWEI"  # bound to a shop customer: the connector would vouch for this OpenID
    xml = fake.text_xml(victim, "取消订单20261101000002")
    plain = fake.push(webhook(url), xml, safe=False)  # no encrypt_type: the body is signed by nobody
    assert [d.status for d in plain.deliveries] == [403]
    params, body = fake.signed_request(fake.text_xml(victim, "取消订单20261101000002"), safe=True)
    del params["encrypt_type"]  # a genuine encrypted push with its marker stripped
    assert [d.status for d in fake.deliver(webhook(url), params, body).deliveries] == [403]
    time.sleep(2)
    assert user_events(url, victim) == []
    assert fake.sends_to(victim, ok_only=False) == []


def test_a_replayed_push_is_processed_once_even_by_another_process(wechat):
    fake, url = wechat
    customer = openid()
    xml = fake.text_xml(customer, "你好")
    params, body = fake.signed_request(xml, safe=True)
    fake._new_customer_message(xml)
    assert fake.deliver(webhook(url), params, body).deliveries[0].body == "success"
    replies = fake.settle(customer, quiet_s=2)
    assert len(replies) == 1 and "您好" in replies[0]
    # the attacker replays the captured request while its timestamp is still fresh
    fake._new_customer_message(xml)
    for _ in range(3):
        replay = fake.deliver(webhook(url), params, body)
        assert [(d.status, d.body) for d in replay.deliveries] == [(200, "success")]
    # ...and to another instance of the connector that shares the dedupe memory
    other_bot = ScriptedBot()
    with ServedChannel(config_for(fake, redis_url=REDIS_URL), other_bot) as other:
        assert fake.deliver(other.webhook, params, body).deliveries[0].body == "success"
        time.sleep(2)
    assert other_bot.received == []
    assert len(user_events(url, customer)) == 1
    assert len(fake.sends_to(customer, ok_only=False)) == 1


@pytest.mark.parametrize("offset_s", [-301, -3600, 301, 86400])
def test_a_push_outside_the_replay_window_is_refused(wechat, offset_s):
    fake, url = wechat
    customer = openid()
    params, body = fake.signed_request(
        fake.text_xml(customer, "你好"), safe=True, timestamp=int(time.time()) + offset_s
    )
    assert [d.status for d in fake.deliver(webhook(url), params, body).deliveries] == [403]
    time.sleep(1)
    assert user_events(url, customer) == []
    assert fake.sends_to(customer, ok_only=False) == []


def wechat_only_credentials(path: Path, **changes) -> Path:
    shipped = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    section = dict(shipped["bot.channels.wechat.WeChatInput"], **changes)
    path.write_text(yaml.safe_dump({"bot.channels.wechat.WeChatInput": section}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "changes,problems",
    [
        (
            {},
            [
                "WECHAT_TOKEN is a published demo value",
                "WECHAT_SECRET is a published demo value",
                "WECHAT_ENCODING_AES_KEY is a published demo value",
            ],
        ),
        (
            {"token": "t" * 24, "secret": "s" * 32, "encoding_aes_key": ""},
            ["WECHAT_ENCODING_AES_KEY is not set: plaintext pushes"],
        ),
    ],
    ids=["shipped demo values", "plaintext mode"],
)
def test_production_refuses_demo_values_and_plaintext_mode(tmp_path, changes, problems):
    """Rasa's own start-up step that builds the channels of credentials.yml, in production mode."""
    credentials = wechat_only_credentials(tmp_path / "credentials.yml", **changes)
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false", **WECHAT_ENV_BLANK)
    env[deployment.MODE_VARIABLE] = deployment.PRODUCTION
    code = (
        "import sys; from rasa.core.run import create_http_input_channels; "
        "create_http_input_channels(None, sys.argv[1])"
    )
    started = subprocess.run(
        [sys.executable, "-c", code, str(credentials)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert started.returncode != 0
    assert "UnsafeForProduction" in started.stderr and "WeChat channel" in started.stderr
    for problem in problems:
        assert problem in started.stderr
    # the same settings start in development (with a warning naming the problems)
    env[deployment.MODE_VARIABLE] = deployment.DEVELOPMENT
    development = subprocess.run(
        [sys.executable, "-c", code, str(credentials)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert development.returncode == 0, development.stderr


def test_the_appsecret_and_access_token_are_in_no_log_file(wechat, logs):
    fake, url = wechat
    customer = openid()
    fake.push(webhook(url), fake.text_xml(customer, "你好"))
    fake.settle(customer)
    fake.api.send_http_status = 500  # WeChat fails: httpx's error names the URL with the access_token
    try:
        fake.push(webhook(url), fake.text_xml(customer, "在吗"))
        rasa_log = logs / "rasa.log"
        deadline = time.monotonic() + 60
        while "not sent" not in rasa_log.read_text(encoding="utf-8", errors="replace"):
            assert time.monotonic() < deadline, "the failed send was never logged"
            time.sleep(0.3)
    finally:
        fake.api.send_http_status = 200
    assert fake.api.tokens_issued, "the connector fetched an access_token (with the AppSecret in the URL)"
    files = [path for path in logs.rglob("*") if path.is_file()]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in [fake.secret, *fake.api.tokens_issued]:
            assert secret not in text, f"{path.name} holds a secret"
