"""The sample service's schema, with servicekit's table helpers."""

from __future__ import annotations

import sqlalchemy as sa

from servicekit.migrations import columns, create_tables, drop_tables, references, serial_id, strings, table

revision, down_revision, branch_labels, depends_on = "0001", None, None, None


def tables() -> list:
    return [
        table("parents", serial_id(), strings(name=32), unique=["name"]),
        table(
            "children",
            serial_id(),
            columns(sa.Integer(), "parent_id"),
            strings(note=64, nullable=True),
            references(parent_id="parents.id", ondelete="CASCADE"),
            index=["parent_id"],
        ),
    ]


def upgrade() -> None:
    create_tables(tables())


def downgrade() -> None:
    drop_tables(tables())
