"""The waiting queue: order, positions, ETA, business hours, who is online.

Order: priority descending, then the oldest first. Position 1 is served next.
ETA = position × avg_handle_minutes / max(1, agents online), rounded up.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from contract.handoff import QUEUED
from servicekit.clock import local_time

from .models import Handoff, Session
from .settings import Settings


def queued(db: DbSession) -> list[Handoff]:
    """QUEUED handoffs in serving order."""
    return list(
        db.scalars(
            select(Handoff)
            .where(Handoff.state == QUEUED)
            .order_by(Handoff.priority.desc(), Handoff.queued_at, Handoff.id)
        )
    )


def positions(db: DbSession) -> dict[int, int]:
    """Handoff id → 1-based position in the queue."""
    return {handoff.id: index for index, handoff in enumerate(queued(db), start=1)}


def online_agent_ids(db: DbSession, settings: Settings, now: datetime) -> set[int]:
    """Agents with a live session used within ``online_minutes``."""
    since = now - timedelta(minutes=settings.online_minutes)
    return set(db.scalars(select(Session.agent_id).where(Session.expires_at > now, Session.last_seen_at >= since)))


def eta_minutes(position: int, agents_online: int, settings: Settings) -> int:
    return math.ceil(position * settings.avg_handle_minutes / max(1, agents_online))


def in_business_hours(settings: Settings, now: datetime) -> bool:
    """Whether ``now`` (naive UTC) falls in the opening hours of an opening day (a business
    weekday that is no public holiday, or a make-up working day: settings.business_calendar)."""
    local = local_time(now, settings.tz)
    if not settings.calendar.is_business_day(local.date(), settings.business_days):
        return False
    opening, closing = settings.opening
    clock_time = local.time().replace(tzinfo=None)
    return opening <= clock_time and (closing is None or clock_time < closing)
