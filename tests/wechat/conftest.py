"""Fixtures of the WeChat connector tests: the fake WeChat and connector settings."""

from __future__ import annotations

import secrets
import string
import tempfile
from pathlib import Path

import pytest

from bot.channels.wechat.config import WeChatConfig
from tests.wechat.fake_wechat import FakeWeChat

# WeChat's timeout, shortened so that retries happen within a test (5 s in production).
FAKE_TIMEOUT_S = 2.0


def random_aes_key() -> str:
    # 43 base64 characters; the last one carries 2 unused bits, kept at zero.
    alphabet = string.ascii_letters + string.digits + "+/"
    return "".join(secrets.choice(alphabet) for _ in range(42)) + "A"


def credentials_for(fake: FakeWeChat, **overrides) -> dict:
    """The connector's settings for `fake`; the inbox in a fresh temporary directory unless given."""
    values = dict(
        inbox_path=str(Path(tempfile.mkdtemp(prefix="wechat-inbox-")) / "inbox.db"),
        token=fake.token,
        appid=fake.appid,
        secret=fake.secret,
        encoding_aes_key=fake.encoding_aes_key,
        mode="customer_service",
        api_base_url=fake.api_base_url,
        reply_timeout_s=FAKE_TIMEOUT_S,
        passive_budget_s=FAKE_TIMEOUT_S - 0.6,
    )
    values.update(overrides)
    return values


def mode_settings(safe: bool) -> dict:
    """Safe mode (the fake's EncodingAESKey configured) or plaintext mode (none)."""
    return {} if safe else {"encoding_aes_key": ""}


def config_for(fake: FakeWeChat, **overrides) -> WeChatConfig:
    return WeChatConfig.from_credentials(credentials_for(fake, **overrides), environ={})


def new_fake(timeout_s: float = FAKE_TIMEOUT_S) -> FakeWeChat:
    return FakeWeChat(
        token="tok" + secrets.token_hex(8),
        appid="wx" + secrets.token_hex(8),
        secret=secrets.token_hex(16),
        encoding_aes_key=random_aes_key(),
        timeout_s=timeout_s,
    )


@pytest.fixture(autouse=True)
def fresh_message_rate_limit(monkeypatch):
    """Each test starts with an empty per-conversation rate limit (the test OpenIDs repeat)."""
    from bot import rate_limit

    monkeypatch.setattr(rate_limit, "MESSAGE_RATE_LIMITER", rate_limit.MessageRateLimiter())


@pytest.fixture
def fake():
    with new_fake() as server:
        yield server


# ---------------------------------------------------------------- end to end
WECHAT_ENV_BLANK = {
    f"WECHAT_{name}": ""
    for name in ("TOKEN", "APPID", "SECRET", "ENCODING_AES_KEY", "MODE", "API_BASE_URL", "REDIS_URL")
}


def user_events(url: str, sender: str) -> list:
    """The customer's messages as the Rasa server at `url` recorded them."""
    import requests

    from tests.services import rasa_headers

    tracker = requests.get(f"{url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=30).json()
    return [e for e in tracker["events"] if e["event"] == "user"]


def write_credentials(path, fake: FakeWeChat, **overrides):
    import yaml

    path.write_text(
        yaml.safe_dump({"bot.channels.wechat.WeChatInput": credentials_for(fake, **overrides)}, allow_unicode=True),
        encoding="utf-8",
    )
    return path


def serve_rasa_with_wechat(
    model, action_url, state, fake: FakeWeChat, handoff_url=None, port=None, log_path=None, **overrides
):
    """A real `rasa run` whose only channel is the WeChat connector, pointed at `fake`
    (with `handoff_url`: its customer messages relayed to that handoff service); its
    log goes to `log_path` (default: under $TEST_LOG_DIR)."""
    from devtools.rasa_server import running_rasa
    from tests.services import endpoints_file

    credentials = write_credentials(state / "credentials.yml", fake, **overrides)
    return running_rasa(
        model,
        endpoints=endpoints_file(state, action_url, handoff_url=handoff_url),
        credentials=credentials,
        env=WECHAT_ENV_BLANK,
        log_path=log_path,
        port=port,
    )
