"""Login lockout, the password-check gate, and one open handoff or ticket per sender."""

from __future__ import annotations

from datetime import datetime

import anyio
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from handoff import service, texts
from handoff.limits import LoginGate
from handoff.models import Handoff, Ticket, TicketMessage
from servicekit.db import session_for
from servicekit.errors import ApiError

from .support import PASSWORD, SERVICE, SHANGHAI, package


def _login(env, username, password):
    return env.client.post("/api/auth/login", json={"username": username, "password": password})


def _fail(env, username, times):
    for _ in range(times):
        assert _login(env, username, "wrong-password").status_code == 401


# ----- login -----
def test_unknown_user_and_wrong_password_answer_alike(env):
    unknown, wrong = _login(env, "nobody", "whatever-1"), _login(env, "wang", "whatever-1")
    assert unknown.status_code == wrong.status_code == 401 and unknown.json() == wrong.json()


def test_four_failures_still_let_the_agent_in(env):
    _fail(env, "wang", 4)
    assert _login(env, "wang", PASSWORD).status_code == 200


def test_five_failures_lock_the_username_for_fifteen_minutes(env):
    _fail(env, "wang", 5)
    locked = _login(env, "wang", PASSWORD)  # even the right password
    assert locked.status_code == 429
    error = locked.json()["error"]
    assert error["code"] == "rate_limited" and 0 < error["retry_after"] <= 15 * 60
    assert error["message"] == texts.LOGIN_LOCKED.format(minutes=15)
    assert locked.cookies.get("handoff_session") is None
    env.clock.advance(minutes=14)
    assert _login(env, "wang", PASSWORD).status_code == 429
    env.clock.advance(minutes=1, seconds=1)
    assert _login(env, "wang", PASSWORD).status_code == 200


def test_an_unknown_username_locks_like_a_known_one(env):
    _fail(env, "nobody", 5)
    _fail(env, "wang", 5)
    unknown, known = _login(env, "nobody", "x-password"), _login(env, "wang", "x-password")
    assert unknown.status_code == known.status_code == 429 and unknown.json() == known.json()


def test_failures_spread_over_more_than_the_window_do_not_lock(env):
    for _ in range(5):
        _fail(env, "wang", 1)
        env.clock.advance(minutes=4)
    assert _login(env, "wang", PASSWORD).status_code == 200


@pytest.mark.settings(login_max_failures_per_address=6)
def test_one_address_trying_many_usernames_is_locked(env):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        _fail(env, name, 1)
    assert _login(env, "li", PASSWORD).status_code == 200  # five failures: still open
    _fail(env, "wang", 1)  # the sixth failure from this address
    assert _login(env, "li", PASSWORD).status_code == 429


def test_the_gate_refuses_logins_beyond_its_bound():
    async def scenario():
        gate = LoginGate(workers=1, max_pending=2)
        async with gate.slot(), gate.slot():
            with pytest.raises(ApiError) as refused:
                async with gate.slot():
                    pass
            assert refused.value.status == 429
        async with gate.slot():  # free again
            assert await gate.hash(sum, [1, 2]) == 3
        gate.shutdown()

    anyio.run(scenario)


# ----- flooding the queue -----
def _night(env):
    env.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI))


def _open(env, sender, text="转人工"):
    body = package(sender, reason="request_human", transcript=[{"role": "customer", "text": text}])
    return env.client.post("/api/handoffs", json=body, headers=SERVICE)


def _count(env, model, *where):
    with session_for(env.settings.database_url) as db:
        return db.scalar(select(func.count()).select_from(model).where(*where))


def test_asking_again_out_of_hours_puts_the_message_on_the_one_ticket(env):
    _night(env)
    first = _open(env, "web-night")
    assert first.status_code == 201
    for n in range(6):
        again = _open(env, "web-night", f"转人工！！第{n}次 13800138000")
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"] and again.json()["ticket"] == first.json()["ticket"]
    assert _count(env, Ticket) == 1 and _count(env, Handoff) == 1
    with session_for(env.settings.database_url) as db:
        texts_on_ticket = list(db.scalars(select(TicketMessage.text).order_by(TicketMessage.id)))
    assert len(texts_on_ticket) == 6 and texts_on_ticket[0] == "转人工！！第0次 138****8000"


def test_a_ticket_does_not_stop_a_queue_entry_in_business_hours(env):
    _night(env)
    assert _open(env, "web-both").status_code == 201
    env.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    queued = _open(env, "web-both")
    assert queued.status_code == 201 and queued.json()["state"] == "QUEUED"


@pytest.mark.settings(sender_max_handoffs=2, sender_handoff_window_minutes=60)
def test_opening_again_and_again_is_limited_per_sender(env):
    zhou = env.login("zhou")
    for _ in range(2):
        opened = _open(env, "web-busy")
        assert opened.status_code == 201
        assert zhou.post(f"/api/handoffs/{opened.json()['id']}/accept").status_code == 200
        assert zhou.post(f"/api/handoffs/{opened.json()['id']}/return").status_code == 200
        env.clock.advance(minutes=10)
    refused = _open(env, "web-busy")
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "rate_limited" and error["retry_after"] == 40 * 60
    assert error["message"] == texts.HANDOFF_RATE_LIMITED.format(minutes=40)
    assert _count(env, Handoff, Handoff.sender_id == "web-busy") == 2
    assert _open(env, "web-other").status_code == 201  # other senders are not affected
    env.clock.advance(minutes=40)
    assert _open(env, "web-busy").status_code == 201


def test_the_database_keeps_one_open_handoff_and_one_open_ticket_per_sender(env):
    env.open(sender_id="web-dup")
    with session_for(env.settings.database_url) as db:
        twin = Handoff(
            sender_id="web-dup",
            channel="rest",
            state="AGENT",
            customer={},
            reason="upset",
            trigger={},
            priority=0,
            summary="",
            package={},
            created_at=env.clock.now(),
        )
        db.add(twin)
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()
        twin.state = "BOT"  # an ended one is no second open one
        db.add(twin)
        db.commit()


def test_a_second_open_in_a_race_gets_the_first(env, monkeypatch):
    first = env.open(sender_id="web-race")
    real = service.active_handoff
    calls = []

    def late(db, sender_id):  # the race: the first look does not see the other request's row yet
        calls.append(sender_id)
        return None if len(calls) == 1 else real(db, sender_id)

    monkeypatch.setattr(service, "active_handoff", late)
    again = env.client.post("/api/handoffs", json=package("web-race"), headers=SERVICE)
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert _count(env, Handoff, Handoff.sender_id == "web-race") == 1


def test_a_second_ticket_in_a_race_gets_the_first(env, monkeypatch):
    _night(env)
    first = _open(env, "web-race-night").json()
    real = service.open_ticket_of
    calls = []

    def late(db, sender_id):
        calls.append(sender_id)
        return None if len(calls) == 1 else real(db, sender_id)

    monkeypatch.setattr(service, "open_ticket_of", late)
    again = _open(env, "web-race-night", "还在吗")
    assert again.status_code == 200 and again.json()["ticket"]["id"] == first["ticket"]["id"]
    assert _count(env, Ticket) == 1 and _count(env, TicketMessage) == 1
