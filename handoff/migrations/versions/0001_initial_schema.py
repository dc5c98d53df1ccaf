"""The handoff service's first schema: every table of handoff.models (revision 0001, 2026-11-30).

The tables are described once (``tables()``) with servicekit's helpers; upgrade creates
them in this order, downgrade drops them in reverse.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicekit.migrations import columns, create_tables, drop_tables, references, serial_id, strings, table

revision, down_revision, branch_labels, depends_on = "0001", None, None, None


def tables() -> list:
    text, when, number = sa.Text(), sa.DateTime(), sa.Integer()
    return [
        table(
            "agents",
            serial_id(),
            strings(username=64, display_name=64, role=16, password_hash=255),
            columns(sa.Boolean(), "active"),
            columns(when, "created_at"),
            unique=["username"],
        ),
        table(
            "canned_replies",
            serial_id(),
            strings(title=64),
            columns(text, "text"),
            columns(number, "position"),
            unique=["title"],
        ),
        table(
            "handoffs",
            serial_id(),
            strings(sender_id=255, channel=32, state=8),
            columns(sa.JSON(), "customer"),
            strings(reason=32),
            columns(sa.JSON(), "trigger"),
            columns(number, "priority"),
            columns(text, "summary"),
            columns(sa.JSON(), "package"),
            columns(number, "assigned_agent_id", nullable=True),
            columns(when, "created_at"),
            columns(when, "queued_at", "accepted_at", "ended_at", nullable=True),
            strings(disposition=16, nullable=True),
            columns(number, "rating", nullable=True),
            columns(when, "rated_at", nullable=True),
            columns(number, "notified_position", nullable=True),
            references(assigned_agent_id="agents.id"),
            index=["assigned_agent_id"],
            indexes={
                "ix_handoffs_sender_state": ["sender_id", "state"],
                "ix_handoffs_state_priority": ["state", "priority", "queued_at"],
            },
        ),
        table(
            "sessions",
            strings(token_hash=64),
            columns(number, "agent_id"),
            columns(when, "created_at", "expires_at", "last_seen_at"),
            references(agent_id="agents.id", ondelete="CASCADE"),
            primary_key=("token_hash",),
            index=["agent_id"],
        ),
        table(
            "messages",
            serial_id(),
            columns(number, "handoff_id"),
            strings(role=16),
            columns(text, "text"),
            strings(intent=64, nullable=True),
            columns(sa.Float(), "confidence", nullable=True),
            columns(sa.JSON(), "sentiment", nullable=True),
            strings(agent_name=64, message_id=64, nullable=True),
            columns(when, "at"),
            references(handoff_id="handoffs.id", ondelete="CASCADE"),
            index=["handoff_id"],
        ),
        table(
            "notes",
            serial_id(),
            columns(number, "handoff_id", "agent_id"),
            columns(text, "text"),
            columns(when, "created_at"),
            references(agent_id="agents.id"),
            references(handoff_id="handoffs.id", ondelete="CASCADE"),
            index=["handoff_id"],
        ),
        table(
            "tickets",
            serial_id(),
            strings(number=20, nullable=True),
            columns(number, "handoff_id"),
            strings(sla_class=16, status=16),
            columns(when, "created_at", "respond_by", "resolve_by"),
            references(handoff_id="handoffs.id", ondelete="CASCADE"),
            unique=["handoff_id", "number"],
        ),
        table(
            "transfers",
            serial_id(),
            columns(number, "handoff_id"),
            columns(number, "from_agent_id", nullable=True),
            columns(number, "to_agent_id", "by_agent_id"),
            columns(when, "created_at"),
            references(by_agent_id="agents.id", from_agent_id="agents.id"),
            references(handoff_id="handoffs.id", ondelete="CASCADE"),
            references(to_agent_id="agents.id"),
            index=["handoff_id"],
        ),
        table(
            "ticket_messages",
            serial_id(),
            columns(number, "ticket_id"),
            strings(role=16),
            columns(text, "text"),
            columns(when, "created_at"),
            references(ticket_id="tickets.id", ondelete="CASCADE"),
            index=["ticket_id"],
        ),
    ]


def upgrade() -> None:
    create_tables(tables())


def downgrade() -> None:
    drop_tables(tables())
