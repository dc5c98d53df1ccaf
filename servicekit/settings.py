"""The settings every service has; each service adds its own and its variable prefix.

class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_", extra="ignore")
    database_file: ClassVar[str] = "shop.db"
"""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo
from functools import cached_property
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from contract.http import SERVICE_KEY_HEADER

ROOT = Path(__file__).resolve().parent.parent


def default_database_url(file_name: str) -> str:
    """SQLite in the project's var/ folder."""
    return f"sqlite:///{ROOT / 'var' / file_name}"


class ServiceSettings(BaseSettings):
    """Read from ``<PREFIX>_<NAME>`` environment variables (for example ``SHOP_DATABASE_URL``)."""

    model_config = SettingsConfigDict(extra="ignore")
    # The SQLite file in var/ when no database URL is set.
    database_file: ClassVar[str] = "service.db"

    database_url: str = Field(
        "",
        validate_default=True,
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db (default var/<service>.db)",
    )
    service_key: str = Field("dev-service-key", description=f"Value expected in {SERVICE_KEY_HEADER}")
    timezone: str = Field("Asia/Shanghai", description="Time zone of every time in responses")
    log_level: str = Field("INFO", description="Log level of the service")

    @field_validator("database_url")
    @classmethod
    def _default_database(cls, value: str, _info: ValidationInfo) -> str:
        return value or default_database_url(cls.database_file)

    @cached_property
    def tz(self) -> tzinfo:
        try:
            return ZoneInfo(self.timezone)
        except Exception:  # no tz database at all: Shanghai has no DST
            return timezone(timedelta(hours=8), "Asia/Shanghai")
