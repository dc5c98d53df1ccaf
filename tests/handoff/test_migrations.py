"""Alembic: up from an empty database, the schema matches the models, down and up again."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from handoff.db import MIGRATIONS
from handoff.models import Base
from servicekit.db import make_engine
from servicekit.testing import check_downgrade_and_up_again, check_upgrade_from_empty


def test_upgrade_from_empty(fresh_database_url):
    check_upgrade_from_empty(fresh_database_url, MIGRATIONS, Base.metadata)


def test_downgrade_and_up_again(fresh_database_url):
    check_downgrade_and_up_again(fresh_database_url, MIGRATIONS, Base.metadata)


def test_0003_keeps_rows_and_settles_duplicates(fresh_database_url):
    """Up from 0002 with rows: replies count as delivered, handoffs as in step with Rasa,
    duplicate Rasa message ids keep their first copy; down to 0002 and up again."""
    MIGRATIONS.upgrade(fresh_database_url, "0002")
    engine = make_engine(fresh_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(HANDOFF))
            for role, message_id in (("customer", "m1"), ("customer", "m1"), ("customer", None), ("agent", None)):
                conn.execute(
                    text("INSERT INTO messages (handoff_id, role, text, message_id, at) VALUES (1, :r, 'x', :m, :at)"),
                    {"r": role, "m": message_id, "at": datetime(2026, 12, 1)},
                )
        MIGRATIONS.upgrade(fresh_database_url, "0003")
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT id, role, message_id, delivery FROM messages ORDER BY id")).all()
            assert [(r.id, r.role, r.message_id, r.delivery) for r in rows] == [
                (1, "customer", "m1", None),
                (3, "customer", None, None),
                (4, "agent", None, "delivered"),
            ]
            assert conn.execute(text("SELECT rasa_synced, rasa_checked_at FROM handoffs")).one() == (True, None)
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text("INSERT INTO messages (handoff_id, role, text, message_id, at) VALUES (1, :r, 'y', 'm1', :at)"),
                {"r": "customer", "at": datetime(2026, 12, 1)},
            )
        MIGRATIONS.downgrade(fresh_database_url, "0002")
        assert "delivery" not in {c["name"] for c in inspect(engine).get_columns("messages")}
        assert "rasa_synced" not in {c["name"] for c in inspect(engine).get_columns("handoffs")}
        MIGRATIONS.upgrade(fresh_database_url)
    finally:
        engine.dispose()


def test_0004_adds_the_request_id_and_keeps_rows(fresh_database_url):
    """Up from 0003 with a handoff: its request_id is null, a new one is stored; down to 0003 and up again."""
    MIGRATIONS.upgrade(fresh_database_url, "0003")
    engine = make_engine(fresh_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(HANDOFF))
        MIGRATIONS.upgrade(fresh_database_url, "0004")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT id, request_id FROM handoffs")).one() == (1, None)
            conn.execute(text("UPDATE handoffs SET request_id = :r WHERE id = 1"), {"r": "m:" + "x" * 62})
            assert conn.execute(text("SELECT request_id FROM handoffs")).scalar_one() == "m:" + "x" * 62
        MIGRATIONS.downgrade(fresh_database_url, "0003")
        assert "request_id" not in {c["name"] for c in inspect(engine).get_columns("handoffs")}
        with engine.begin() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM handoffs")).scalar_one() == 1
        MIGRATIONS.upgrade(fresh_database_url)
    finally:
        engine.dispose()


HANDOFF = (
    "INSERT INTO handoffs (id, sender_id, channel, state, customer, reason, trigger, priority, summary, package, "
    "created_at) VALUES (1, 'web-1', 'socketio', 'AGENT', '{}', 'upset', '{}', 1, 's', '{}', '2026-12-01 00:00:00')"
)
