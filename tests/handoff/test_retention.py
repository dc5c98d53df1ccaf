"""python -m handoff purge: ended handoffs and tickets older than the retention are anonymised."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from handoff.models import Handoff, Message, Ticket, TicketMessage
from handoff.retention import purge
from servicekit.db import session_for

from .support import SERVICE, SHANGHAI, package


def test_purge_anonymises_only_what_ended_before_the_cutoff(env):
    zhou = env.login("zhou")
    old = env.open(sender_id="web-old")
    zhou.post(f"/api/handoffs/{old['id']}/accept")
    zhou.post(f"/api/handoffs/{old['id']}/close", json={"disposition": "resolved"})
    env.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI))
    ticket = env.client.post("/api/handoffs", json=package("web-night"), headers=SERVICE).json()
    env.client.post(f"/api/tickets/{ticket['ticket']['id']}/messages", json={"text": "请回电"}, headers=SERVICE)
    env.clock.set(datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI))  # 30½ days later, in business hours
    recent = env.open(sender_id="web-recent")  # queued now: never touched
    with session_for(env.settings.database_url) as db:
        counts = purge(db, env.clock.now(), days=30)
        assert (counts.handoffs, counts.tickets) == (2, 1)
        rows = {h.id: h for h in db.scalars(select(Handoff))}
        for gone in (old["id"], ticket["id"]):
            assert rows[gone].sender_id == f"purged-{gone}" and rows[gone].summary == ""
            assert rows[gone].customer == {} and rows[gone].package == {}
            assert db.scalar(select(func.count()).select_from(Message).where(Message.handoff_id == gone)) == 0
        assert rows[old["id"]].disposition == "resolved"  # the figures stay
        assert db.scalar(select(func.count()).select_from(TicketMessage)) == 0
        assert db.scalars(select(Ticket.status)).one() == "expired"
        assert rows[recent["id"]].sender_id == "web-recent" and rows[recent["id"]].summary
        assert purge(db, env.clock.now(), days=30).handoffs == 0  # again: nothing left


def test_the_purge_command(env, monkeypatch, capsys):
    from handoff.__main__ import main

    monkeypatch.setenv("HANDOFF_DATABASE_URL", env.settings.database_url)
    assert main(["purge", "--days", "30"]) == 0
    assert "anonymised 0 handoffs and 0 tickets older than 30 days" in capsys.readouterr().out
