"""Time: one clock per app (tests shift it), naive UTC in the database, +08:00 out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Optional


class Clock:
    """``now()`` in naive UTC; ``advance`` moves it forward (tests use it instead of sleeping)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None) + self.offset

    def advance(self, **kwargs: float) -> None:
        self.offset += timedelta(**kwargs)


def to_local(value: Optional[datetime], tz: tzinfo) -> Optional[str]:
    """Naive UTC → ISO 8601 in ``tz`` (``2026-11-23T18:00:00+08:00``)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(tz).isoformat(timespec="seconds")


def local_date(value: datetime, tz: tzinfo) -> date:
    return value.replace(tzinfo=UTC).astimezone(tz).date()


def utc_from_local(value: datetime, tz: tzinfo) -> datetime:
    """A naive local time in ``tz`` → naive UTC."""
    return value.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None)
