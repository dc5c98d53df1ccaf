"""POST /api/rasa-events as the relay delivers it: at least once, sometimes late.

A message_id is stored once per handoff (a redelivery after a lost acknowledgement, two
deliveries at the same moment), and a message relayed after the service was away lands
on the handoff that was open when the customer wrote it, even one ended since.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import text

from handoff import service
from servicekit.db import session_for

from .support import MONDAY_10


def _customer_texts(agent, handoff_id: int) -> list:
    detail = agent.get(f"/api/handoffs/{handoff_id}").json()
    return [m["text"] for m in detail["messages"] if m["role"] == "customer"]


def _at(minutes: float) -> float:
    """An event's timestamp: `minutes` after Monday 10:00 (when the env's clock starts)."""
    return (MONDAY_10 + timedelta(minutes=minutes)).timestamp()


def test_a_redelivered_message_is_stored_once(env):
    handoff = env.open()
    supervisor = env.login("zhou")
    sender = supervisor.get(f"/api/handoffs/{handoff['id']}").json()["sender_id"]
    first = env.event(sender, text="还要等多久", message_id="m-1", timestamp=_at(1))
    again = env.event(sender, text="还要等多久", message_id="m-1", timestamp=_at(1))
    other = env.event(sender, text="还要等多久", message_id="m-2", timestamp=_at(2))
    assert (first.json(), again.json(), other.json()) == ({"stored": True}, {"stored": False}, {"stored": True})
    assert _customer_texts(supervisor, handoff["id"]).count("还要等多久") == 2


def test_two_deliveries_at_the_same_moment_store_one_with_the_unique_index(env, monkeypatch):
    """Both pass the check before either commits: the database's unique index on
    (handoff_id, message_id) refuses the second, which answers stored=False, not 500."""
    handoff = env.open()
    supervisor = env.login("zhou")
    sender = supervisor.get(f"/api/handoffs/{handoff['id']}").json()["sender_id"]
    index = f"uq_test_messages_{uuid.uuid4().hex[:8]}"
    with session_for(env.settings.database_url) as db:
        db.execute(text(f"CREATE UNIQUE INDEX {index} ON messages (handoff_id, message_id)"))
        db.commit()
    try:
        monkeypatch.setattr(service, "_stored_already", lambda *args: False)  # the race: both see none
        first = env.event(sender, text="在吗", message_id="m-race", timestamp=_at(1))
        second = env.event(sender, text="在吗", message_id="m-race", timestamp=_at(1))
        assert (first.status_code, second.status_code) == (202, 202)
        assert (first.json(), second.json()) == ({"stored": True}, {"stored": False})
        assert _customer_texts(supervisor, handoff["id"]).count("在吗") == 1
    finally:
        with session_for(env.settings.database_url) as db:
            db.execute(text(f"DROP INDEX {index}"))
            db.commit()


def test_a_late_message_lands_on_the_handoff_open_when_it_was_written(env):
    wang = env.login("wang")
    first = env.open()
    sender = wang.get(f"/api/handoffs/{first['id']}").json()["sender_id"]
    env.clock.advance(minutes=5)
    assert wang.post(f"/api/handoffs/{first['id']}/accept").status_code == 200
    env.clock.advance(minutes=5)
    assert wang.post(f"/api/handoffs/{first['id']}/return").status_code == 200  # ended at 10:10
    env.clock.advance(minutes=20)
    second = env.open(sender_id=sender)  # 10:30
    assert second["id"] != first["id"]

    # relayed only now: written while queued (10:02), while the agent held it (10:07),
    # with the bot again (10:20), in the new queue entry (10:31)
    queued = env.event(sender, text="我还在排队", message_id="late-1", timestamp=_at(2))
    held = env.event(sender, text="好的谢谢", message_id="late-2", timestamp=_at(7))
    with_bot = env.event(sender, text="查物流", message_id="late-3", timestamp=_at(20))
    new = env.event(sender, text="又来了", message_id="late-4", timestamp=_at(31))
    stored = [r.json()["stored"] for r in (queued, held, with_bot, new)]
    assert stored == [True, True, False, True]
    supervisor = env.login("zhou")
    assert _customer_texts(supervisor, first["id"])[-2:] == ["我还在排队", "好的谢谢"]
    assert "又来了" in _customer_texts(supervisor, second["id"])
    assert "我还在排队" not in _customer_texts(supervisor, second["id"])


def test_a_message_without_a_time_goes_to_the_open_handoff(env):
    handoff = env.open()
    supervisor = env.login("zhou")
    sender = supervisor.get(f"/api/handoffs/{handoff['id']}").json()["sender_id"]
    assert env.event(sender, text="没有时间", message_id="m-none", timestamp=None).json() == {"stored": True}
    assert "没有时间" in _customer_texts(supervisor, handoff["id"])
