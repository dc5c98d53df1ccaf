"""Revision 0005 (2026-12-02): the ticket life cycle, its timeline, and satisfaction ratings.

``tickets`` gets its assignee, the times of its steps (updated, first response, resolved,
closed), how often it was reopened and the strongest alert raised per deadline
(``respond_alert`` / ``resolve_alert``: null, at_risk, breached). The one-ticket-per-sender
index now covers every active status (open, assigned, answered): it is dropped and made
again; existing rows keep their status (``open`` stays open). ``ticket_messages`` gets the
answering agent, Rasa's id of a customer message (once per ticket), and an answer's
delivery (contract/delivery.py) and route (contract/tickets.py ``VIA_*``).
``ticket_events`` is the timeline; ``csat_ratings`` the customers' ratings of conversations
(the bot's alone or a person's), a retried rating stored once by its ``request_id``.

Columns are added and dropped with plain ALTER TABLE, not a batch: on SQLite a batch copies
and drops the table, and with foreign keys on, dropping ``tickets`` would cascade to every
ticket message (see 0003).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from servicekit.migrations import INT, JSON, SERIAL, WHEN, cols, optional, references, string, table

revision, down_revision, branch_labels, depends_on = "0005", "0004", None, None

OPEN_ONLY = "status = 'open'"
ACTIVE = "status IN ('open', 'assigned', 'answered')"
HAS_MESSAGE_ID = "message_id IS NOT NULL"


def _partial_unique(name: str, table_name: str, columns: list[str], where: str) -> None:
    op.create_index(
        name, table_name, columns, unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where)
    )


def _add_agent_reference(table_name: str, column: str) -> None:
    """A nullable column referencing agents.id. SQLite adds it with an inline REFERENCES, which
    its ALTER TABLE allows but Alembic's add_column refuses (it would ask for a batch)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table_name} ADD COLUMN {column} INTEGER REFERENCES agents (id)")
    else:
        op.add_column(table_name, sa.Column(column, sa.Integer(), sa.ForeignKey("agents.id"), nullable=True))


def new_tables() -> list:
    return [
        table(
            "ticket_events",
            cols(id=SERIAL, ticket_id=INT, kind=string(32), detail=optional(string(32)), agent_id=optional(INT)),
            cols(at=WHEN),
            references(agent_id="agents.id") + references(ticket_id="tickets.id", ondelete="CASCADE"),
            index=["ticket_id"],
            indexes={"ix_ticket_events_kind_at": ["kind", "at"]},
        ),
        table(
            "csat_ratings",
            cols(id=SERIAL, sender_id=string(255), channel=string(32), handled_by=string(16)),
            cols(handoff_id=optional(INT), rating=INT, intents=JSON, request_id=optional(string(64)), created_at=WHEN),
            references(handoff_id="handoffs.id", ondelete="SET NULL"),
            unique=["request_id"],
            index=["created_at"],
        ),
    ]


def upgrade() -> None:
    _add_agent_reference("tickets", "assigned_agent_id")
    for column in ("updated_at", "first_response_at", "resolved_at", "closed_at"):
        op.add_column("tickets", sa.Column(column, sa.DateTime(), nullable=True))
    op.add_column("tickets", sa.Column("reopened_count", sa.Integer(), server_default="0", nullable=False))
    op.add_column("tickets", sa.Column("respond_alert", sa.String(length=16), nullable=True))
    op.add_column("tickets", sa.Column("resolve_alert", sa.String(length=16), nullable=True))
    op.create_index("ix_tickets_assigned_agent_id", "tickets", ["assigned_agent_id"])
    op.execute("UPDATE tickets SET updated_at = created_at")
    op.drop_index("uq_tickets_open_sender", table_name="tickets")
    _partial_unique("uq_tickets_open_sender", "tickets", ["sender_id"], ACTIVE)

    _add_agent_reference("ticket_messages", "agent_id")
    op.add_column("ticket_messages", sa.Column("message_id", sa.String(length=64), nullable=True))
    op.add_column("ticket_messages", sa.Column("delivery", sa.String(length=16), nullable=True))
    op.add_column("ticket_messages", sa.Column("delivery_reason", sa.String(length=32), nullable=True))
    op.add_column("ticket_messages", sa.Column("delivered_via", sa.String(length=32), nullable=True))
    _partial_unique(
        "uq_ticket_messages_ticket_message_id", "ticket_messages", ["ticket_id", "message_id"], HAS_MESSAGE_ID
    )

    for spec in new_tables():
        spec.create()


def downgrade() -> None:
    for spec in reversed(new_tables()):
        spec.drop()
    op.drop_index("uq_ticket_messages_ticket_message_id", table_name="ticket_messages")
    for column in ("delivered_via", "delivery_reason", "delivery", "message_id", "agent_id"):
        op.drop_column("ticket_messages", column)
    # Back to 0004's statuses: the index kept at most one active ticket per sender, so the
    # assigned and answered ones become open without a conflict.
    op.drop_index("uq_tickets_open_sender", table_name="tickets")
    op.execute("UPDATE tickets SET status = 'open' WHERE status IN ('assigned', 'answered')")
    _partial_unique("uq_tickets_open_sender", "tickets", ["sender_id"], OPEN_ONLY)
    op.drop_index("ix_tickets_assigned_agent_id", table_name="tickets")
    for column in (
        "resolve_alert",
        "respond_alert",
        "reopened_count",
        "closed_at",
        "resolved_at",
        "first_response_at",
        "updated_at",
        "assigned_agent_id",
    ):
        op.drop_column("tickets", column)
