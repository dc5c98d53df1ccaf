"""Revision 0003 (2026-12-02): Rasa kept in step with the handoff, delivery of agent replies.

``handoffs.rasa_synced`` (false while an end's resume has not reached Rasa) and
``handoffs.rasa_checked_at`` (when the reconciler last saw Rasa's tracker paused) let the
reconciler (handoff/reconcile.py) touch only what needs repair. ``messages.delivery`` and
``delivery_reason`` (contract/delivery.py) tell the agent whether a reply arrived; replies
stored before are taken as delivered (they were stored only after Rasa took them). Rasa's
id of a message is kept once per handoff (a partial unique index); older duplicates are
removed first, the earliest copy stays.

Columns are added and dropped with plain ALTER TABLE, not a batch: on SQLite a batch copies
and drops the table, and with foreign keys on, dropping ``handoffs`` would cascade to every
message.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0003", "0002", None, None

HAS_MESSAGE_ID = "message_id IS NOT NULL"


def upgrade() -> None:
    op.add_column("handoffs", sa.Column("rasa_synced", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("handoffs", sa.Column("rasa_checked_at", sa.DateTime(), nullable=True))
    op.add_column("messages", sa.Column("delivery", sa.String(length=16), nullable=True))
    op.add_column("messages", sa.Column("delivery_reason", sa.String(length=32), nullable=True))
    op.execute("UPDATE messages SET delivery = 'delivered' WHERE role = 'agent'")
    op.execute(
        f"DELETE FROM messages WHERE {HAS_MESSAGE_ID} AND id > (SELECT MIN(m2.id) FROM messages m2 "
        "WHERE m2.handoff_id = messages.handoff_id AND m2.message_id = messages.message_id)"
    )
    op.create_index(
        "uq_messages_handoff_message_id",
        "messages",
        ["handoff_id", "message_id"],
        unique=True,
        sqlite_where=sa.text(HAS_MESSAGE_ID),
        postgresql_where=sa.text(HAS_MESSAGE_ID),
    )


def downgrade() -> None:
    op.drop_index("uq_messages_handoff_message_id", table_name="messages")
    for table_name, column in (
        ("messages", "delivery_reason"),
        ("messages", "delivery"),
        ("handoffs", "rasa_checked_at"),
        ("handoffs", "rasa_synced"),
    ):
        op.drop_column(table_name, column)
