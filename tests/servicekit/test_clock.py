"""The clock both services use: naive UTC inside, the service's time zone out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from servicekit.clock import Clock, local_date, local_time, to_local, to_utc, utc_from_local

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_real_time_shifted_by_advance():
    clock = Clock()
    before = datetime.now(UTC).replace(tzinfo=None)
    clock.advance(hours=2)
    assert clock.now().tzinfo is None
    assert timedelta(hours=2) <= clock.now() - before < timedelta(hours=2, minutes=1)
    assert Clock(offset=timedelta(days=1)).now() - before >= timedelta(days=1)


def test_fixed_time_set_and_advanced():
    clock = Clock(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI))
    assert clock.now() == datetime(2026, 11, 30, 2, 0)
    clock.advance(minutes=30)
    assert clock.now() == datetime(2026, 11, 30, 2, 30)
    clock.set(datetime(2026, 12, 1, 0, 0))  # naive: taken as UTC; the offset starts again
    assert clock.now() == datetime(2026, 12, 1, 0, 0)


def test_conversions():
    utc = datetime(2026, 11, 30, 16, 30)
    assert to_local(utc, SHANGHAI) == "2026-12-01T00:30:00+08:00"
    assert to_local(None, SHANGHAI) is None
    assert local_time(utc, SHANGHAI).hour == 0 and local_date(utc, SHANGHAI) == date(2026, 12, 1)
    assert utc_from_local(datetime(2026, 12, 1, 0, 30), SHANGHAI) == utc
    assert to_utc(datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI)) == utc and to_utc(utc) == utc
