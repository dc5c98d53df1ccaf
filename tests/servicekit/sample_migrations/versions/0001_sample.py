"""The sample service's schema, with servicekit's table helpers."""

from __future__ import annotations

from servicekit.migrations import INT, SERIAL, cols, creating, optional, references, string, table

revision, down_revision, branch_labels, depends_on = "0001", None, None, None


def tables() -> list:
    parents = table("parents", cols(id=SERIAL, name=string(32)), unique=["name"])
    children = table(
        "children",
        cols(id=SERIAL, parent_id=INT, note=optional(string(64))),
        references(parent_id="parents.id", ondelete="CASCADE"),
        index=["parent_id"],
    )
    return [parents, children]


upgrade, downgrade = creating(tables)
