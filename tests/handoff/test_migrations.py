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


def test_0005_keeps_open_tickets_open_and_adds_the_life_cycle(fresh_database_url):
    """Up from 0004 with an open ticket and its message: still open, nothing raised, never
    reopened; one active ticket per sender over open, assigned and answered; a rating stored
    once per request_id; down to 0004 (an assigned ticket open again) and up again."""
    MIGRATIONS.upgrade(fresh_database_url, "0004")
    engine = make_engine(fresh_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(HANDOFF))
            conn.execute(text(TICKET), {"id": 1, "handoff_id": 1, "number": "GD20261201000001", "status": "open"})
            conn.execute(
                text(
                    "INSERT INTO ticket_messages (ticket_id, role, text, created_at) VALUES (1, 'customer', 'x', :at)"
                ),
                {"at": datetime(2026, 12, 1)},
            )
        MIGRATIONS.upgrade(fresh_database_url, "0005")
        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT status, reopened_count, respond_alert, resolve_alert, updated_at, created_at FROM tickets")
            ).one()
            assert row[:4] == ("open", 0, None, None) and row.updated_at == row.created_at
            assert conn.execute(text("SELECT delivery, message_id FROM ticket_messages")).one() == (None, None)
            conn.execute(text("UPDATE tickets SET status = 'assigned' WHERE id = 1"))
        # a second handoff of the same sender: its ticket may not be active beside the first
        with engine.begin() as conn:
            conn.execute(text(HANDOFF.replace("VALUES (1,", "VALUES (2,").replace("'AGENT'", "'CLOSED'")))
        for status in ("open", "answered"):
            with pytest.raises(IntegrityError), engine.begin() as conn:
                conn.execute(text(TICKET), {"id": 2, "handoff_id": 2, "number": "GD20261201000002", "status": status})
        with engine.begin() as conn:
            conn.execute(text(TICKET), {"id": 2, "handoff_id": 2, "number": "GD20261201000002", "status": "closed"})
            conn.execute(text(EVENT))
        with engine.begin() as conn:
            conn.execute(text(RATING), {"request_id": "m-1"})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(RATING), {"request_id": "m-1"})
        MIGRATIONS.downgrade(fresh_database_url, "0004")
        assert "assigned_agent_id" not in {c["name"] for c in inspect(engine).get_columns("tickets")}
        assert "delivery" not in {c["name"] for c in inspect(engine).get_columns("ticket_messages")}
        assert not {"ticket_events", "csat_ratings"} & set(inspect(engine).get_table_names())
        with engine.begin() as conn:
            assert conn.execute(text("SELECT id, status FROM tickets ORDER BY id")).all() == [
                (1, "open"),
                (2, "closed"),
            ]
            assert conn.execute(text("SELECT COUNT(*) FROM ticket_messages")).scalar_one() == 1
        MIGRATIONS.upgrade(fresh_database_url)
    finally:
        engine.dispose()


TICKET = (
    "INSERT INTO tickets (id, number, handoff_id, sla_class, status, sender_id, created_at, respond_by, resolve_by) "
    "VALUES (:id, :number, :handoff_id, 'urgent', :status, 'web-1', '2026-12-01 00:00:00', '2026-12-01 01:05:00', "
    "'2026-12-01 05:00:00')"
)
EVENT = (
    "INSERT INTO ticket_events (ticket_id, kind, detail, at) VALUES (1, 'breached', 'respond', '2026-12-01 02:00:00')"
)
RATING = (
    "INSERT INTO csat_ratings (sender_id, channel, handled_by, rating, intents, request_id, created_at) "
    "VALUES ('web-1', 'socketio', 'bot', 5, '[\"greet\"]', :request_id, '2026-12-01 02:00:00')"
)
HANDOFF = (
    "INSERT INTO handoffs (id, sender_id, channel, state, customer, reason, trigger, priority, summary, package, "
    "created_at) VALUES (1, 'web-1', 'socketio', 'AGENT', '{}', 'upset', '{}', 1, 's', '{}', '2026-12-01 00:00:00')"
)
