"""Every setting of the backend, in one place (environment variables ``SHOP_*``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Read from ``SHOP_<NAME>`` environment variables (for example ``SHOP_DATABASE_URL``);
    ``database_url``, ``service_key``, ``timezone`` and ``log_level`` are every service's
    (servicekit.settings)."""

    model_config = SettingsConfigDict(env_prefix="SHOP_", extra="ignore")
    database_file: ClassVar[str] = "shop.db"

    expose_codes: bool = Field(False, description="Return verification codes as dev_code (development and tests only)")
    code_ttl_seconds: int = Field(300, description="Lifetime of a verification code")
    code_max_attempts: int = Field(5, description="Wrong tries that lock a phone")
    code_lock_seconds: int = Field(900, description="How long a locked phone stays locked")
    return_window_days: int = Field(7, description="Days after delivery a return/exchange is accepted")
    ship_within_hours: int = Field(48, description="Promised shipping time after payment")
    refund_days: int = Field(5, description="Days a refund takes to reach the customer")
    points_expiring_days: int = Field(90, description="Lots expiring within this many days are listed")
    idempotency_ttl_hours: int = Field(24, description="How long an Idempotency-Key is remembered")
    seed_on_start: bool = Field(True, description="serve: seed the contract records on start")
