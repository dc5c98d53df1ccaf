"""Every setting of the handoff service, in one place (environment variables ``HANDOFF_*``).

Dict and list settings are read as JSON, e.g.
``HANDOFF_BUSINESS_DAYS='[1,2,3,4,5]'`` (ISO weekdays, Monday = 1).
"""

from __future__ import annotations

from datetime import time
from functools import cached_property
from pathlib import Path
from typing import ClassVar, Optional

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import SettingsConfigDict

from contract import handoff as reasons
from servicekit.settings import ServiceSettings

from . import business_calendar as calendars


class SlaClass(BaseModel):
    """How fast a ticket of this class must be answered and resolved."""

    respond_minutes: int = Field(gt=0)
    resolve_minutes: Optional[int] = Field(None, gt=0, description="Wall-clock time to resolve")
    resolve_working_days: Optional[int] = Field(
        None,
        gt=0,
        description="Instead of resolve_minutes: working days to resolve (Mon–Fri without public holidays, "
        "with make-up working days: business_calendar)",
    )


DEFAULT_SLA_CLASSES = {
    "urgent": SlaClass(respond_minutes=5, resolve_minutes=4 * 60),
    "important": SlaClass(respond_minutes=30, resolve_minutes=8 * 60),
    "general": SlaClass(respond_minutes=2 * 60, resolve_minutes=24 * 60),
    "suggestion": SlaClass(respond_minutes=24 * 60, resolve_working_days=5),
}

# Rasa's embedded tracker store (endpoints.yml: var/rasa_tracker.db of the project).
DEFAULT_TRACKER_STORE_URL = "sqlite:///" + str(Path(__file__).resolve().parents[1] / "var" / "rasa_tracker.db")

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
    rasa_jwt_secret: Optional[str] = Field(
        None, description="Rasa's RASA_JWT_SECRET: calls carry a JWT (role admin) signed with it"
    )
    rasa_timeout_seconds: float = Field(5.0, description="Timeout of one call to Rasa")
    reconcile_seconds: float = Field(
        10, gt=0, description="Reconciler: seconds between rounds that repair Rasa's pause from the handoff's state"
    )
    reconcile_grace_seconds: float = Field(
        30,
        ge=0,
        description="Reconciler: a handoff opened or ended this recently is left alone (the action server's "
        "pause or the end's own resume is still under way)",
    )
    reconcile_recheck_minutes: float = Field(
        5, ge=0, description="Reconciler: an open handoff's pause is checked again after this long (0: checked once)"
    )
    reconcile_batch: int = Field(100, gt=0, description="Reconciler: handoffs repaired at most per round")
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
    business_calendar: str = Field(
        str(calendars.DEFAULT_FILE),
        description="TOML file of public holidays (closed) and make-up working days (open, count as working "
        "days), handoff/business_calendar.toml by default; empty: no holidays",
    )
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
    ticket_reopen_hours: float = Field(
        72,
        gt=0,
        description="A customer who writes within this many hours of a ticket's answer or resolution reopens "
        "it; a resolved ticket closes itself after it",
    )
    ticket_watch_seconds: float = Field(
        30, gt=0, description="Ticket watcher: seconds between rounds (deadline alerts, resolved tickets closed)"
    )
    ticket_at_risk_share: float = Field(
        0.2,
        gt=0,
        lt=1,
        description="A deadline is at risk when less than this share of its time (from the clock's start) is left",
    )
    seed_demo_agents: bool = Field(
        True, description="serve: create the demo agents and canned replies (refused in production)"
    )
    demo_password: Optional[str] = Field(
        None,
        description="Password of the demo agents, generated by scripts/secrets; unset or the published "
        "demo value: no demo agents are seeded",
    )
    session_ttl_hours: int = Field(12, gt=0, description="Lifetime of an agent's login session")
    cookie_secure: bool = Field(
        False, description="Mark the session cookie Secure (behind HTTPS); production requires true"
    )

    # ----- abuse limits and retention -----
    login_max_failures: int = Field(5, gt=0, description="Failed logins of one username within the window → locked")
    login_max_failures_per_address: int = Field(
        20, gt=0, description="Failed logins from one client address within the window → locked"
    )
    login_failure_window_minutes: int = Field(15, gt=0, description="Window in which failed logins are counted")
    login_lockout_minutes: int = Field(15, gt=0, description="How long a username or address stays locked")
    login_hash_workers: int = Field(
        2, gt=0, description="Threads that check passwords (scrypt), apart from the API's own threads"
    )
    login_max_pending: int = Field(
        16, gt=0, description="Logins waiting for a password check at most; more answer 429 at once"
    )
    sender_max_handoffs: int = Field(
        5, gt=0, description="Handoffs (queue entries or tickets) one sender may open within the window"
    )
    sender_handoff_window_minutes: int = Field(60, gt=0, description="Window of sender_max_handoffs")
    tracker_store_url: Optional[str] = Field(
        DEFAULT_TRACKER_STORE_URL,
        description="Rasa's SQL tracker store (SQLAlchemy URL), read only for the supervisors' KPIs "
        "(GET /api/kpis); empty: those figures are null",
    )
    retention_days: int = Field(
        30, gt=0, description="purge: ended handoffs and tickets older than this are anonymised"
    )

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

    @field_validator("business_calendar")
    @classmethod
    def _valid_calendar(cls, value: str) -> str:
        calendars.load(value)  # a malformed file stops the service at start
        return value

    @cached_property
    def calendar(self) -> calendars.BusinessCalendar:
        return calendars.load(self.business_calendar)

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
