"""The ticket watcher: deadline alerts, and resolved tickets closed after the reopen window.

A background task (started in the app's lifespan) runs a round every ``ticket_watch_seconds``.
A running deadline (respond until the first answer, resolve until resolved or closed) is

* at risk when less than ``ticket_at_risk_share`` of its time is left (its time runs from the
  SLA clock's start, ``sla.clock_start``, to the deadline);
* breached once it passed.

Each alert is raised at most once per deadline (``respond_alert`` / ``resolve_alert`` only
move up: none → at_risk → breached, by a conditional UPDATE, so two instances raise it
once): a ticket event, and ``{"type": "ticket_alert", ...}`` to the consoles. A deadline
found already past (the service was away) is breached without an at-risk first.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Optional, cast

import anyio.to_thread
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import sessionmaker

from contract import tickets as contract
from servicekit.clock import Clock

from . import sla, tickets
from .hub import Hub
from .models import Ticket
from .rasa_client import RasaClient
from .service import Ctx
from .settings import Settings
from .ticket_views import pending_deadlines, ticket_item

log = logging.getLogger("handoff.tickets")
ALERT_COLUMNS = {contract.DEADLINE_RESPOND: "respond_alert", contract.DEADLINE_RESOLVE: "resolve_alert"}
RANK = {None: 0, contract.EV_AT_RISK: 1, contract.EV_BREACHED: 2}


def due_alert(
    ticket: Ticket, deadline_name: str, deadline: datetime, now: datetime, settings: Settings
) -> Optional[str]:
    """The alert this deadline calls for now (at_risk, breached), or None."""
    if now >= deadline:
        return contract.EV_BREACHED
    start = sla.clock_start(ticket.created_at, settings)
    total = (deadline - start).total_seconds()
    if total > 0 and (deadline - now).total_seconds() < settings.ticket_at_risk_share * total:
        return contract.EV_AT_RISK
    return None


def raise_alerts(ctx: Ctx) -> int:
    """Raises the alerts due now; the number raised."""
    now = ctx.clock.now()
    not_breached = (Ticket.respond_alert.is_distinct_from(contract.EV_BREACHED)) | (
        Ticket.resolve_alert.is_distinct_from(contract.EV_BREACHED)
    )
    rows = ctx.db.scalars(
        select(Ticket).where(Ticket.status.in_(contract.ACTIVE), not_breached).order_by(Ticket.id)
    ).all()
    raised = 0
    for ticket in rows:
        for name, deadline in pending_deadlines(ticket).items():
            kind = due_alert(ticket, name, deadline, now, ctx.settings)
            column = ALERT_COLUMNS[name]
            if kind is None or RANK[kind] <= RANK[getattr(ticket, column)]:
                continue
            if _raise(ctx, ticket, name, kind):
                raised += 1
    return raised


def _raise(ctx: Ctx, ticket: Ticket, deadline_name: str, kind: str) -> bool:
    column = getattr(Ticket, ALERT_COLUMNS[deadline_name])
    # only upwards: at_risk over nothing, breached over nothing or at_risk
    condition = column.is_(None) if kind == contract.EV_AT_RISK else column.is_(None) | (column == contract.EV_AT_RISK)
    result = ctx.db.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, condition)
        .values({ALERT_COLUMNS[deadline_name]: kind})
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", result).rowcount != 1:
        ctx.db.rollback()  # another instance raised it
        return False
    tickets.record(ctx, ticket, kind, None, deadline_name)
    ctx.db.commit()
    ctx.db.refresh(ticket)
    item = ticket_item(ticket, ctx.settings.tz, ctx.clock.now())
    event = {"type": contract.WS_TICKET_ALERT, "kind": kind, "deadline": deadline_name, "ticket": item}
    ctx.push(event, tickets.audience_of(ticket))
    log.info("ticket %s: %s deadline %s", ticket.number, deadline_name, kind)
    return True


class TicketWatcher:
    """The background task; ``round()`` runs one round (tests call it through the portal)."""

    def __init__(
        self, sessions: sessionmaker[Any], settings: Settings, clock: Clock, hub: Hub, rasa: RasaClient
    ) -> None:
        self.sessions, self.settings, self.clock, self.hub, self.rasa = sessions, settings, clock, hub, rasa
        self._task: Optional[asyncio.Task[None]] = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="handoff-ticket-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.round()
            except Exception:  # a bug must not end the watch for good
                log.exception("ticket watcher round failed")
            await asyncio.sleep(self.settings.ticket_watch_seconds)

    async def round(self) -> dict[str, int]:
        async with self._lock:
            return await anyio.to_thread.run_sync(self._round)

    def _round(self) -> dict[str, int]:
        with self.sessions() as db:
            ctx = Ctx(db=db, settings=self.settings, clock=self.clock, rasa=self.rasa, hub=self.hub)
            return {"alerts": raise_alerts(ctx), "closed": tickets.close_after_window(ctx)}
