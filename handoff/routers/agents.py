"""Agent endpoints (session cookie): the queue, conversations, replies, notes, labels (tickets: tickets.py)."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter

from contract import channels, delivery, tickets
from contract import handoff as contract

from .. import service
from ..deps import AgentDep, CtxDep, RowId
from ..schemas import (
    AgentStatus,
    CannedReplyOut,
    CloseIn,
    HandoffDetail,
    HandoffItem,
    Labels,
    MessageOut,
    NoteOut,
    QueueItem,
    State,
    TextIn,
    TransferIn,
)

router = APIRouter(prefix="/api", tags=["console"])


@router.get("/queue", response_model=list[QueueItem], summary="QUEUED handoffs in serving order")
def get_queue(_agent: AgentDep, ctx: CtxDep):
    return service.queue_items(ctx)


@router.get(
    "/handoffs", response_model=list[HandoffItem], summary="An agent: the queue and their own; a supervisor: all"
)
def list_handoffs(agent: AgentDep, ctx: CtxDep, state: Optional[State] = None):
    return service.list_handoffs(ctx, agent, state)


@router.get(
    "/handoffs/{handoff_id}", response_model=HandoffDetail, summary="Package, messages, notes, ticket, state, rating"
)
def get_handoff(handoff_id: RowId, agent: AgentDep, ctx: CtxDep):
    return service.detail(ctx, service.visible_handoff(ctx, agent, handoff_id))


@router.post(
    "/handoffs/{handoff_id}/accept", response_model=HandoffDetail, summary="QUEUED → AGENT, assigned to the caller"
)
def accept(handoff_id: RowId, agent: AgentDep, ctx: CtxDep):
    return service.accept(ctx, agent, handoff_id)


@router.post(
    "/handoffs/{handoff_id}/messages", status_code=201, response_model=MessageOut, summary="Reply to the customer"
)
def send_message(handoff_id: RowId, body: TextIn, agent: AgentDep, ctx: CtxDep):
    return service.send_reply(ctx, agent, handoff_id, body.text)


@router.post(
    "/handoffs/{handoff_id}/messages/{message_id}/resend",
    response_model=MessageOut,
    summary="Send a reply that was not delivered again",
)
def resend_message(handoff_id: RowId, message_id: RowId, agent: AgentDep, ctx: CtxDep):
    return service.resend(ctx, agent, handoff_id, message_id)


@router.post("/handoffs/{handoff_id}/notes", status_code=201, response_model=NoteOut, summary="Internal note")
def add_note(handoff_id: RowId, body: TextIn, agent: AgentDep, ctx: CtxDep):
    return service.add_note(ctx, agent, handoff_id, body.text)


@router.post("/handoffs/{handoff_id}/transfer", response_model=HandoffDetail, summary="Reassign to another agent")
def transfer(handoff_id: RowId, body: TransferIn, agent: AgentDep, ctx: CtxDep):
    return service.transfer(ctx, agent, handoff_id, body.agent_id)


@router.post("/handoffs/{handoff_id}/return", response_model=HandoffDetail, summary="AGENT → BOT, then the survey")
def return_to_bot(handoff_id: RowId, agent: AgentDep, ctx: CtxDep):
    return service.end(ctx, agent, handoff_id, None)


@router.post("/handoffs/{handoff_id}/close", response_model=HandoffDetail, summary="AGENT → CLOSED, then the survey")
def close(handoff_id: RowId, body: CloseIn, agent: AgentDep, ctx: CtxDep):
    return service.end(ctx, agent, handoff_id, body.disposition)


@router.get("/canned-replies", response_model=list[CannedReplyOut], summary="Canned replies for the console")
def canned_replies(_agent: AgentDep, ctx: CtxDep):
    return [CannedReplyOut(id=r.id, title=r.title, text=r.text) for r in service.canned_replies(ctx)]


@router.get(
    "/agents",
    response_model=list[AgentStatus],
    response_model_exclude_unset=True,
    summary="Agents, who is online; supervisors also see their load",
)
def list_agents(agent: AgentDep, ctx: CtxDep):
    return service.agent_statuses(ctx, agent)


LABELS = Labels(
    reasons=contract.REASON_LABELS,
    reasons_short=contract.REASON_SHORT_LABELS,
    states=contract.STATE_LABELS,
    dispositions=contract.DISPOSITION_LABELS,
    roles=contract.ROLE_LABELS,
    agent_roles=contract.AGENT_ROLE_LABELS,
    sentiments=contract.SENTIMENT_LABELS,
    channels=channels.CHANNEL_LABELS,
    delivery_reasons=delivery.REASON_LABELS,
    ticket_statuses=tickets.STATUS_LABELS,
    sla_classes=tickets.SLA_CLASS_LABELS,
    ticket_events=tickets.EVENT_LABELS,
    ticket_event_details=tickets.EVENT_DETAIL_LABELS,
    ticket_deadlines=tickets.DEADLINE_LABELS,
    delivered_via=tickets.VIA_LABELS,
)


@router.get("/labels", response_model=Labels, summary="Display labels of the API's codes, for the console")
def labels(_agent: AgentDep) -> Labels:
    """Chinese labels of handoff reasons, states, dispositions, transcript roles, agent roles,
    sentiments, channels, delivery reasons and ticket statuses, events, deadlines and routes, from the
    contract package (contract/handoff.py, contract/channels.py, contract/delivery.py, contract/tickets.py)."""
    return LABELS
