"""The one home of the action server's settings (environment variables, with defaults)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    backend_url: str
    service_key: str
    timeout_s: float
    read_retries: int
    retry_backoff_s: float
    breaker_failures: int
    breaker_cooldown_s: float
    orders_offered: int
    handoff_url: str
    handoff_service_key: str
    handoff_timeout_s: float
    # How long a proven identity counts (actions/identity.py): every errand, and the
    # shorter window of the errands that change or give away something (cancel, address,
    # returns, invoices, the bound phone).
    verification_ttl_s: float
    high_risk_verification_s: float
    # The satisfaction question after a conversation the bot served alone
    # (actions/survey_actions.py): asked after this many seconds of customer silence.
    bot_survey_silence_s: float = 120.0
    # Where the customer is: ticket deadlines and business hours are told in this time zone.
    timezone: str = "Asia/Shanghai"
    # the action server itself (actions/server.py)
    server_host: str = "127.0.0.1"
    server_port: int = 5055
    server_token: str = ""
    server_request_max_size: int = 8 * 1024 * 1024


def load() -> Settings:
    return Settings(
        backend_url=os.environ.get("ACTIONS_BACKEND_URL", "http://127.0.0.1:8100").rstrip("/"),
        service_key=os.environ.get("SHOP_SERVICE_KEY", "dev-service-key"),
        timeout_s=float(os.environ.get("ACTIONS_BACKEND_TIMEOUT_S", "2")),
        read_retries=int(os.environ.get("ACTIONS_BACKEND_READ_RETRIES", "2")),
        retry_backoff_s=float(os.environ.get("ACTIONS_BACKEND_RETRY_BACKOFF_S", "0.1")),
        breaker_failures=int(os.environ.get("ACTIONS_BREAKER_FAILURES", "5")),
        breaker_cooldown_s=float(os.environ.get("ACTIONS_BREAKER_COOLDOWN_S", "15")),
        orders_offered=int(os.environ.get("ACTIONS_ORDERS_OFFERED", "5")),
        # the handoff service (handoff/API.md): queue, tickets, survey answers
        handoff_url=os.environ.get("ACTIONS_HANDOFF_URL", "http://127.0.0.1:8200").rstrip("/"),
        handoff_service_key=os.environ.get("HANDOFF_SERVICE_KEY", "dev-service-key"),
        handoff_timeout_s=float(os.environ.get("ACTIONS_HANDOFF_TIMEOUT_S", "3")),
        verification_ttl_s=_seconds("ACTIONS_VERIFICATION_TTL_S", 1800),
        high_risk_verification_s=_seconds("ACTIONS_HIGH_RISK_VERIFICATION_S", 300),
        bot_survey_silence_s=_seconds("ACTIONS_BOT_SURVEY_SILENCE_S", 120),
        timezone=os.environ.get("ACTIONS_TIMEZONE") or "Asia/Shanghai",
        # where it listens (loopback unless set), the bearer token Rasa must send
        # (endpoints.yml), the largest request body (a long conversation's tracker)
        server_host=os.environ.get("ACTIONS_HOST") or "127.0.0.1",
        server_port=int(os.environ.get("ACTIONS_PORT") or "5055"),
        server_token=os.environ.get("ACTIONS_TOKEN", ""),
        server_request_max_size=int(os.environ.get("ACTIONS_REQUEST_MAX_SIZE") or 8 * 1024 * 1024),
    )


def _seconds(name: str, default: float) -> float:
    """A positive number of seconds; an unreadable or non-positive value is refused at start."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be more than 0 seconds")
    return value


settings = load()
