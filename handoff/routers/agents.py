"""Agent endpoints (session cookie): the queue, conversations, replies, notes, tickets."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter
from sqlalchemy import func, select

from .. import queue, service
from ..deps import AgentDep, CtxDep, SupervisorDep
from ..models import AGENT, Agent, CannedReply, Handoff, Ticket
from ..schemas import CloseIn, State, TextIn, TicketClassIn, TransferIn
from ..views import handoff_item, ticket_view

router = APIRouter(prefix="/api", tags=["console"])


@router.get("/queue", summary="QUEUED handoffs in serving order")
def get_queue(_agent: AgentDep, ctx: CtxDep) -> list[dict]:
    now = ctx.clock.now()
    online = len(queue.online_agent_ids(ctx.db, ctx.settings, now))
    items = []
    for position, handoff in enumerate(queue.queued(ctx.db), start=1):
        item = handoff_item(handoff, ctx.settings.tz, now, position)
        item["eta_minutes"] = queue.eta_minutes(position, online, ctx.settings)
        items.append(item)
    return items


@router.get("/handoffs", summary="An agent: the queue and their own; a supervisor: all")
def list_handoffs(agent: AgentDep, ctx: CtxDep, state: Optional[State] = None) -> list[dict]:
    query = select(Handoff).order_by(Handoff.id.desc()).limit(500)
    if agent.role != "supervisor":
        query = query.where((Handoff.assigned_agent_id == agent.id) | (Handoff.state == "QUEUED"))
    if state:
        query = query.where(Handoff.state == state)
    positions = queue.positions(ctx.db)
    now = ctx.clock.now()
    return [handoff_item(h, ctx.settings.tz, now, positions.get(h.id)) for h in ctx.db.scalars(query)]


@router.get("/handoffs/{handoff_id}", summary="Package, messages, notes, ticket, state, rating")
def get_handoff(handoff_id: int, agent: AgentDep, ctx: CtxDep) -> dict:
    return service.detail(ctx, service.visible_handoff(ctx, agent, handoff_id))


@router.post("/handoffs/{handoff_id}/accept", summary="QUEUED → AGENT, assigned to the caller")
def accept(handoff_id: int, agent: AgentDep, ctx: CtxDep) -> dict:
    return service.accept(ctx, agent, handoff_id)


@router.post("/handoffs/{handoff_id}/messages", status_code=201, summary="Reply to the customer")
def send_message(handoff_id: int, body: TextIn, agent: AgentDep, ctx: CtxDep) -> dict:
    return service.send_reply(ctx, agent, handoff_id, body.text)


@router.post("/handoffs/{handoff_id}/notes", status_code=201, summary="Internal note")
def add_note(handoff_id: int, body: TextIn, agent: AgentDep, ctx: CtxDep) -> dict:
    return service.add_note(ctx, agent, handoff_id, body.text)


@router.post("/handoffs/{handoff_id}/transfer", summary="Reassign to another agent")
def transfer(handoff_id: int, body: TransferIn, agent: AgentDep, ctx: CtxDep) -> dict:
    return service.transfer(ctx, agent, handoff_id, body.agent_id)


@router.post("/handoffs/{handoff_id}/return", summary="AGENT → BOT, then the survey")
def return_to_bot(handoff_id: int, agent: AgentDep, ctx: CtxDep) -> dict:
    return service.end(ctx, agent, handoff_id, None)


@router.post("/handoffs/{handoff_id}/close", summary="AGENT → CLOSED, then the survey")
def close(handoff_id: int, body: CloseIn, agent: AgentDep, ctx: CtxDep) -> dict:
    return service.end(ctx, agent, handoff_id, body.disposition)


@router.get("/canned-replies", summary="Canned replies for the console")
def canned_replies(_agent: AgentDep, ctx: CtxDep) -> list[dict]:
    rows = ctx.db.scalars(select(CannedReply).order_by(CannedReply.position, CannedReply.id))
    return [{"id": r.id, "title": r.title, "text": r.text} for r in rows]


@router.get("/agents", summary="Agents, who is online; supervisors also see their load")
def list_agents(agent: AgentDep, ctx: CtxDep) -> list[dict]:
    online = queue.online_agent_ids(ctx.db, ctx.settings, ctx.clock.now())
    load = dict(
        ctx.db.execute(
            select(Handoff.assigned_agent_id, func.count())
            .where(Handoff.state == AGENT)
            .group_by(Handoff.assigned_agent_id)
        ).all()
    )
    result = []
    for row in ctx.db.scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.id)):
        item = {
            "id": row.id,
            "username": row.username,
            "display_name": row.display_name,
            "role": row.role,
            "online": row.id in online,
        }
        if agent.role == "supervisor":
            item["active_conversations"] = load.get(row.id, 0)
        result.append(item)
    return result


@router.get("/tickets", summary="Tickets, newest first")
def list_tickets(_agent: AgentDep, ctx: CtxDep, status: Optional[str] = "open") -> list[dict]:
    query = select(Ticket).order_by(Ticket.id.desc()).limit(500)
    if status:
        query = query.where(Ticket.status == status)
    return [ticket_view(t, ctx.settings.tz) for t in ctx.db.scalars(query)]


@router.patch("/tickets/{ticket_id}", summary="Supervisor: change a ticket's SLA class")
def change_ticket(ticket_id: int, body: TicketClassIn, _supervisor: SupervisorDep, ctx: CtxDep) -> dict:
    return service.change_sla_class(ctx, ticket_id, body.sla_class)
