"""Revision 0001 (2026-11-30): the handoff service's first schema, every table of handoff.models."""

from __future__ import annotations

from servicekit import migrations
from servicekit.migrations import BOOL, FLOAT, INT, JSON, SERIAL, TEXT, WHEN, cols, optional, references, string, table

revision, down_revision, branch_labels, depends_on = "0001", None, None, None
CASCADE = "CASCADE"


def tables() -> list:
    return [
        table(
            "agents",
            cols(id=SERIAL, username=string(64), display_name=string(64), role=string(16), password_hash=string(255)),
            cols(active=BOOL, created_at=WHEN),
            unique=["username"],
        ),
        table("canned_replies", cols(id=SERIAL, title=string(64), text=TEXT, position=INT), unique=["title"]),
        table(
            "handoffs",
            cols(id=SERIAL, sender_id=string(255), channel=string(32), state=string(8), customer=JSON),
            cols(reason=string(32), trigger=JSON, priority=INT, summary=TEXT, package=JSON),
            cols(assigned_agent_id=optional(INT), created_at=WHEN, queued_at=optional(WHEN)),
            cols(accepted_at=optional(WHEN), ended_at=optional(WHEN), disposition=optional(string(16))),
            cols(rating=optional(INT), rated_at=optional(WHEN), notified_position=optional(INT)),
            references(assigned_agent_id="agents.id"),
            index=["assigned_agent_id"],
            indexes={
                "ix_handoffs_sender_state": ["sender_id", "state"],
                "ix_handoffs_state_priority": ["state", "priority", "queued_at"],
            },
        ),
        table(
            "sessions",
            cols(token_hash=string(64), agent_id=INT, created_at=WHEN, expires_at=WHEN, last_seen_at=WHEN),
            references(agent_id="agents.id", ondelete=CASCADE),
            primary_key=("token_hash",),
            index=["agent_id"],
        ),
        table(
            "messages",
            cols(id=SERIAL, handoff_id=INT, role=string(16), text=TEXT, intent=optional(string(64))),
            cols(confidence=optional(FLOAT), sentiment=optional(JSON), agent_name=optional(string(64))),
            cols(message_id=optional(string(64)), at=WHEN),
            references(handoff_id="handoffs.id", ondelete=CASCADE),
            index=["handoff_id"],
        ),
        table(
            "notes",
            cols(id=SERIAL, handoff_id=INT, agent_id=INT, text=TEXT, created_at=WHEN),
            references(agent_id="agents.id") + references(handoff_id="handoffs.id", ondelete=CASCADE),
            index=["handoff_id"],
        ),
        table(
            "tickets",
            cols(id=SERIAL, number=optional(string(20)), handoff_id=INT, sla_class=string(16), status=string(16)),
            cols(created_at=WHEN, respond_by=WHEN, resolve_by=WHEN),
            references(handoff_id="handoffs.id", ondelete=CASCADE),
            unique=["handoff_id", "number"],
        ),
        table(
            "transfers",
            cols(id=SERIAL, handoff_id=INT, from_agent_id=optional(INT), to_agent_id=INT, by_agent_id=INT),
            cols(created_at=WHEN),
            references(by_agent_id="agents.id", from_agent_id="agents.id"),
            references(handoff_id="handoffs.id", ondelete=CASCADE) + references(to_agent_id="agents.id"),
            index=["handoff_id"],
        ),
        table(
            "ticket_messages",
            cols(id=SERIAL, ticket_id=INT, role=string(16), text=TEXT, created_at=WHEN),
            references(ticket_id="tickets.id", ondelete=CASCADE),
            index=["ticket_id"],
        ),
    ]


upgrade, downgrade = migrations.creating(tables)
