"""Settings of the WeChat connector: credentials.yml values, overridden by WECHAT_* env vars."""

from __future__ import annotations

import base64
import binascii
import logging
import os
from dataclasses import dataclass, fields
from typing import Any, Dict, Mapping, Optional

logger = logging.getLogger(__name__)

CUSTOMER_SERVICE = "customer_service"
PASSIVE = "passive"
MODES = (CUSTOMER_SERVICE, PASSIVE)

# The embedded demo values of credentials.yml. Requests signed with the public demo
# token prove nothing, so the connector does not vouch for identities with it.
DEMO_TOKEN = "xiaomi-demo-token"

ENV_PREFIX = "WECHAT_"


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
    # Refuse requests whose timestamp is further than this from our clock (0: off).
    max_clock_skew_s: float = 600.0
    # How long a processed MsgId / event is remembered (WeChat retries for ~15 s).
    dedupe_ttl_s: float = 300.0
    # How long numbered choices stay answerable with a digit.
    choices_ttl_s: float = 1800.0
    http_timeout_s: float = 10.0

    @property
    def safe_mode_ready(self) -> bool:
        return bool(self.encoding_aes_key)

    @property
    def vouches_identity(self) -> bool:
        return self.token != DEMO_TOKEN

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
            kwargs[name] = float(value) if field.type == "float" else str(value).strip()
        config = cls(**kwargs)
        config.validate()
        if not config.vouches_identity:
            logger.warning(
                "wechat: the demo token is in use; set WECHAT_TOKEN (and the AppID, "
                "secret, EncodingAESKey) of your Official Account. Requests are not "
                "treated as proof of the customer's identity until then."
            )
        return config

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
        if self.dedupe_ttl_s < 60:
            raise ValueError("wechat: dedupe_ttl_s must be at least 60 s")
