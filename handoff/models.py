"""Database tables (SQLAlchemy 2). Times are naive UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, text, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from contract import tickets as ticket_contract
from servicekit.models import SerialId

# Who holds a conversation: contract.handoff.STATES.
ROLES = ("agent", "supervisor")

# One open handoff (QUEUED or AGENT) and one active ticket (open, assigned, answered) per sender, enforced by the
# database: partial unique indexes (a second open in a race fails and gets the first).
OPEN_HANDOFF = "state IN ('QUEUED', 'AGENT')"
OPEN_TICKET = "status IN (" + ", ".join(f"'{status}'" for status in ticket_contract.ACTIVE) + ")"
# Rasa's id of a message is stored once per handoff (a relayed copy fails and is dropped).
HAS_MESSAGE_ID = "message_id IS NOT NULL"


def partial_unique(name: str, columns: str | tuple[str, ...], where: str) -> Index:
    names = (columns,) if isinstance(columns, str) else columns
    return Index(name, *names, unique=True, sqlite_where=text(where), postgresql_where=text(where))


class Base(DeclarativeBase):
    pass


class HandoffPart(SerialId):
    """A row that belongs to one handoff (its second column) and goes with it."""

    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True, sort_order=-1)


class Agent(SerialId, Base):
    __tablename__ = "agents"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # agent | supervisor
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Session(Base):
    """A console login. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)

    agent: Mapped[Agent] = relationship()


