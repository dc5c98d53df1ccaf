"""Request bodies and answers of the ticket endpoints (API.md, "Tickets")."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field

from .schemas import AssignedAgent, HandoffDetail, Text, TicketOut

SenderId = Field(min_length=1, max_length=255)


# ----- the customer's side (service key) -----
class LookupIn(BaseModel):
    sender_id: str = SenderId


class CustomerTicket(BaseModel):
    number: Optional[str]
    status: str
    status_label: str
    sla_class: str
    created_at: Optional[str]
    respond_by: Optional[str]
    resolve_by: Optional[str]
    latest_answer: Optional[str] = Field(description="The latest delivered answer of an agent, masked")
    latest_answer_at: Optional[str]


class LookupOut(BaseModel):
    tickets: list[CustomerTicket]


class CustomerMessageIn(BaseModel):
    sender_id: str = SenderId
    text: Text
    message_id: Optional[str] = Field(None, max_length=64, description="Rasa's id of the message: stored once")


class TicketMessageItem(BaseModel):
    id: int
    ticket_id: int
    ticket_number: Optional[str]
    role: str
    text: str
    at: Optional[str]
    agent_id: Optional[int] = None
    agent_name: Optional[str] = None
    delivery: Optional[str] = Field(None, description="An answer: pending | delivered | not_delivered")
    delivery_reason: Optional[str] = Field(None, description="Why not delivered (contract/delivery.py)")
    delivered_via: Optional[str] = Field(None, description="The answer's route (contract/tickets.py VIA_*)")


class CustomerMessageOut(BaseModel):
    stored: bool = Field(description="False: this message_id was on the ticket already")
    status: str = Field(description="The ticket's status after the message")
    status_label: str
    reopened: bool = Field(False, description="The message put an answered or resolved ticket back to work")
    message: TicketMessageItem


class Day(BaseModel):
    date: str
    working: bool
    name: Optional[str] = None


class BusinessHours(BaseModel):
    open_now: bool
    hours: str
    business_days: list[int]
    today: Day
    next_opening: Optional[str]
    upcoming: list[Day]


# ----- agents -----
class TicketItem(TicketOut):
    """One line of GET /api/tickets."""

    status_label: str
    channel: str
    customer_name: Optional[str]
    reason: str
    summary: str
    assigned_agent_id: Optional[int]
    assigned_agent: Optional[AssignedAgent]
    respond_seconds_left: Optional[int] = Field(description="Negative: overdue; null: not running")
    resolve_seconds_left: Optional[int]
    next_deadline: Optional[str] = Field(description="respond | resolve: the nearer running one")
    next_deadline_at: Optional[str]
    seconds_left: Optional[int]
    respond_alert: Optional[str] = Field(description="null | at_risk | breached")
    resolve_alert: Optional[str]
    reopened_count: int
    updated_at: Optional[str]
    first_response_at: Optional[str]
    resolved_at: Optional[str]
    closed_at: Optional[str]


class TicketEventOut(BaseModel):
    id: int
    kind: str
    detail: Optional[str]
    agent_id: Optional[int]
    agent_name: Optional[str]
    at: Optional[str]


class TicketDetail(TicketItem):
    messages: list[TicketMessageItem]
    events: list[TicketEventOut]
    handoff: HandoffDetail


class AnswerIn(BaseModel):
    text: Text


class AssignIn(BaseModel):
    agent_id: int = Field(ge=1, le=2**63 - 1)


class ClassStats(BaseModel):
    active: int = Field(description="Open, assigned or answered now")
    at_risk: int = Field(description="Active with a deadline at risk now")
    created: int = Field(description="Opened in the range")
    breached_respond: int = Field(description="Respond deadlines breached in the range")
    breached_resolve: int = Field(description="Resolve deadlines breached in the range")


class TicketStats(BaseModel):
    since: str
    until: str
    classes: dict[str, ClassStats]
