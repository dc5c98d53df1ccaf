"""The reconciler: Rasa's tracker repaired from the handoff's state, queue updates sent.

The service is the source of truth for who holds a conversation. A background task (started
in the app's lifespan) runs a round at once, then every ``reconcile_seconds`` and whenever an
endpoint wakes it (a queue change). A round, in its own database session:

1. sends queue-position updates (``service.notify_queue``), never inside an agent's request;
2. open handoffs (QUEUED/AGENT) never checked, checked longer than
   ``reconcile_recheck_minutes`` ago, or checked before this service started: one read of
   Rasa's tracker with its events. Customer messages written since the handoff was created
   that the handoff lacks (the broker's outbox refused them, or a restored database lost
   them) are stored as the broker's would be (catch-up); the tracker must be paused; if it
   is not, a pause is appended (and, at the first check of a QUEUED one, the customer's
   place in the queue: the action that should have paused never told them either);
3. ended handoffs (BOT/CLOSED) whose resume did not reach Rasa (``rasa_synced`` false): the
   resume events are appended, unless a newer handoff of the sender owns the pause now.

Handoffs opened or ended within ``reconcile_grace_seconds`` are left to the action server's
pause and the end's own resume. Rasa unreachable: the round stops, the next tries again. A
healthy system costs one query per round and one tracker read per open handoff per recheck.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Optional

import anyio.to_thread
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import sessionmaker

from contract.handoff import AGENT, BOT, CLOSED, QUEUED
from servicekit.clock import Clock

from . import queue, texts
from .hub import Hub
from .models import Handoff, Message
from .rasa_client import RasaClient, RasaUnavailable
from .schemas import RasaEvent
from .service import _EVENT_CLOCK_SKEW as EVENT_CLOCK_SKEW
from .service import Ctx, notify_queue, store_rasa_event
from .settings import Settings

log = logging.getLogger("handoff.reconcile")
OPEN = (QUEUED, AGENT)


def repair_open(ctx: Ctx, started_at: Optional[datetime] = None) -> tuple[int, int]:
    """Reads the tracker of every open handoff that is due: customer messages the handoff
    lacks are caught up, and Rasa is paused where it is not; (the number paused, the number
    of messages caught up). ``started_at``: when this service started; a handoff last
    checked before is due (the service may have been away while the customer wrote)."""
    now = ctx.clock.now()
    grace = now - timedelta(seconds=ctx.settings.reconcile_grace_seconds)
    due: list[ColumnElement[bool]] = [Handoff.rasa_checked_at.is_(None)]
    if ctx.settings.reconcile_recheck_minutes:
        due.append(Handoff.rasa_checked_at <= now - timedelta(minutes=ctx.settings.reconcile_recheck_minutes))
    if started_at is not None:
        due.append(Handoff.rasa_checked_at < started_at)
    rows = ctx.db.scalars(
        select(Handoff)
        .where(Handoff.state.in_(OPEN), or_(*due), Handoff.created_at <= grace)
        .order_by(Handoff.id)
        .limit(ctx.settings.reconcile_batch)
    ).all()
    paused = caught_up = 0
    for handoff in rows:
        tracker = ctx.run(ctx.rasa.tracker, handoff.sender_id)
        caught_up += catch_up(ctx, handoff, tracker.events)
        if tracker.paused:
            _checked(ctx, handoff, now)
            continue
        told = handoff.state == QUEUED and handoff.rasa_checked_at is None
        position = queue.positions(ctx.db).get(handoff.id) if told else None
        ctx.run(ctx.rasa.pause, handoff.sender_id, _queue_text(ctx, position) if position else None)
        log.warning("handoff %s is %s but Rasa was not paused: paused", handoff.id, handoff.state)
        paused += 1
        if position:
            handoff.notified_position = position
        _checked(ctx, handoff, now)
    return paused, caught_up


def catch_up(ctx: Ctx, handoff: Handoff, events: list[dict[str, Any]]) -> int:
    """Stores the customer messages of the tracker written since the handoff was created
    (clock skew allowed) whose message_id the handoff does not have, in timestamp order,
    through the broker's own path (``store_rasa_event``: masked, stored once per message_id,
    pushed to the consoles); the number stored. These are the messages the broker's outbox
    refused (full or unwritable) or that a restored database lost."""
    since = handoff.created_at - EVENT_CLOCK_SKEW
    written: list[tuple[float, str, dict[str, Any]]] = []
    for event in events:
        timestamp, raw_id = event.get("timestamp"), event.get("message_id")
        if event.get("event") != "user" or not raw_id or not isinstance(timestamp, (int, float)):
            continue  # the bot's own messages, and what cannot be told apart from a copy, stay out
        if datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None) >= since:
            written.append((float(timestamp), str(raw_id)[:64], event))
    if not written:
        return 0
    ids = {message_id for _, message_id, _ in written}
    known = set(
        ctx.db.scalars(select(Message.message_id).where(Message.handoff_id == handoff.id, Message.message_id.in_(ids)))
    )
    stored = 0
    for _, message_id, event in sorted(written, key=lambda item: item[0]):
        if message_id in known or not store_rasa_event(ctx, _as_relayed(handoff.sender_id, event)):
            continue
        known.add(message_id)
        stored += 1
        log.warning("handoff %s: customer message %s caught up from Rasa's tracker", handoff.id, message_id)
    return stored


def _as_relayed(sender_id: str, event: dict[str, Any]) -> RasaEvent:
    """A tracker's user event as the broker relays it (bot/brokers/handoff_relay.py ``relayed``):
    its place, its reading and its text; nothing else of Rasa's crosses."""
    parse = event.get("parse_data")
    parse = parse if isinstance(parse, dict) else {}
    intent = parse.get("intent")
    intent = intent if isinstance(intent, dict) else {}
    sentiment = parse.get("sentiment")
    return RasaEvent.model_validate(
        {
            "event": "user",
            "sender_id": sender_id,
            "timestamp": event.get("timestamp"),
            "message_id": event.get("message_id"),
            "input_channel": event.get("input_channel"),
            "text": str(event.get("text") or ""),
            "parse_data": {
                "intent": {"name": intent.get("name"), "confidence": intent.get("confidence")},
                "sentiment": sentiment if isinstance(sentiment, dict) else None,
            },
        }
    )


