"""Database rows → the JSON shapes of API.md (times in the service's time zone)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Optional

from servicekit.clock import to_local

from .models import Agent, Handoff, Message, Note, Ticket, TicketMessage


def agent_view(agent: Agent) -> dict[str, Any]:
    return {"id": agent.id, "username": agent.username, "display_name": agent.display_name, "role": agent.role}


def _fields(row: Any, *names: str) -> dict[str, Any]:
    """The named attributes of a row, in order."""
    return {name: getattr(row, name) for name in names}


def _times(row: Any, tz: tzinfo, *names: str) -> dict[str, Optional[str]]:
    """The named time attributes of a row, in ``tz``."""
    return {name: to_local(getattr(row, name), tz) for name in names}


def message_view(message: Message, tz: tzinfo) -> dict[str, Any]:
    view = _fields(message, "id", "role", "text", "intent", "confidence", "sentiment")
    view.update(at=to_local(message.at, tz), agent_name=message.agent_name)
    return {**view, "delivery": message.delivery, "delivery_reason": message.delivery_reason}


def note_view(note: Note, tz: tzinfo) -> dict[str, Any]:
    view = _fields(note, "id", "text", "agent_id")
    return {**view, "agent_name": note.agent.display_name, "at": to_local(note.created_at, tz)}


def ticket_view(ticket: Ticket, tz: tzinfo) -> dict[str, Any]:
    view = _fields(ticket, "id", "number", "sla_class", "status", "handoff_id")
    return {**view, **_times(ticket, tz, "respond_by", "resolve_by", "created_at")}


def ticket_message_view(message: TicketMessage, tz: tzinfo) -> dict[str, Any]:
    return {
        "id": message.id,
        "ticket_id": message.ticket_id,
        "ticket_number": message.ticket.number if message.ticket is not None else None,
        "role": message.role,
        "text": message.text,
        "at": to_local(message.created_at, tz),
    }


def handoff_item(handoff: Handoff, tz: tzinfo, now: datetime, position: Optional[int] = None) -> dict[str, Any]:
    """One line of GET /api/handoffs and GET /api/queue."""
    agent = handoff.assigned_agent
    waited_from = handoff.queued_at or handoff.created_at
    waited_until = handoff.accepted_at or handoff.ended_at or now
    return {
        "id": handoff.id,
        "state": handoff.state,
        "sender_id": handoff.sender_id,
        "channel": handoff.channel,
        "customer_name": handoff.customer.get("name"),
        "reason": handoff.reason,
        "priority": handoff.priority,
        "summary": handoff.summary,
        "position": position,
        "waited_seconds": max(0, int((waited_until - waited_from).total_seconds())),
        "assigned_agent_id": handoff.assigned_agent_id,
        "assigned_agent": {"id": agent.id, "display_name": agent.display_name} if agent else None,
        "created_at": to_local(handoff.created_at, tz),
        "accepted_at": to_local(handoff.accepted_at, tz),
        "ended_at": to_local(handoff.ended_at, tz),
        "ticket_number": handoff.ticket.number if handoff.ticket else None,
    }


def handoff_detail(handoff: Handoff, tz: tzinfo, now: datetime, position: Optional[int] = None) -> dict[str, Any]:
    detail = handoff_item(handoff, tz, now, position)
    detail.update(
        {
            "package": {
                "sender_id": handoff.sender_id,
                "channel": handoff.channel,
                "customer": handoff.customer,
                "reason": handoff.reason,
                "trigger": handoff.trigger,
                "priority": handoff.priority,
                "summary": handoff.summary,
                **handoff.package,
            },
            "messages": [message_view(m, tz) for m in handoff.messages],
            "notes": [note_view(n, tz) for n in handoff.notes],
            # the ticket with what the customer left for it (outside business hours)
            "ticket": (
                dict(
                    ticket_view(handoff.ticket, tz),
                    messages=[ticket_message_view(m, tz) for m in handoff.ticket.messages],
                )
                if handoff.ticket is not None
                else None
            ),
            "transfers": [
                {
                    "from_agent_id": t.from_agent_id,
                    "to_agent_id": t.to_agent_id,
                    "by_agent_id": t.by_agent_id,
                    "at": to_local(t.created_at, tz),
                }
                for t in handoff.transfers
            ],
            "disposition": handoff.disposition,
            "rating": handoff.rating,
        }
    )
    return detail
