"""Time: every "now" of a service comes from ``Clock.now`` (tests set or shift it).

Naive UTC in the database, ISO 8601 in the service's time zone out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Optional


class Clock:
    """``now()`` in naive UTC: the real time, or a fixed one after ``set``, plus ``advance``
    (tests move it instead of sleeping)."""

    def __init__(self, fixed: Optional[datetime] = None, offset: timedelta = timedelta(0)) -> None:
        self.fixed = to_utc(fixed) if fixed is not None else None
        self.offset = offset

    def now(self) -> datetime:
        base = self.fixed or datetime.now(UTC).replace(tzinfo=None)
        return base + self.offset

    def set(self, moment: datetime) -> None:
        """Freeze the clock at ``moment`` (aware, or naive UTC)."""
        self.fixed, self.offset = to_utc(moment), timedelta(0)

    def advance(self, **kwargs: float) -> None:
        self.offset += timedelta(**kwargs)


def to_utc(value: datetime) -> datetime:
    """Aware → naive UTC; naive is taken as UTC already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def local_time(value: datetime, tz: tzinfo) -> datetime:
    """Naive UTC → aware local time in ``tz``."""
    return value.replace(tzinfo=UTC).astimezone(tz)


def to_local(value: Optional[datetime], tz: tzinfo) -> Optional[str]:
    """Naive UTC → ISO 8601 in ``tz`` (``2026-11-30T18:00:00+08:00``)."""
    if value is None:
        return None
    return local_time(value, tz).isoformat(timespec="seconds")


def local_date(value: datetime, tz: tzinfo) -> date:
    """Naive UTC → the calendar day in ``tz``."""
    return local_time(value, tz).date()


def utc_from_local(value: datetime, tz: tzinfo) -> datetime:
    """A naive local time in ``tz`` → naive UTC."""
    return value.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None)