class LoginFailure(SerialId, Base):
    """A failed console login, counted per username (``user:<name>``) and per client
    address (``addr:<ip>``) to lock either after too many (handoff.limits)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime)


class Handoff(SerialId, Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_sender_state", "sender_id", "state"),
        Index("ix_handoffs_state_priority", "state", "priority", "queued_at"),
        partial_unique("uq_handoffs_open_sender", "sender_id", OPEN_HANDOFF),
    )

    sender_id: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(8))
    customer: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    package: Mapped[dict[str, Any]] = mapped_column(JSON)  # slots, orders, the transcript as sent
    assigned_agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    queued_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    accepted_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(DateTime)  # returned to the bot or closed by an agent
    disposition: Mapped[Optional[str]] = mapped_column(String(16))
    rating: Mapped[Optional[int]] = mapped_column(Integer)
    rated_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    # The queue position the customer was last told; an update goes out when it changes.
    notified_position: Mapped[Optional[int]] = mapped_column(Integer)
    # Whether Rasa's tracker agrees with the state (paused while QUEUED/AGENT, resumed after):
    # false after an end whose resume has not reached Rasa yet (handoff.reconcile finishes it).
    rasa_synced: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # When the reconciler last saw Rasa's tracker paused for this open handoff (None: never).
    rasa_checked_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    # The package's request_id (the customer message that asked): a retried open names it again.
    request_id: Mapped[Optional[str]] = mapped_column(String(64))

    assigned_agent: Mapped[Optional[Agent]] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="handoff", order_by="(Message.at, Message.id)", cascade="all, delete-orphan"
    )
    notes: Mapped[list[Note]] = relationship(order_by="Note.id", cascade="all, delete-orphan")
    ticket: Mapped[Optional[Ticket]] = relationship(back_populates="handoff", cascade="all, delete-orphan")
    transfers: Mapped[list[Transfer]] = relationship(order_by="Transfer.id", cascade="all, delete-orphan")


class Message(HandoffPart, Base):
    __tablename__ = "messages"
    __table_args__ = (partial_unique("uq_messages_handoff_message_id", ("handoff_id", "message_id"), HAS_MESSAGE_ID),)

    role: Mapped[str] = mapped_column(String(16))  # customer | bot | agent | system
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[Optional[str]] = mapped_column(String(64))
    confidence: Mapped[Optional[float]] = mapped_column(Float)
    sentiment: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    agent_name: Mapped[Optional[str]] = mapped_column(String(64))
    # Rasa's id of a customer message: the broker's copy of a message the package
    # already carried is recognised and not stored twice.
    message_id: Mapped[Optional[str]] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    # An agent's reply: contract.delivery state (pending, delivered, not_delivered) and reason.
    delivery: Mapped[Optional[str]] = mapped_column(String(16))
    delivery_reason: Mapped[Optional[str]] = mapped_column(String(32))

    handoff: Mapped[Handoff] = relationship(back_populates="messages")


class Note(HandoffPart, Base):
    __tablename__ = "notes"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    agent: Mapped[Agent] = relationship()


class Ticket(SerialId, Base):
    """A 工单: opened instead of a queue entry outside business hours (life cycle: handoff/tickets.py)."""

    __tablename__ = "tickets"
    __table_args__ = (partial_unique("uq_tickets_open_sender", "sender_id", OPEN_TICKET),)

    number: Mapped[Optional[str]] = mapped_column(String(20), unique=True)  # GDyyyymmddNNNNNN
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), unique=True)
    sla_class: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ticket_contract.OPEN)  # contract.tickets.STATUSES
    # the handoff's sender, here so that the database keeps one active ticket per sender
    sender_id: Mapped[Optional[str]] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    respond_by: Mapped[datetime] = mapped_column(DateTime)
    resolve_by: Mapped[datetime] = mapped_column(DateTime)
    assigned_agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"), index=True)
    updated_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    first_response_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    closed_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the strongest alert raised per deadline: None | at_risk | breached (contract.tickets.ALERTS)
    respond_alert: Mapped[Optional[str]] = mapped_column(String(16))
    resolve_alert: Mapped[Optional[str]] = mapped_column(String(16))

    handoff: Mapped[Handoff] = relationship(back_populates="ticket")
    assigned_agent: Mapped[Optional[Agent]] = relationship()
    messages: Mapped[list[TicketMessage]] = relationship(
        order_by="TicketMessage.id", cascade="all, delete-orphan", back_populates="ticket"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        order_by="TicketEvent.id", cascade="all, delete-orphan", back_populates="ticket"
    )


class TicketMessage(SerialId, Base):
    __tablename__ = "ticket_messages"
    __table_args__ = (
        partial_unique("uq_ticket_messages_ticket_message_id", ("ticket_id", "message_id"), HAS_MESSAGE_ID),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # customer | agent
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"))
    # Rasa's id of a customer message: a retried or relayed copy is stored once per ticket
    message_id: Mapped[Optional[str]] = mapped_column(String(64))
    # an agent's answer: contract.delivery state and reason, and the route it took (contract.tickets.VIAS)
    delivery: Mapped[Optional[str]] = mapped_column(String(16))
    delivery_reason: Mapped[Optional[str]] = mapped_column(String(32))
    delivered_via: Mapped[Optional[str]] = mapped_column(String(32))

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    agent: Mapped[Optional[Agent]] = relationship()


class TicketEvent(SerialId, Base):
    """One step of a ticket's timeline (contract.tickets.EVENTS); the supervisors' figures count them."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_kind_at", "kind", "at"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[Optional[str]] = mapped_column(String(32))  # the deadline of an alert
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"))
    at: Mapped[datetime] = mapped_column(DateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    agent: Mapped[Optional[Agent]] = relationship()


class CsatRating(SerialId, Base):
    """A customer's satisfaction rating of a conversation, the bot's alone or a person's."""

    __tablename__ = "csat_ratings"

    sender_id: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(32))
    handled_by: Mapped[str] = mapped_column(String(16))  # contract.tickets.HANDLED_BY
    handoff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("handoffs.id", ondelete="SET NULL"))
    rating: Mapped[int] = mapped_column(Integer)  # 1..5
    intents: Mapped[list[str]] = mapped_column(JSON)  # intent names of the rated conversation
    # the rating message's id: a retried rating is stored once
    request_id: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class Transfer(HandoffPart, Base):
    __tablename__ = "transfers"

    from_agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"))
    to_agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    by_agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CannedReply(SerialId, Base):
    __tablename__ = "canned_replies"

    title: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
