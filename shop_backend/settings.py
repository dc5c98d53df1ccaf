"""Every setting of the backend, in one place (environment variables ``SHOP_*``)."""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'shop.db'}"


class Settings(BaseSettings):
    """Read from ``SHOP_<NAME>`` environment variables (for example ``SHOP_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="SHOP_", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    service_key: str = Field("dev-service-key", description="Value expected in X-Service-Key")
    expose_codes: bool = Field(False, description="Return verification codes as dev_code (development and tests only)")
    code_ttl_seconds: int = Field(300, description="Lifetime of a verification code")
    code_max_attempts: int = Field(5, description="Wrong tries that lock a phone")
    code_lock_seconds: int = Field(900, description="How long a locked phone stays locked")
    timezone: str = Field("Asia/Shanghai", description="Time zone of every time in responses")
    return_window_days: int = Field(7, description="Days after delivery a return/exchange is accepted")
    ship_within_hours: int = Field(48, description="Promised shipping time after payment")
    refund_days: int = Field(5, description="Days a refund takes to reach the customer")
    points_expiring_days: int = Field(90, description="Lots expiring within this many days are listed")
    idempotency_ttl_hours: int = Field(24, description="How long an Idempotency-Key is remembered")
    seed_on_start: bool = Field(True, description="serve: seed the contract records on start")
    log_level: str = Field("INFO", description="Log level of the service")

    @cached_property
    def tz(self) -> tzinfo:
        try:
            return ZoneInfo(self.timezone)
        except Exception:  # no tz database at all: Shanghai has no DST
            return timezone(timedelta(hours=8), "Asia/Shanghai")
