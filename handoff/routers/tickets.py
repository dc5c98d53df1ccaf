"""Agent endpoints of tickets (session cookie): list, detail, claim, assign, answer, resolve,
close, reopen, SLA class, supervisors' figures (API.md, "Tickets")."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Optional

from fastapi import APIRouter, Query

from contract import tickets as contract
from servicekit.clock import local_date, to_local, utc_from_local
from servicekit.errors import ApiError

from .. import service, tickets
from ..deps import AgentDep, CtxDep, RowId, SupervisorDep
from ..schemas import TicketClassIn, TicketOut
from ..ticket_schemas import AnswerIn, AssignIn, TicketDetail, TicketItem, TicketMessageItem, TicketStats

router = APIRouter(prefix="/api/tickets", tags=["tickets"])
STATS_DEFAULT_DAYS = 7


@router.get(
    "", response_model=list[TicketItem], summary="My tickets and the unassigned active ones, nearest deadline first"
)
def list_tickets(
    agent: AgentDep,
    ctx: CtxDep,
    status: Optional[str] = Query(None, max_length=16, description="One status; default: the active ones"),
    sla_class: Optional[str] = Query(None, max_length=16),
):
    """A supervisor sees every agent's."""
    if status is not None and status not in contract.STATUSES:
        raise ApiError(422, "unknown_status", f"statuses: {', '.join(contract.STATUSES)}")
    return tickets.list_tickets(ctx, agent, status, sla_class)


@router.get("/stats", response_model=TicketStats, summary="Supervisors: per SLA class, now and in a date range")
def stats(
    _supervisor: SupervisorDep,
    ctx: CtxDep,
    since: Optional[date] = Query(None, description="First local day (default: 6 days before until)"),
    until: Optional[date] = Query(None, description="Last local day, included (default: today)"),
):
    last = until or local_date(ctx.clock.now(), ctx.settings.tz)
    first = since or last - timedelta(days=STATS_DEFAULT_DAYS - 1)
    if first > last:
        raise ApiError(422, "bad_range", "since must not be after until")
    start = utc_from_local(datetime.combine(first, time()), ctx.settings.tz)
    end = utc_from_local(datetime.combine(last + timedelta(days=1), time()), ctx.settings.tz)
    return {
        "since": to_local(start, ctx.settings.tz),
        "until": to_local(end, ctx.settings.tz),
        "classes": tickets.stats(ctx, start, end),
    }


@router.get("/{ticket_id}", response_model=TicketDetail, summary="A ticket, its messages, timeline and handoff")
def get_ticket(ticket_id: RowId, agent: AgentDep, ctx: CtxDep):
    return tickets.detail(ctx, tickets.visible_ticket(ctx, agent, ticket_id))


@router.patch("/{ticket_id}", response_model=TicketOut, summary="Supervisor: change a ticket's SLA class")
def change_ticket(ticket_id: RowId, body: TicketClassIn, _supervisor: SupervisorDep, ctx: CtxDep):
    return service.change_sla_class(ctx, ticket_id, body.sla_class)


@router.post("/{ticket_id}/claim", response_model=TicketDetail, summary="open → assigned to me")
def claim(ticket_id: RowId, agent: AgentDep, ctx: CtxDep):
    return tickets.claim(ctx, agent, ticket_id)


@router.post("/{ticket_id}/assign", response_model=TicketDetail, summary="Supervisor: give it to an agent")
def assign(ticket_id: RowId, body: AssignIn, supervisor: SupervisorDep, ctx: CtxDep):
    return tickets.assign(ctx, supervisor, ticket_id, body.agent_id)


@router.post("/{ticket_id}/answer", status_code=201, response_model=TicketMessageItem, summary="Answer the customer")
def answer(ticket_id: RowId, body: AnswerIn, agent: AgentDep, ctx: CtxDep):
    """Delivered through Rasa like a live reply; ``delivery`` tells whether it arrived."""
    return tickets.answer(ctx, agent, ticket_id, body.text)


@router.post("/{ticket_id}/resolve", response_model=TicketDetail, summary="assigned | answered → resolved")
def resolve(ticket_id: RowId, agent: AgentDep, ctx: CtxDep):
    return tickets.resolve(ctx, agent, ticket_id)


@router.post("/{ticket_id}/close", response_model=TicketDetail, summary="→ closed")
def close(ticket_id: RowId, agent: AgentDep, ctx: CtxDep):
    return tickets.close(ctx, agent, ticket_id)


@router.post("/{ticket_id}/reopen", response_model=TicketDetail, summary="resolved | closed → assigned (open)")
def reopen(ticket_id: RowId, agent: AgentDep, ctx: CtxDep):
    return tickets.reopen(ctx, agent, ticket_id)
