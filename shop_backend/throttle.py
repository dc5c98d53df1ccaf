"""SMS throttles: how many codes one phone receives and one requester asks for.

Counted in the database (``sms_sends``), so that every process of the backend sees the
same counts. A send first upserts the row of each of its subjects in
``sms_throttle_keys`` (sorted, so two sends never wait on each other crosswise): on
PostgreSQL the upsert locks that row, on SQLite it takes the database's write lock, so
concurrent sends for one subject are counted one after the other until the transaction
ends. Subjects are stored as hashes, never as phone numbers or sender ids.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from servicekit.errors import ApiError

from .models import SmsSend, SmsThrottleKey
from .settings import Settings

HOUR, DAY = 3600, 86400


@dataclass(frozen=True)
class Limit:
    """At most ``count`` codes in any ``seconds``."""

    seconds: int
    count: int


@dataclass(frozen=True)
class Subject:
    """Who or what a code is counted against, and its limits."""

    key: str
    limits: tuple[Limit, ...]


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "replace")).hexdigest()


def phone(settings: Settings, number: str) -> Subject:
    """The phone that receives the code (login and phone change alike)."""
    limits = [Limit(HOUR, settings.sms_phone_per_hour), Limit(DAY, settings.sms_phone_per_day)]
    if settings.sms_phone_interval_seconds > 0:
        limits.append(Limit(settings.sms_phone_interval_seconds, 1))
    return Subject(_key("phone", number), tuple(limits))


def requester(settings: Settings, name: str | None) -> Subject:
    """The conversation that asks (X-Requester); requests without one share one requester."""
    limits = (Limit(HOUR, settings.sms_requester_per_hour), Limit(DAY, settings.sms_requester_per_day))
    return Subject(_key("requester", name or ""), limits)


def retention_seconds(settings: Settings) -> int:
    """How long a send still counts against any limit."""
    return max(DAY, settings.sms_phone_interval_seconds)


def _upsert(session: Session, key: str, now: datetime) -> Any:
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    stmt = insert(SmsThrottleKey).values(key=key, used_at=now)
    return stmt.on_conflict_do_update(index_elements=[SmsThrottleKey.key], set_={"used_at": now})


def _wait_seconds(session: Session, subject: Subject, now: datetime) -> int:
    """0 when ``subject`` may have one more code now, else the seconds until it may."""
    longest = max(limit.seconds for limit in subject.limits)
    times = session.scalars(
        select(SmsSend.created_at)
        .where(SmsSend.key == subject.key, SmsSend.created_at > now - timedelta(seconds=longest))
        .order_by(SmsSend.created_at.desc())
        .limit(max(limit.count for limit in subject.limits))
    ).all()
    wait = 0
    for limit in subject.limits:
        window_start = now - timedelta(seconds=limit.seconds)
        recent = [t for t in times if t > window_start]
        if len(recent) >= limit.count:
            # A slot frees when the oldest of the `count` newest leaves the window.
            free_at = recent[limit.count - 1] + timedelta(seconds=limit.seconds)
            wait = max(wait, max(1, math.ceil((free_at - now).total_seconds())))
    return wait


def take(session: Session, subjects: Iterable[Subject], now: datetime) -> None:
    """Counts one code against every subject, or raises 429 ``rate_limited`` (with
    ``retry_after`` in seconds) and counts nothing. Holds the subjects' rows until the
    caller's transaction ends."""
    ordered = sorted({s.key: s for s in subjects}.values(), key=lambda s: s.key)
    for subject in ordered:
        session.execute(_upsert(session, subject.key, now))
    wait = max(_wait_seconds(session, subject, now) for subject in ordered)
    if wait:
        raise ApiError(
            429, "rate_limited", f"too many verification codes asked for: try again in {wait} s", retry_after=wait
        )
    session.add_all(SmsSend(key=subject.key, created_at=now) for subject in ordered)
    session.flush()


def purge(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Deletes the sends that no longer count and the subjects not seen since."""
    horizon = now - timedelta(seconds=retention_seconds(settings))
    sends = _rowcount(session.execute(delete(SmsSend).where(SmsSend.created_at < horizon)))
    keys = _rowcount(session.execute(delete(SmsThrottleKey).where(SmsThrottleKey.used_at < horizon)))
    return {"sms_sends": sends, "sms_throttle_keys": keys}


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
