"""Ticket deadlines of an SLA class (settings.sla_classes)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from servicekit.clock import local_time, to_utc

from .queue import in_business_hours
from .settings import Settings

# How far ahead the next opening is looked for: past the longest holiday (the Spring Festival's nine days).
OPENING_SEARCH_DAYS = 31


def add_working_days(start: datetime, days: int, settings: Settings) -> datetime:
    """``start`` (naive UTC) plus ``days`` local working days, same clock time: Monday–Friday
    without public holidays, with make-up working days (settings.business_calendar)."""
    local = local_time(start, settings.tz)
    while days > 0:
        local += timedelta(days=1)
        if settings.calendar.is_working_day(local.date()):
            days -= 1
    return to_utc(local)


def next_opening(now: datetime, settings: Settings) -> Optional[datetime]:
    """The next moment (naive UTC) business hours begin after ``now``; None with no business
    day in the coming weeks. Holidays are skipped, make-up working days open."""
    local = local_time(now, settings.tz)
    opening, _ = settings.opening
    for days_ahead in range(OPENING_SEARCH_DAYS):
        day = (local + timedelta(days=days_ahead)).date()
        candidate = datetime.combine(day, opening, tzinfo=local.tzinfo)
        if candidate > local and settings.calendar.is_business_day(day, settings.business_days):
            return to_utc(candidate)
    return None


def clock_start(opened_at: datetime, settings: Settings) -> datetime:
    """When a ticket's SLA clock starts: at once in business hours, else when people come in
    (a night-time "urgent" ticket is answered within 5 minutes of opening, not of midnight)."""
    if in_business_hours(settings, opened_at):
        return opened_at
    return next_opening(opened_at, settings) or opened_at


def deadlines(sla_class: str, opened_at: datetime, settings: Settings) -> tuple[datetime, datetime]:
    """(respond_by, resolve_by) of a ticket of ``sla_class`` opened at ``opened_at``."""
    start = clock_start(opened_at, settings)
    sla = settings.sla_classes[sla_class]
    respond_by = start + timedelta(minutes=sla.respond_minutes)
    if sla.resolve_working_days:
        resolve_by = add_working_days(start, sla.resolve_working_days, settings)
    else:
        resolve_by = start + timedelta(minutes=sla.resolve_minutes or sla.respond_minutes)
    return respond_by, resolve_by
