"""Abuse limits: console login lockout, the password-check pool, handoffs per sender.

Login: every failed login is stored twice, under ``user:<username>`` and ``addr:<client
address>``. A key with ``login_max_failures`` (username) or ``login_max_failures_per_address``
(address) failures within ``login_failure_window_minutes`` is locked for
``login_lockout_minutes`` after the last of them; a locked key is refused before any password
is checked, with the same answer for a known and an unknown username. The counts live in
the database, so that every instance of the service sees them.

Password checks (scrypt, ~16 MiB and tens of milliseconds each) run on a small thread pool
of their own with a bounded number of waiting logins: a login flood waits there, or is
refused at once, while the bot-facing endpoints keep their threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, AsyncIterator, Callable, Optional, TypeVar

import anyio
import anyio.to_thread
from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DbSession

from servicekit.errors import ApiError

from . import texts
from .models import Handoff, LoginFailure
from .settings import Settings

T = TypeVar("T")


def user_key(username: str) -> str:
    return f"user:{username.strip().lower()}"[:128]


def address_key(address: Optional[str]) -> str:
    return f"addr:{address or 'unknown'}"[:128]


def rate_limited(retry_after: float, message: str) -> ApiError:
    """429 ``rate_limited`` with whole seconds to wait; ``message`` is what a person is shown."""
    return ApiError(429, "rate_limited", message, retry_after=max(1, math.ceil(retry_after)))


def _locked_for(db: DbSession, key: str, limit: int, settings: Settings, now: datetime) -> Optional[float]:
    """Seconds ``key`` stays locked, None when it is not."""
    window = timedelta(minutes=settings.login_failure_window_minutes)
    lockout = timedelta(minutes=settings.login_lockout_minutes)
    recent = list(
        db.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.key == key, LoginFailure.at > now - window - lockout)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        )
    )
    if len(recent) < limit:
        return None
    newest, oldest = recent[0], recent[-1]
    if newest - oldest > window or newest + lockout <= now:
        return None
    return (newest + lockout - now).total_seconds()


def login_locked(db: DbSession, settings: Settings, username: str, address: Optional[str], now: datetime) -> None:
    """Raises 429 while the username or the address is locked."""
    waits = [
        _locked_for(db, user_key(username), settings.login_max_failures, settings, now),
        _locked_for(db, address_key(address), settings.login_max_failures_per_address, settings, now),
    ]
    longest = max((w for w in waits if w is not None), default=None)
    if longest is not None:
        raise rate_limited(longest, texts.LOGIN_LOCKED.format(minutes=max(1, math.ceil(longest / 60))))


def record_login_failure(
    db: DbSession, settings: Settings, username: str, address: Optional[str], now: datetime
) -> None:
    keep = timedelta(minutes=settings.login_failure_window_minutes + settings.login_lockout_minutes)
    db.execute(delete(LoginFailure).where(LoginFailure.at < now - keep))
    db.add_all([LoginFailure(key=user_key(username), at=now), LoginFailure(key=address_key(address), at=now)])
    db.commit()


def clear_login_failures(db: DbSession, username: str) -> None:
    """A successful login forgets the username's failures (not the address's)."""
    db.execute(delete(LoginFailure).where(LoginFailure.key == user_key(username)))


class LoginGate:
    """Where logins run: at most ``max_pending`` at a time (more: 429 at once), their database
    work on a few threads of its own (not the API's), their scrypt on ``workers`` threads."""

    def __init__(self, workers: int, max_pending: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="password-check")
        self._db_threads = anyio.CapacityLimiter(workers)
        self._pending = 0
        self._max_pending = max_pending

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._pending >= self._max_pending:
            raise rate_limited(5, texts.LOGIN_BUSY)
        self._pending += 1  # on the event loop: no lock needed
        try:
            yield
        finally:
            self._pending -= 1

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._db_threads)

    async def hash(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def sender_open_wait(db: DbSession, settings: Settings, sender_id: str, now: datetime) -> Optional[float]:
    """Seconds until ``sender_id`` may open another handoff; None when it may now."""
    window = timedelta(minutes=settings.sender_handoff_window_minutes)
    opened = list(
        db.scalars(
            select(Handoff.created_at)
            .where(Handoff.sender_id == sender_id, Handoff.created_at > now - window)
            .order_by(Handoff.created_at)
        )
    )
    excess = len(opened) - settings.sender_max_handoffs
    if excess < 0:
        return None
    # when enough of them have left the window, one more fits
    return max(1.0, (opened[excess] + window - now).total_seconds())