def _checked(ctx: Ctx, handoff: Handoff, now: Any) -> None:
    """Records the check; a handoff that ended meanwhile gets its resume again (our pause may
    have come after the end's resume)."""
    result = ctx.db.execute(
        update(Handoff).where(Handoff.id == handoff.id, Handoff.state.in_(OPEN)).values(rasa_checked_at=now)
    )
    if getattr(result, "rowcount", 1) != 1:
        ctx.db.execute(update(Handoff).where(Handoff.id == handoff.id).values(rasa_synced=False))
    ctx.db.commit()


def _queue_text(ctx: Ctx, position: int) -> str:
    online = len(queue.online_agent_ids(ctx.db, ctx.settings, ctx.clock.now()))
    return texts.queue_text(position, queue.eta_minutes(position, online, ctx.settings))


def repair_ended(ctx: Ctx) -> int:
    """Appends the resume of ended handoffs whose resume did not reach Rasa; the number resumed."""
    grace = ctx.clock.now() - timedelta(seconds=ctx.settings.reconcile_grace_seconds)
    rows = ctx.db.scalars(
        select(Handoff)
        .where(Handoff.rasa_synced.is_(False), Handoff.state.in_((BOT, CLOSED)), Handoff.ended_at <= grace)
        .order_by(Handoff.id)
        .limit(ctx.settings.reconcile_batch)
    ).all()
    resumed = 0
    for handoff in rows:
        if not _superseded(ctx, handoff):
            ctx.run(ctx.rasa.resume_with_survey, handoff.sender_id, handoff.id)
            log.info("handoff %s: Rasa resumed by the reconciler", handoff.id)
            resumed += 1
        handoff.rasa_synced = True
        ctx.db.commit()
    return resumed


def _superseded(ctx: Ctx, handoff: Handoff) -> bool:
    """A newer handoff of the sender that was queued owns Rasa's pause now: no resume."""
    newer = select(Handoff.id).where(
        Handoff.sender_id == handoff.sender_id, Handoff.id > handoff.id, Handoff.queued_at.is_not(None)
    )
    return ctx.db.scalars(newer.limit(1)).first() is not None


class Reconciler:
    """The background task; ``round()`` runs one round (tests call it through the portal)."""

    def __init__(
        self, sessions: sessionmaker[Any], settings: Settings, clock: Clock, hub: Hub, rasa: RasaClient
    ) -> None:
        self.sessions, self.settings, self.clock, self.hub, self.rasa = sessions, settings, clock, hub, rasa
        self.rounds = 0
        # handoffs last checked before this moment are read again (once): messages of the time away
        self.started_at = clock.now()
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: Optional[asyncio.Task[None]] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="handoff-reconciler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def wake_threadsafe(self) -> None:
        """Asks for a round soon; callable from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.round()
            except Exception:  # a bug must not end the repairs for good
                log.exception("reconciler round failed")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.reconcile_seconds)
            except TimeoutError:
                pass

    async def round(self) -> dict[str, int]:
        async with self._lock:
            result = await anyio.to_thread.run_sync(self._round)
            self.rounds += 1
            return result

    def _round(self) -> dict[str, int]:
        result = {"paused": 0, "caught_up": 0, "resumed": 0}
        with self.sessions() as db:
            ctx = Ctx(db=db, settings=self.settings, clock=self.clock, rasa=self.rasa, hub=self.hub)
            try:
                notify_queue(ctx)
                result["paused"], result["caught_up"] = repair_open(ctx, self.started_at)
                result["resumed"] = repair_ended(ctx)
            except RasaUnavailable:
                db.rollback()  # Rasa away: the next round tries again
        return result
