"""Ticket deadlines of an SLA class (settings.sla_classes)."""
from __future__ import annotations

from datetime import datetime, timedelta

from .clock import local_time, to_utc
from .settings import Settings


def add_working_days(start: datetime, days: int, settings: Settings) -> datetime:
    """``start`` (naive UTC) plus ``days`` local working days (Monday–Friday), same clock time."""
    local = local_time(start, settings.tz)
    while days > 0:
        local += timedelta(days=1)
        if local.isoweekday() <= 5:
            days -= 1
    return to_utc(local)


def deadlines(sla_class: str, start: datetime, settings: Settings) -> tuple[datetime, datetime]:
    """(respond_by, resolve_by) of a ticket of ``sla_class`` opened at ``start``."""
    sla = settings.sla_classes[sla_class]
    respond_by = start + timedelta(minutes=sla.respond_minutes)
    if sla.resolve_working_days:
        resolve_by = add_working_days(start, sla.resolve_working_days, settings)
    else:
        resolve_by = start + timedelta(minutes=sla.resolve_minutes or sla.respond_minutes)
    return respond_by, resolve_by
