"""Revision 0004 (2026-12-02): the request_id of the package that opened a handoff.

``handoffs.request_id`` (nullable, the action server's idempotency key of the open: the
customer message that asked) lets a retried ``POST /api/handoffs`` whose answer was lost
recognise the handoff as its own (the answer names it). Older handoffs have none.
A plain ALTER TABLE, not a batch (see 0003: a batch on SQLite would drop ``handoffs``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0004", "0003", None, None


def upgrade() -> None:
    op.add_column("handoffs", sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("handoffs", "request_id")
