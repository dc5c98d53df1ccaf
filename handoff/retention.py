"""Retention: ``python -m handoff purge`` anonymises what is older than HANDOFF_RETENTION_DAYS.

The choice: anonymise, not delete. A handoff that ended (returned to the bot or closed)
before the cut-off, and a ticket opened before it, keep what the service's figures need
(reason, priority, channel, state, times, disposition, rating, SLA class and deadlines) and
lose everything about the person: the messages, notes and ticket messages are deleted;
customer, trigger, summary and package are emptied; the sender id becomes ``purged-<id>``.
An active ticket (open, assigned, answered) past the cut-off is closed as ``expired``.
Handoffs still QUEUED or AGENT are never touched.
Run it once a day, e.g. cron ``15 3 * * * cd /srv/xiaomi && .venv-services/bin/python -m handoff purge``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session as DbSession

from contract import tickets as ticket_states
from contract.handoff import BOT, CLOSED

from .models import Handoff, Message, Note, TicketMessage

PURGED_PREFIX = "purged-"


@dataclass
class Purged:
    handoffs: int = 0
    tickets: int = 0


def purge(db: DbSession, now: datetime, days: int) -> Purged:
    """Anonymises ended handoffs and tickets older than ``days``; returns how many."""
    cutoff = now - timedelta(days=days)
    counts = Purged()
    ended = (
        select(Handoff)
        .where(Handoff.state.in_((BOT, CLOSED)), ~Handoff.sender_id.startswith(PURGED_PREFIX))
        .where(or_(Handoff.ended_at < cutoff, Handoff.ended_at.is_(None) & (Handoff.created_at < cutoff)))
    )
    for handoff in db.scalars(ended):
        ticket = handoff.ticket
        if ticket is not None and ticket.status in ticket_states.ACTIVE and ticket.created_at >= cutoff:
            continue  # a recent ticket someone still has to answer
        _anonymise(db, handoff)
        counts.handoffs += 1
        if ticket is not None:
            counts.tickets += 1
    db.commit()
    return counts


def _anonymise(db: DbSession, handoff: Handoff) -> None:
    db.execute(delete(Message).where(Message.handoff_id == handoff.id))
    db.execute(delete(Note).where(Note.handoff_id == handoff.id))
    handoff.sender_id = f"{PURGED_PREFIX}{handoff.id}"
    handoff.customer, handoff.trigger, handoff.package, handoff.summary = {}, {}, {}, ""
    ticket = handoff.ticket
    if ticket is not None:
        db.execute(delete(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
        ticket.sender_id = handoff.sender_id
        if ticket.status in ticket_states.ACTIVE:
            ticket.status = ticket_states.EXPIRED
    db.expire(handoff, ["messages", "notes"])
