"""Tickets as the API shows them (API.md, "Tickets"): deadlines with the seconds left."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Optional

from contract import tickets as contract
from servicekit.clock import to_local

from .models import Ticket, TicketEvent, TicketMessage
from .views import handoff_detail, ticket_message_view, ticket_view


def pending_deadlines(ticket: Ticket) -> dict[str, datetime]:
    """The deadlines still running: respond until the first answer, resolve until resolved or closed."""
    if ticket.status not in contract.ACTIVE:
        return {}
    pending = {contract.DEADLINE_RESOLVE: ticket.resolve_by}
    if ticket.first_response_at is None:
        pending[contract.DEADLINE_RESPOND] = ticket.respond_by
    return pending


def next_deadline(ticket: Ticket) -> Optional[tuple[str, datetime]]:
    pending = pending_deadlines(ticket)
    if not pending:
        return None
    name = min(pending, key=lambda key: pending[key])
    return name, pending[name]


def _seconds_left(deadline: Optional[datetime], now: datetime) -> Optional[int]:
    return None if deadline is None else int((deadline - now).total_seconds())


def ticket_item(ticket: Ticket, tz: tzinfo, now: datetime) -> dict[str, Any]:
    """One line of GET /api/tickets (the fields of the earlier list first)."""
    pending = pending_deadlines(ticket)
    upcoming = next_deadline(ticket)
    handoff, agent = ticket.handoff, ticket.assigned_agent
    return {
        **ticket_view(ticket, tz),
        "status_label": contract.STATUS_LABELS.get(ticket.status, ticket.status),
        "channel": handoff.channel,
        "customer_name": handoff.customer.get("name"),
        "reason": handoff.reason,
        "summary": handoff.summary,
        "assigned_agent_id": ticket.assigned_agent_id,
        "assigned_agent": {"id": agent.id, "display_name": agent.display_name} if agent else None,
        "respond_seconds_left": _seconds_left(pending.get(contract.DEADLINE_RESPOND), now),
        "resolve_seconds_left": _seconds_left(pending.get(contract.DEADLINE_RESOLVE), now),
        "next_deadline": upcoming[0] if upcoming else None,
        "next_deadline_at": to_local(upcoming[1], tz) if upcoming else None,
        "seconds_left": _seconds_left(upcoming[1], now) if upcoming else None,
        "respond_alert": ticket.respond_alert,
        "resolve_alert": ticket.resolve_alert,
        "reopened_count": ticket.reopened_count,
        "updated_at": to_local(ticket.updated_at, tz),
        "first_response_at": to_local(ticket.first_response_at, tz),
        "resolved_at": to_local(ticket.resolved_at, tz),
        "closed_at": to_local(ticket.closed_at, tz),
    }


def ticket_message_item(message: TicketMessage, tz: tzinfo) -> dict[str, Any]:
    """The message as the handoff detail shows it, with who answered and how it was delivered."""
    return {
        **ticket_message_view(message, tz),
        "agent_id": message.agent_id,
        "agent_name": message.agent.display_name if message.agent else None,
        "delivery": message.delivery,
        "delivery_reason": message.delivery_reason,
        "delivered_via": message.delivered_via,
    }


def event_item(event: TicketEvent, tz: tzinfo) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "detail": event.detail,
        "agent_id": event.agent_id,
        "agent_name": event.agent.display_name if event.agent else None,
        "at": to_local(event.at, tz),
    }


def ticket_detail(ticket: Ticket, tz: tzinfo, now: datetime) -> dict[str, Any]:
    """GET /api/tickets/{id}: the line, its messages, its timeline and the handoff (package, transcript)."""
    return {
        **ticket_item(ticket, tz, now),
        "messages": [ticket_message_item(m, tz) for m in ticket.messages],
        "events": [event_item(e, tz) for e in ticket.events],
        "handoff": handoff_detail(ticket.handoff, tz, now),
    }
