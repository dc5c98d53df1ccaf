"""Settings of the WeChat connector: credentials.yml values, overridden by WECHAT_* env vars."""

from __future__ import annotations

import base64
import binascii
import logging
import os
from dataclasses import dataclass, fields
from typing import Any, Dict, List, Mapping, Optional

from contract import deployment

logger = logging.getLogger(__name__)

CUSTOMER_SERVICE = "customer_service"
PASSIVE = "passive"
MODES = (CUSTOMER_SERVICE, PASSIVE)

# The embedded demo values of credentials.yml (contract.deployment is their one home).
# Requests signed with the public demo token prove nothing, so the connector does
# not vouch for identities with it; production mode refuses all three.
DEMO_TOKEN = deployment.DEMO_VALUES["WECHAT_TOKEN"]
DEMO_SECRET = deployment.DEMO_VALUES["WECHAT_SECRET"]
DEMO_ENCODING_AES_KEY = deployment.DEMO_VALUES["WECHAT_ENCODING_AES_KEY"]

ENV_PREFIX = "WECHAT_"
# How production mode names what refuses to start (remove the channel from credentials.yml if unused).
PROCESS = "rasa: the WeChat channel (bot.channels.wechat.WeChatInput in credentials.yml)"


@dataclass(frozen=True)
class WeChatConfig:
    token: str
    appid: str
    secret: str = ""
    encoding_aes_key: str = ""
    mode: str = CUSTOMER_SERVICE
    api_base_url: str = "https://api.weixin.qq.com"
    redis_url: str = ""
    # How long WeChat waits for an answer before it resends (5 s in production).
    reply_timeout_s: float = 5.0
    # Passive mode: how long a delivery waits for the bot before giving up on it.
    passive_budget_s: float = 4.5
    # Refuse pushes whose timestamp (and CreateTime) is further than this from our clock.
    max_clock_skew_s: float = 300.0
    # How long a processed MsgId / event is remembered: at least the replay window
    # (2 x max_clock_skew_s), so that a captured push is refused as long as its
    # timestamp passes. Shared by every instance when redis_url is set.
    dedupe_ttl_s: float = 600.0
    # How long numbered choices stay answerable with a digit.
    choices_ttl_s: float = 1800.0
    http_timeout_s: float = 10.0
    # customer_service mode: the durable inbox (SQLite) a push is stored in before WeChat
    # gets `success`; relative paths are from Rasa's working directory. One file per
    # Rasa instance, on storage that outlives the process (a volume in containers).
    inbox_path: str = "var/wechat-inbox.db"
    # Graceful stop: how long running turns may take to finish (unstarted ones stay
    # in the inbox for the next start).
    drain_timeout_s: float = 20.0
    # A queue-position update goes out only while more than this many of WeChat's
    # 5 messages per customer message remain (kept for an agent's reply).
    queue_update_reserve: int = 3
    # The template message (模板消息) that tells a customer past WeChat's 48-hour window
    # (or 5-message count) that their ticket has an answer: the id of a template added
    # to the Official Account (its fields: first, keyword1 ticket number, keyword2
    # excerpt, remark). Empty: no template; such answers wait for the customer's next message.
    ticket_template_id: str = ""

    @property
    def safe_mode_ready(self) -> bool:
        """With an EncodingAESKey only encrypted pushes (safe or compatible mode) are taken."""
        return bool(self.encoding_aes_key)

    @property
    def vouches_identity(self) -> bool:
        return self.token not in deployment.DEMO_VALUES.values()

    @property
    def replay_window_s(self) -> float:
        """How long one signed push can pass the clock check: its timestamp may be up to
        max_clock_skew_s ahead of our clock when we first see it, and stays acceptable
        until it is max_clock_skew_s behind."""
        return 2 * self.max_clock_skew_s

    @classmethod
    def from_credentials(
        cls, credentials: Optional[Dict[str, Any]], environ: Optional[Mapping[str, str]] = None
    ) -> WeChatConfig:
        values: Dict[str, Any] = dict(credentials or {})
        env: Mapping[str, str] = os.environ if environ is None else environ
        for field in fields(cls):
            override = env.get(ENV_PREFIX + field.name.upper())
            if override:  # empty variables do not override
                values[field.name] = override
        known = {field.name: field for field in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            logger.warning("wechat: ignoring unknown settings %s", unknown)
        kwargs: Dict[str, Any] = {}
        for name, field in known.items():
            if name not in values or values[name] is None:
                continue
            value = values[name]
            if field.type == "float":
                kwargs[name] = float(value)
            elif field.type == "int":
                kwargs[name] = int(value)
            else:
                kwargs[name] = str(value).strip()
        config = cls(**kwargs)
        config.validate()
        problems = config.production_problems()
        deployment.refuse_unsafe(PROCESS, problems, env)
        if problems:
            logger.warning("wechat: not fit for production: %s", "; ".join(problems))
        if not config.vouches_identity:
            logger.warning(
                "wechat: the demo token is in use; set WECHAT_TOKEN (and the AppID, "
                "secret, EncodingAESKey) of your Official Account. Requests are not "
                "treated as proof of the customer's identity until then."
            )
        return config

    def production_problems(self) -> List[str]:
        """What production mode refuses in this configuration, each problem named."""
        problems = []
        if not self.encoding_aes_key:
            problems.append(
                "WECHAT_ENCODING_AES_KEY is not set: plaintext pushes are not signed over their body "
                "(configure 安全模式 and its EncodingAESKey)"
            )
        secrets = {"WECHAT_TOKEN": self.token}
        if self.encoding_aes_key:
            secrets["WECHAT_ENCODING_AES_KEY"] = self.encoding_aes_key
        if self.mode == CUSTOMER_SERVICE or self.secret:
            secrets["WECHAT_SECRET"] = self.secret
        problems += deployment.secret_problems(secrets)
        if not self.api_base_url.lower().startswith("https://"):
            problems.append("WECHAT_API_BASE_URL is not https: the AppSecret and access_token would travel in clear")
        return problems

    def validate(self) -> None:
        if not self.token or not self.appid:
            raise ValueError("wechat: token and appid are required")
        if self.mode not in MODES:
            raise ValueError(f"wechat: mode must be one of {MODES}, not {self.mode!r}")
        if self.encoding_aes_key:
            try:
                key = base64.b64decode(self.encoding_aes_key + "=", validate=True)
            except (binascii.Error, ValueError):
                key = b""
            if len(self.encoding_aes_key) != 43 or len(key) != 32:
                raise ValueError("wechat: encoding_aes_key must be the 43-character EncodingAESKey")
        if self.mode == CUSTOMER_SERVICE and not self.secret:
            raise ValueError("wechat: customer_service mode needs the AppSecret (secret)")
        if not 0 < self.passive_budget_s < self.reply_timeout_s:
            raise ValueError("wechat: passive_budget_s must be below reply_timeout_s")
        if not 0 < self.max_clock_skew_s <= 3600:
            raise ValueError("wechat: max_clock_skew_s must be above 0 and at most 3600 s")
        if not 0 <= self.queue_update_reserve < 5:
            raise ValueError("wechat: queue_update_reserve must be from 0 to 4 (WeChat allows 5 messages)")
        if self.drain_timeout_s < 0:
            raise ValueError("wechat: drain_timeout_s must not be negative")
        if self.mode == CUSTOMER_SERVICE and not self.inbox_path:
            raise ValueError("wechat: customer_service mode needs inbox_path (the durable inbox)")
        if self.dedupe_ttl_s < self.replay_window_s:
            raise ValueError(
                f"wechat: dedupe_ttl_s ({self.dedupe_ttl_s:g} s) must be at least the replay window, "
                f"2 x max_clock_skew_s ({self.replay_window_s:g} s): a push replayed later would be taken again"
            )
