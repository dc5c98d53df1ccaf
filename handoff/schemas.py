"""Request bodies (validated) and the few fixed response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_TEXT = 2000

# Text typed by a person: stripped, 1..2000 characters.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
Reason = Literal["upset", "low_confidence", "request_human", "complain", "errand_failed", "backend_down"]
State = Literal["BOT", "QUEUED", "AGENT", "CLOSED"]
Disposition = Literal["resolved", "unresolved", "duplicate", "spam"]


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
