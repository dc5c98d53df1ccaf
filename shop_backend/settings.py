"""Every setting of the backend, in one place (environment variables ``SHOP_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from contract.deployment import secret_problems
from servicekit.settings import ROOT, ServiceSettings

# SHOP_SMS_GATEWAY value that writes codes to the SMS outbox file instead of sending them.
OUTBOX_GATEWAY = "outbox"


class Settings(ServiceSettings):
    """Read from ``SHOP_<NAME>`` environment variables (for example ``SHOP_DATABASE_URL``);
    ``database_url``, ``service_key``, ``timezone`` and ``log_level`` are every service's
    (servicekit.settings)."""

    model_config = SettingsConfigDict(env_prefix="SHOP_", extra="ignore")
    database_file: ClassVar[str] = "shop.db"

    expose_codes: bool = Field(
        False, description="Return verification codes as dev_code (tests only; refused in production)"
    )
    sms_gateway: str = Field(
        OUTBOX_GATEWAY,
        description="Where codes go: 'outbox' (the SMS outbox file, development only) or 'module:function', "
        "a real gateway called as function(phone, code, purpose)",
    )
    sms_outbox: Path = Field(
        ROOT / "var" / "sms-outbox.jsonl",
        description="The SMS outbox file (development only): one JSON object per code sent",
    )
    sms_phone_interval_seconds: int = Field(
        60, ge=0, description="Minimum time between two codes to one phone (0: none)"
    )
    sms_phone_per_hour: int = Field(5, ge=1, description="Codes one phone receives in any hour")
    sms_phone_per_day: int = Field(10, ge=1, description="Codes one phone receives in any 24 hours")
    sms_requester_per_hour: int = Field(10, ge=1, description="Codes one requester (X-Requester) asks for in any hour")
    sms_requester_per_day: int = Field(30, ge=1, description="Codes one requester asks for in any 24 hours")
    code_ttl_seconds: int = Field(300, description="Lifetime of a verification code")
    code_max_attempts: int = Field(5, description="Wrong tries that lock a phone")
    code_lock_seconds: int = Field(900, description="How long a locked phone stays locked")
    return_window_days: int = Field(7, description="Days after delivery a return/exchange is accepted")
    ship_within_hours: int = Field(48, description="Promised shipping time after payment")
    refund_days: int = Field(5, description="Days a refund takes to reach the customer")
    points_expiring_days: int = Field(90, description="Lots expiring within this many days are listed")
    idempotency_ttl_hours: int = Field(24, description="How long an Idempotency-Key is remembered")
    seed_on_start: bool = Field(True, description="serve: seed the contract records on start")
    test_delay_seconds: float = Field(
        0,
        ge=0,
        le=60,
        description="Answer every /v1 request this many seconds late (fault-injection tests only; "
        "0: off; refused in production)",
    )


def production_problems(settings: Settings) -> list[str]:
    """What production mode (contract.deployment) refuses in these settings, each named."""
    problems = secret_problems({"SHOP_SERVICE_KEY": settings.service_key})
    if settings.expose_codes:
        problems.append("SHOP_EXPOSE_CODES=true returns verification codes in API answers (tests only)")
    if settings.test_delay_seconds:
        problems.append("SHOP_TEST_DELAY_SECONDS delays every answer (fault-injection tests only)")
    if settings.sms_gateway.strip() == OUTBOX_GATEWAY:
        problems.append(
            "SHOP_SMS_GATEWAY=outbox writes verification codes to the SMS outbox file (development only): "
            "configure a real SMS gateway (module:function)"
        )
    return problems
