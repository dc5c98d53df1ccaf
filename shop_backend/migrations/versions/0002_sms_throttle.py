"""Revision 0002 (2026-12-02): SMS throttles; login-code rows for phones of no customer.

``sms_throttle_keys`` and ``sms_sends`` count the codes asked for per phone and per
requester; ``verification_codes.customer_id`` becomes optional (the row of a phone that
belongs to no customer, so that checks answer alike for every phone).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from servicekit.migrations import SERIAL, WHEN, cols, create_tables, drop_tables, string, table

revision, down_revision, branch_labels, depends_on = "0002", "0001", None, None


def tables() -> list:
    return [
        table(
            "sms_sends",
            cols(id=SERIAL, key=string(64), created_at=WHEN),
            indexes={"ix_sms_sends_key_created": ["key", "created_at"]},
        ),
        table("sms_throttle_keys", cols(key=string(64), used_at=WHEN), primary_key=("key",)),
    ]


def upgrade() -> None:
    create_tables(tables())
    with op.batch_alter_table("verification_codes", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.String(length=16), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM verification_codes WHERE customer_id IS NULL")
    with op.batch_alter_table("verification_codes", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.String(length=16), nullable=False)
    drop_tables(tables())
