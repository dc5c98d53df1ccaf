"""Opening hours as the customer is told them (GET /api/service/business-hours, the bot's FAQ)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from servicekit.clock import local_time, to_local

from .queue import in_business_hours
from .settings import Settings
from .sla import next_opening

UPCOMING_DAYS = 30


def _day(day: date, settings: Settings) -> dict[str, Any]:
    found = settings.calendar.day(day)
    item: dict[str, Any] = {
        "date": day.isoformat(),
        "working": settings.calendar.is_business_day(day, settings.business_days),
    }
    if found.name:
        item["name"] = found.name
    return item


def business_hours(settings: Settings, now: datetime) -> dict[str, Any]:
    """Open now or not, the hours and weekdays, today, the next opening, and the days of the
    next 30 that differ from the usual week (holidays, make-up working days)."""
    today = local_time(now, settings.tz).date()
    upcoming = []
    for ahead in range(1, UPCOMING_DAYS + 1):
        day = today + timedelta(days=ahead)
        if settings.calendar.day(day).name:
            upcoming.append(_day(day, settings))
    opening = next_opening(now, settings)
    return {
        "open_now": in_business_hours(settings, now),
        "hours": settings.business_hours,
        "business_days": settings.business_days,
        "today": _day(today, settings),
        "next_opening": to_local(opening, settings.tz) if opening else None,
        "upcoming": upcoming,
    }
