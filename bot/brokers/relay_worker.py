"""Delivers the outbox to the handoff service (bot/brokers/handoff_relay.py).

One event in flight per conversation: a sender's next event goes only after the
handoff service acknowledged the previous one, so each conversation arrives in order.
Up to `concurrency` conversations are in flight at once, oldest waiting first. A try
that fails (no connection, a timeout, 5xx, 408, 429) is tried again after a doubling,
capped wait of that conversation alone, without ever giving up. An event leaves the
outbox when the service answered 2xx, or another 4xx: a refusal that can never succeed,
logged once and dropped.

A dispatcher task on Rasa's event loop starts the tries; the in-memory index (sender →
row ids) is rebuilt from the outbox file at start, which resumes what a stopped Rasa left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Deque, Dict, Optional, Text

import httpx

from contract.http import SERVICE_KEY_HEADER

from .outbox import Outbox
from .relay_settings import RelaySettings

logger = logging.getLogger("bot.brokers.handoff_relay")

# 4xx answers worth another try: the request timed out, or the service asks to slow down
RETRIED_4XX = (408, 429)


class Relay:
    def __init__(self, settings: RelaySettings, outbox: Outbox) -> None:
        self.settings = settings
        self.outbox = outbox
        self._pending: Dict[Text, Deque[int]] = {}  # sender → outbox row ids, oldest first
        self._backlog = 0
        self._failures: Dict[Text, int] = {}
        self._retry_at: Dict[Text, float] = {}  # time.monotonic() of a sender's next try
        self._in_flight: Dict[Text, asyncio.Task] = {}
        self._wake: Optional[asyncio.Event] = None
        self._dispatcher: Optional[asyncio.Task] = None
        self._client: Optional[httpx.AsyncClient] = None
        self._unreachable = False
        for row_id, sender in outbox.rows():
            self._index(sender, row_id)

    @property
    def backlog(self) -> int:
        """Events in the outbox, not yet acknowledged."""
        return self._backlog

    def _index(self, sender: Text, row_id: int) -> None:
        self._pending.setdefault(sender, deque()).append(row_id)
        self._backlog += 1

    def add(self, sender: Text, row_id: int) -> None:
        """A new outbox row of `sender`, after its earlier ones."""
        self._index(sender, row_id)
        if self._wake is not None:
            self._wake.set()

    def start(self) -> None:
        """Starts delivering on the running event loop (once)."""
        if self._dispatcher is not None:
            return
        loop = asyncio.get_running_loop()  # RuntimeError outside one: nothing started
        self._wake = asyncio.Event()
        headers = {SERVICE_KEY_HEADER: self.settings.service_key}
        self._client = httpx.AsyncClient(timeout=self.settings.timeout_s, headers=headers)
        if self._backlog:
            logger.info("handoff relay: resuming %d undelivered events from %s", self._backlog, self.outbox.path)
        self._dispatcher = loop.create_task(self._dispatch())

    async def close(self) -> None:
        """Stops delivering; what was not acknowledged stays in the outbox for the next start."""
        tasks = [task for task in [self._dispatcher, *self._in_flight.values()] if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._dispatcher = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _dispatch(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            delay = self._start_due()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    def _start_due(self) -> Optional[float]:
        """Starts a try for each due conversation while there is room; the seconds until
        the next conversation in backoff is due (None: wait for a publish or a finished try)."""
        now = time.monotonic()
        next_due: Optional[float] = None
        for sender in self._pending:
            if len(self._in_flight) >= self.settings.concurrency:
                return None
            if sender in self._in_flight:
                continue
            due = self._retry_at.get(sender, 0.0)
            if due > now:
                next_due = due if next_due is None else min(next_due, due)
                continue
            self._in_flight[sender] = asyncio.get_running_loop().create_task(self._try(sender))
        return None if next_due is None else next_due - now

    async def _try(self, sender: Text) -> None:
        """One try of the oldest event of `sender`."""
        assert self._wake is not None
        row_id = self._pending[sender][0]
        try:
            body = self.outbox.body(row_id)
            problem = await self._post(body) if body is not None else None
            if problem is None:
                self._acknowledged(sender, row_id)
            else:
                self._failed(sender, problem)
        except Exception as error:  # an outbox error: never stop the worker; try again later
            logger.exception("handoff relay: event of %s not handled", sender)
            self._failed(sender, type(error).__name__)
        finally:
            self._in_flight.pop(sender, None)
            self._wake.set()

    async def _post(self, body: dict) -> Optional[Text]:
        """None when the event is done with (acknowledged or refused for good), else the problem."""
        assert self._client is not None
        try:
            response = await self._client.post(self.settings.events_url, json=body)
        except httpx.HTTPError as error:
            return type(error).__name__
        status = response.status_code
        if 200 <= status < 300:
            return None
        if 400 <= status < 500 and status not in RETRIED_4XX:
            logger.error(
                "handoff service refused event %s of %s: HTTP %s; dropped (it can never succeed)",
                body.get("message_id"),
                body.get("sender_id"),
                status,
            )
            return None
        return f"HTTP {status}"

    def _acknowledged(self, sender: Text, row_id: int) -> None:
        self.outbox.delete(row_id)
        rows = self._pending[sender]
        rows.popleft()
        if not rows:
            del self._pending[sender]
        self._backlog -= 1
        self._failures.pop(sender, None)
        self._retry_at.pop(sender, None)
        if self._unreachable:
            self._unreachable = False
            logger.warning("handoff service answers again; events waiting in the outbox: %d", self._backlog)

    def _failed(self, sender: Text, problem: Text) -> None:
        failures = self._failures.get(sender, 0) + 1
        self._failures[sender] = failures
        wait = self.settings.backoff_s(failures)
        self._retry_at[sender] = time.monotonic() + wait
        if not self._unreachable:
            self._unreachable = True
            logger.warning(
                "handoff service unreachable (%s) relaying an event of %s; kept in the outbox (events waiting: %d), "
                "retried until it answers",
                problem,
                sender,
                self._backlog,
            )
        else:
            logger.debug("handoff relay: %s for %s, next try in %.1f s", problem, sender, wait)
