"""Request bodies (validated) and response shapes (API.md; times are ISO 8601 strings)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contract import handoff as contract

MAX_TEXT = 2000

# Text typed by a person: stripped, 1..2000 characters.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
if TYPE_CHECKING:  # the values are the contract's; to a type checker they are strings
    Reason: TypeAlias = str
    State: TypeAlias = str
    Disposition: TypeAlias = str
else:
    Reason = Literal[contract.REASONS]
    State = Literal[contract.STATES]
    Disposition = Literal[contract.DISPOSITIONS]


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Customer(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: Optional[str] = Field(None, max_length=64)
    name: Optional[str] = Field(None, max_length=64)
    phone_masked: Optional[str] = Field(None, max_length=32)
    level: Optional[str] = Field(None, max_length=16)
    verified: bool = False


class Sentiment(BaseModel):
    model_config = ConfigDict(extra="allow")
    label: str = Field(max_length=16)
    score: float


class TranscriptTurn(BaseModel):
    role: Literal["customer", "bot", "agent"]
    # what the customer wrote, however long: stored cut to MAX_TEXT, never refused
    # (one 5,000-character message must not cost the customer their handoff)
    text: str
    at: Optional[datetime] = None
    intent: Optional[str] = Field(None, max_length=64)
    confidence: Optional[float] = Field(None, ge=0, le=1)
    sentiment: Optional[Sentiment] = None
    message_id: Optional[str] = Field(None, max_length=64, description="Rasa's id of a customer message")


class HandoffPackage(BaseModel):
    """POST /api/handoffs: the context the agent receives (DESIGN.md)."""

    sender_id: str = Field(min_length=1, max_length=255)
    channel: str = Field(min_length=1, max_length=32)
    customer: Customer = Field(default_factory=Customer)
    reason: Reason
    trigger: dict[str, Any] = Field(default_factory=dict)
    priority: int = Field(0, ge=0, le=2)
    summary: str = Field("", max_length=MAX_TEXT)
    transcript: list[TranscriptTurn] = Field(default_factory=list, max_length=500)
    slots: dict[str, Any] = Field(default_factory=dict)
    orders: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    # The customer message that asked (its Rasa message_id): the bot's retry of a timed-out
    # open sends the same one again.
    request_id: Optional[str] = Field(None, max_length=64, description="idempotency key of the open")


class RasaEvent(BaseModel):
    """One event as Rasa's event broker publishes it; unknown fields are kept and ignored."""

    model_config = ConfigDict(extra="allow")
    sender_id: str = Field(min_length=1, max_length=255)
    event: str = Field(min_length=1, max_length=64)
    timestamp: Optional[float] = None
    text: Optional[str] = None
    parse_data: Optional[dict[str, Any]] = None
    input_channel: Optional[str] = None
    metadata: Optional[dict[str, Any]] = None
    data: Optional[dict[str, Any]] = None


class RatingIn(BaseModel):
    rating: int = Field(ge=1, le=5)


class TextIn(BaseModel):
    text: Text


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TransferIn(BaseModel):
    agent_id: int


class CloseIn(BaseModel):
    disposition: Disposition


class TicketClassIn(BaseModel):
    sla_class: str = Field(min_length=1, max_length=16)


# ----- answers -----
class AgentOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str


class AgentStatus(AgentOut):
    """GET /api/agents: ``active_conversations`` for supervisors only (absent otherwise)."""

    online: bool
    active_conversations: Optional[int] = None


class LoggedOut(BaseModel):
    status: Literal["logged_out"] = "logged_out"


class MessageOut(BaseModel):
    id: int
    role: str
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    sentiment: Optional[dict[str, Any]]
    at: Optional[str]
    agent_name: Optional[str]
    delivery: Optional[str] = Field(None, description="An agent's reply: pending | delivered | not_delivered")
    delivery_reason: Optional[str] = Field(None, description="Why not delivered (contract/delivery.py)")


class NoteOut(BaseModel):
    id: int
    text: str
    agent_id: int
    agent_name: str
    at: Optional[str]


class TicketOut(BaseModel):
    id: int
    number: Optional[str]
    sla_class: str
    status: str
    handoff_id: int
    respond_by: Optional[str]
    resolve_by: Optional[str]
    created_at: Optional[str]


class TicketMessageOut(BaseModel):
    id: int
    ticket_id: int
    ticket_number: Optional[str]
    role: str
    text: str
    at: Optional[str]


class TicketWithMessages(TicketOut):
    messages: list[TicketMessageOut]


class AssignedAgent(BaseModel):
    id: int
    display_name: str


class HandoffItem(BaseModel):
    """One line of GET /api/handoffs."""

    id: int
    state: str
    sender_id: str
    channel: str
    customer_name: Optional[str]
    reason: str
    priority: int
    summary: str
    position: Optional[int]
    waited_seconds: int
    assigned_agent_id: Optional[int]
    assigned_agent: Optional[AssignedAgent]
    created_at: Optional[str]
    accepted_at: Optional[str]
    ended_at: Optional[str]
    ticket_number: Optional[str]


class QueueItem(HandoffItem):
    """One line of GET /api/queue."""

    eta_minutes: int


class TransferOut(BaseModel):
    from_agent_id: Optional[int]
    to_agent_id: int
    by_agent_id: int
    at: Optional[str]


class HandoffDetail(HandoffItem):
    """GET /api/handoffs/{id}, and the answer of accept, transfer, return and close."""

    package: dict[str, Any]
    messages: list[MessageOut]
    notes: list[NoteOut]
    ticket: Optional[TicketWithMessages]
    transfers: list[TransferOut]
    disposition: Optional[str]
    rating: Optional[int]


class CannedReplyOut(BaseModel):
    id: int
    title: str
    text: str


class OpenedTicket(BaseModel):
    id: int
    number: Optional[str]
    sla_class: str
    respond_by: Optional[str]
    resolve_by: Optional[str]


class HandoffOpened(BaseModel):
    """POST /api/handoffs: ``queue_message`` while QUEUED, ``business_hours`` with a ticket (absent otherwise)."""

    id: int
    state: str
    on_duty: bool
    queue_position: Optional[int]
    eta_minutes: Optional[int]
    ticket: Optional[OpenedTicket]
    queue_message: Optional[str] = None
    business_hours: Optional[str] = None
    # the request_id of the package that opened this handoff (None: it sent none): a retry whose
    # answer names its own request_id is told as new, another as "already waiting"
    request_id: Optional[str] = None


class Stored(BaseModel):
    stored: bool


class Rated(BaseModel):
    id: int
    rating: int


class Labels(BaseModel):
    """GET /api/labels: what the console shows for the API's codes (contract/handoff.py, channels.py, tickets.py)."""

    reasons: dict[str, str]
    reasons_short: dict[str, str]
    states: dict[str, str]
    dispositions: dict[str, str]
    roles: dict[str, str]
    agent_roles: dict[str, str]
    sentiments: dict[str, str]
    channels: dict[str, str]
    delivery_reasons: dict[str, str]
    ticket_statuses: dict[str, str]
    sla_classes: dict[str, str]
    ticket_events: dict[str, str]
    ticket_event_details: dict[str, str]
    ticket_deadlines: dict[str, str]
    delivered_via: dict[str, str]
