"""Every setting of the handoff service, in one place (environment variables ``HANDOFF_*``).

Dict and list settings are read as JSON, e.g.
``HANDOFF_BUSINESS_DAYS='[1,2,3,4,5]'`` (ISO weekdays, Monday = 1).
"""

from __future__ import annotations

from datetime import time
from functools import cached_property
from typing import ClassVar, Optional

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import SettingsConfigDict

from contract import handoff as reasons
from servicekit.settings import ServiceSettings


class SlaClass(BaseModel):
    """How fast a ticket of this class must be answered and resolved."""

    respond_minutes: int = Field(gt=0)
    resolve_minutes: Optional[int] = Field(None, gt=0, description="Wall-clock time to resolve")
    resolve_working_days: Optional[int] = Field(
        None, gt=0, description="Instead of resolve_minutes: working days (Mon–Fri) to resolve"
    )


DEFAULT_SLA_CLASSES = {
    "urgent": SlaClass(respond_minutes=5, resolve_minutes=4 * 60),
    "important": SlaClass(respond_minutes=30, resolve_minutes=8 * 60),
    "general": SlaClass(respond_minutes=2 * 60, resolve_minutes=24 * 60),
    "suggestion": SlaClass(respond_minutes=24 * 60, resolve_working_days=5),
}

DEFAULT_REASON_SLA = {
    reasons.COMPLAIN: "urgent",
    reasons.UPSET: "urgent",
    reasons.BACKEND_DOWN: "important",
    reasons.ERRAND_FAILED: "important",
    reasons.REQUEST_HUMAN: "general",
    reasons.LOW_CONFIDENCE: "general",
}


class Settings(ServiceSettings):
    """Read from ``HANDOFF_<NAME>`` environment variables (for example ``HANDOFF_DATABASE_URL``);
    ``database_url``, ``service_key``, ``timezone`` (also of business hours) and ``log_level``
    are every service's (servicekit.settings)."""

    model_config = SettingsConfigDict(env_prefix="HANDOFF_", extra="ignore")
    database_file: ClassVar[str] = "handoff.db"

    rasa_url: str = Field("http://localhost:5005", description="Rasa server's HTTP API")
    rasa_token: Optional[str] = Field(None, description="Rasa's --auth-token, sent as ?token=")
    rasa_timeout_seconds: float = Field(5.0, description="Timeout of one call to Rasa")
    redis_url: Optional[str] = Field(None, description="redis://host:port/db: console events shared between instances")
    redis_channel: str = Field("handoff:events", description="Redis pub/sub channel of console events")
    host: str = Field("127.0.0.1", description="serve: bind address")
    port: int = Field(8200, description="serve: port")
    business_hours: str = Field(
        "09:00-22:00",
        description="Local opening hours HH:MM-HH:MM; 00:00-24:00 means always (the FAQ answer "
        "utter_faq_business_hours in domain.yml tells customers the same hours)",
    )
    business_days: list[int] = Field([1, 2, 3, 4, 5, 6, 7], description="ISO weekdays with business hours (Monday = 1)")
    require_agent_online: bool = Field(
        False, description="Also open a ticket, not a queue entry, when no agent is online"
    )
    online_minutes: int = Field(10, description="An agent whose session was used within this many minutes is online")
    avg_handle_minutes: float = Field(6, gt=0, description="Average handling time, for the ETA")
    sla_classes: dict[str, SlaClass] = Field(default_factory=lambda: dict(DEFAULT_SLA_CLASSES))
    reason_sla: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_REASON_SLA), description="Handoff reason → SLA class of its ticket"
    )
    default_sla_class: str = Field("general", description="SLA class of a reason not in reason_sla")
    seed_demo_agents: bool = Field(True, description="serve: create the demo agents and canned replies")
    demo_password: str = Field("handoff-demo", description="Password of the demo agents")
    session_ttl_hours: int = Field(12, gt=0, description="Lifetime of an agent's login session")
    cookie_secure: bool = Field(False, description="Mark the session cookie Secure (behind HTTPS)")

    @field_validator("business_hours")
    @classmethod
    def _valid_hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @field_validator("business_days")
    @classmethod
    def _valid_days(cls, value: list[int]) -> list[int]:
        if not all(1 <= d <= 7 for d in value):
            raise ValueError("business_days are ISO weekdays 1..7")
        return value

    @cached_property
    def opening(self) -> tuple[time, Optional[time]]:
        """(open, close); close None means until midnight ("24:00")."""
        return parse_hours(self.business_hours)

    def sla_class_for(self, reason: str) -> str:
        return self.reason_sla.get(reason, self.default_sla_class)


def parse_hours(value: str) -> tuple[time, Optional[time]]:
    try:
        start, end = (part.strip() for part in value.split("-"))
        opening = time.fromisoformat(start)
        closing = None if end == "24:00" else time.fromisoformat(end)
    except ValueError as exc:
        raise ValueError(f"business_hours must look like 09:00-21:00, not {value!r}") from exc
    if closing is not None and closing <= opening:
        raise ValueError("business_hours: closing must be after opening")
    return opening, closing
