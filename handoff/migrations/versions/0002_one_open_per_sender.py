"""Revision 0002 (2026-12-02): one open handoff and one open ticket per sender, failed logins.

Partial unique indexes keep a sender to one QUEUED/AGENT handoff and one open ticket (the
ticket gets its sender's id for that); rows that already break the rule are settled first:
older duplicate open handoffs are closed as duplicates, older duplicate open tickets are
marked merged. ``login_failures`` counts failed console logins for the lockout.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from servicekit.migrations import SERIAL, WHEN, cols, string, table

revision, down_revision, branch_labels, depends_on = "0002", "0001", None, None

OPEN_HANDOFF = "state IN ('QUEUED', 'AGENT')"
OPEN_TICKET = "status = 'open'"


def login_failures():
    return table(
        "login_failures", cols(id=SERIAL, key=string(128), at=WHEN), indexes={"ix_login_failures_key_at": ["key", "at"]}
    )


def _partial_unique(name: str, table_name: str, column: str, where: str) -> None:
    op.create_index(
        name, table_name, [column], unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where)
    )


def upgrade() -> None:
    op.execute(
        "UPDATE handoffs SET state = 'CLOSED', disposition = 'duplicate' "
        f"WHERE {OPEN_HANDOFF} AND id < (SELECT MAX(h2.id) FROM handoffs h2 "
        "WHERE h2.sender_id = handoffs.sender_id AND h2.state IN ('QUEUED', 'AGENT'))"
    )
    _partial_unique("uq_handoffs_open_sender", "handoffs", "sender_id", OPEN_HANDOFF)

    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("sender_id", sa.String(length=255), nullable=True))
    op.execute("UPDATE tickets SET sender_id = (SELECT h.sender_id FROM handoffs h WHERE h.id = tickets.handoff_id)")
    op.execute(
        "UPDATE tickets SET status = 'merged' "
        f"WHERE {OPEN_TICKET} AND id < (SELECT MAX(t2.id) FROM tickets t2 "
        "WHERE t2.sender_id = tickets.sender_id AND t2.status = 'open')"
    )
    _partial_unique("uq_tickets_open_sender", "tickets", "sender_id", OPEN_TICKET)

    login_failures().create()


def downgrade() -> None:
    login_failures().drop()
    op.drop_index("uq_tickets_open_sender", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("sender_id")
    op.drop_index("uq_handoffs_open_sender", table_name="handoffs")
