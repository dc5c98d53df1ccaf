"""The reconciler: Rasa's pause repaired from the handoff's state, customer messages only the
tracker holds caught up (recording fake Rasa)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from contract.messages import QUEUE_UPDATE
from devtools.waiting import wait_until
from handoff import texts
from handoff.app import create_app
from handoff.models import Handoff

from .support import MONDAY_10


def _row(env, handoff_id: int) -> Handoff:
    with env.app.state.sessionmaker() as db:
        return db.scalars(select(Handoff).where(Handoff.id == handoff_id)).one()


def _past_grace(env) -> None:
    env.clock.advance(seconds=env.settings.reconcile_grace_seconds + 1)


def test_a_queued_handoff_whose_rasa_never_paused_is_paused_and_the_customer_told(env):
    # the action timed out after the service stored the handoff: no pause, "unavailable" said
    handoff = env.open(sender_id="web-lost-pause")
    assert env.round() == {"paused": 0, "caught_up": 0, "resumed": 0}  # within the grace: the action's own pause
    _past_grace(env)
    assert env.round()["paused"] == 1
    [request] = env.recorder.for_sender("web-lost-pause")
    assert request.events[0] == {"event": "pause"}
    assert request.events[1] == {"event": "bot", "text": handoff["queue_message"], "metadata": {QUEUE_UPDATE: True}}
    assert env.recorder.paused["web-lost-pause"] is True
    reads = len(env.recorder.tracker_reads)
    assert env.round() == {"paused": 0, "caught_up": 0, "resumed": 0}
    assert len(env.recorder.tracker_reads) == reads  # checked once: a healthy system makes no calls


def test_a_paused_conversation_is_only_read(env):
    env.recorder.paused["web-fine"] = True
    env.open(sender_id="web-fine")
    _past_grace(env)
    assert env.round()["paused"] == 0
    assert env.recorder.tracker_reads == ["web-fine"] and env.recorder.for_sender("web-fine") == []


def test_an_agent_conversation_unpaused_later_is_paused_again_at_the_recheck(env):
    # e.g. Rasa's session expiry or /restart reset the pause while a person holds it
    env.recorder.paused["web-expired"] = True
    handoff = env.open(sender_id="web-expired")
    assert env.login("wang").post(f"/api/handoffs/{handoff['id']}/accept").status_code == 200
    _past_grace(env)
    env.round()
    env.recorder.paused["web-expired"] = False
    env.round()
    assert env.recorder.for_sender("web-expired") == []  # not due yet
    env.clock.advance(minutes=env.settings.reconcile_recheck_minutes)
    assert env.round()["paused"] == 1
    [request] = env.recorder.for_sender("web-expired")
    assert request.events == [{"event": "pause"}]  # a person holds it: no queue text


def test_an_end_whose_resume_failed_is_resumed_by_the_reconciler(env):
    env.recorder.paused["web-end"] = True
    handoff = env.open(sender_id="web-end")
    wang = env.login("wang")
    assert wang.post(f"/api/handoffs/{handoff['id']}/accept").status_code == 200
    env.recorder.fail = True
    response = wang.post(f"/api/handoffs/{handoff['id']}/return")
    assert response.status_code == 200 and response.json()["state"] == "BOT"
    assert _row(env, handoff["id"]).rasa_synced is False
    _past_grace(env)
    env.round()  # Rasa still down: tried again next round
    assert _row(env, handoff["id"]).rasa_synced is False
    env.recorder.fail = False
    assert env.round()["resumed"] == 1
    [request] = env.recorder.for_sender("web-end")
    assert request.events[0] == {"event": "resume"} and request.events[-1]["text"] == texts.SURVEY
    assert env.recorder.paused["web-end"] is False and _row(env, handoff["id"]).rasa_synced is True
    assert env.round()["resumed"] == 0


def test_an_end_that_reached_rasa_is_synced_at_once(env):
    env.recorder.paused["web-end-ok"] = True
    handoff = env.open(sender_id="web-end-ok")
    wang = env.login("wang")
    wang.post(f"/api/handoffs/{handoff['id']}/accept")
    assert wang.post(f"/api/handoffs/{handoff['id']}/close", json={"disposition": "resolved"}).status_code == 200
    assert _row(env, handoff["id"]).rasa_synced is True and env.recorder.paused["web-end-ok"] is False


def test_no_resume_over_a_newer_handoff_of_the_sender(env):
    env.recorder.paused["web-again"] = True
    first = env.open(sender_id="web-again")
    wang = env.login("wang")
    wang.post(f"/api/handoffs/{first['id']}/accept")
    env.recorder.fail = True
    wang.post(f"/api/handoffs/{first['id']}/return")
    env.recorder.fail = False
    env.open(sender_id="web-again")  # the customer asked for a person again: paused again
    _past_grace(env)
    env.round()
    assert all(e != {"event": "resume"} for r in env.recorder.for_sender("web-again") for e in r.events)
    assert _row(env, first["id"]).rasa_synced is True


@pytest.mark.settings(rasa_timeout_seconds=60)
def test_accept_answers_while_rasa_hangs_and_the_queue_updates_follow(env):
    first = env.open(sender_id="web-h1", priority=0)
    env.open(sender_id="web-h2", priority=0)
    wang = env.login("wang")
    env.round()
    env.recorder.hold()
    assert wang.post(f"/api/handoffs/{first['id']}/accept").status_code == 200
    wait_until(lambda: env.recorder.holding >= 1, "the queue update to web-h2 reaches (hanging) Rasa")
    # the accept has answered while Rasa still holds the update: nothing has been taken yet
    assert env.recorder.for_sender("web-h2") == []
    env.recorder.release()
    [update] = wait_until(lambda: env.recorder.bot_events("web-h2"), "the queue update is taken")
    assert update["metadata"] == {QUEUE_UPDATE: True} and update["text"] == texts.queue_text(1, 6)


# ----- catch-up: customer messages only Rasa's tracker holds -----
def _at(minutes: float) -> float:
    """A tracker event's timestamp: `minutes` after Monday 10:00 (when the env's clock starts)."""
    return (MONDAY_10 + timedelta(minutes=minutes)).timestamp()


def _user(text: str, message_id: str, minutes: float) -> dict:
    parse = {"intent": {"name": "chitchat", "confidence": 0.8}, "entities": [{"entity": "phone"}]}
    return {"event": "user", "text": text, "message_id": message_id, "timestamp": _at(minutes), "parse_data": parse}


def _messages(env, handoff_id: int, role: str) -> list[dict]:
    detail = env.login("zhou").get(f"/api/handoffs/{handoff_id}").json()
    return [m for m in detail["messages"] if m["role"] == role]


def test_messages_only_the_tracker_holds_are_caught_up_once_in_order(env, monkeypatch):
    sender = "web-catch-up"
    hub, pushed = env.app.state.reconciler.hub, []
    publish = hub.publish

    async def recording(event, *args):
        pushed.append(event)
        return await publish(event, *args)

    monkeypatch.setattr(hub, "publish", recording)
    env.recorder.paused[sender] = True
    handoff = env.open(sender_id=sender)  # Monday 10:00
    env.recorder.events[sender] = [
        _user("开始前说的", "m-before", -10),  # long before the handoff: the package's business
        _user("第二条 我的手机13812345678", "m-2", 2),  # listed before m-1: stored in timestamp order
        _user("第一条", "m-1", 1),
        {"event": "bot", "text": "您前面还有 1 位。", "timestamp": _at(1.5), "metadata": {QUEUE_UPDATE: True}},
        {"event": "bot", "text": "请稍等", "timestamp": _at(2.5)},
        {"event": "user", "text": "没有编号", "timestamp": _at(3)},  # no message_id: not told from a copy
        _user("已转发的", "m-3", 4),
    ]
    assert env.event(sender, text="已转发的", message_id="m-3", timestamp=_at(4)).json() == {"stored": True}
    _past_grace(env)
    assert env.round() == {"paused": 0, "caught_up": 2, "resumed": 0}
    customer = _messages(env, handoff["id"], "customer")
    texts_seen = [m["text"] for m in customer]
    assert texts_seen[-3:] == ["第一条", "第二条 我的手机138****5678", "已转发的"]
    assert "开始前说的" not in texts_seen and "没有编号" not in texts_seen
    assert customer[-3]["intent"] == "chitchat" and customer[-3]["at"] == "2026-11-30T10:01:00+08:00"
    assert customer[-3]["id"] < customer[-2]["id"], "stored in the order they were written"
    caught = [e["message"]["text"] for e in pushed if e["type"] == "message" and e["handoff_id"] == handoff["id"]]
    assert caught[-2:] == ["第一条", "第二条 我的手机138****5678"], "shown to the consoles at once"
    assert [m["text"] for m in _messages(env, handoff["id"], "bot")] == ["非常抱歉，我帮您转人工客服。"]
    # the relay delivers the same message late: stored once
    assert env.event(sender, text="第一条", message_id="m-1", timestamp=_at(1)).json() == {"stored": False}
    # the next read (at the recheck) finds nothing new: one tracker read per open handoff per recheck
    reads = len(env.recorder.tracker_reads)
    assert env.round()["caught_up"] == 0 and len(env.recorder.tracker_reads) == reads
    env.clock.advance(minutes=env.settings.reconcile_recheck_minutes)
    assert env.round() == {"paused": 0, "caught_up": 0, "resumed": 0}
    assert env.recorder.tracker_reads[reads:] == [sender]
    assert [m["text"] for m in _messages(env, handoff["id"], "customer")] == texts_seen


def test_a_message_written_later_is_caught_up_at_the_recheck_with_the_pause(env):
    # the session expired while an agent held it: the pause is gone and the outbox refused the message
    sender = "web-catch-up-drift"
    env.recorder.paused[sender] = True
    handoff = env.open(sender_id=sender)
    _past_grace(env)
    env.round()
    env.recorder.paused[sender] = False
    env.recorder.events.setdefault(sender, []).append(_user("人呢？", "m-late", 3))
    env.clock.advance(minutes=env.settings.reconcile_recheck_minutes)
    reads = len(env.recorder.tracker_reads)
    assert env.round() == {"paused": 1, "caught_up": 1, "resumed": 0}
    assert env.recorder.tracker_reads[reads:] == [sender]  # one read served both
    assert _messages(env, handoff["id"], "customer")[-1]["text"] == "人呢？"


def test_after_a_restart_every_open_handoff_is_read_once_and_caught_up(env):
    sender = "web-catch-up-restart"
    env.recorder.paused[sender] = True
    handoff = env.open(sender_id=sender)
    _past_grace(env)
    env.round()  # checked: not due again before the recheck
    env.client.portal.call(env.app.state.reconciler.stop)  # the service goes away
    env.recorder.events[sender] = [_user("你们在吗", "m-away", 1)]  # written meanwhile, only in the tracker
    env.clock.advance(seconds=1)
    reads = len(env.recorder.tracker_reads)
    app = create_app(env.settings, clock=env.clock)
    try:
        with TestClient(app) as client:
            wait_until(lambda: app.state.reconciler.rounds >= 1, "the first round after the start")
            client.portal.call(app.state.reconciler.round)
            assert env.recorder.tracker_reads[reads:] == [sender]  # the first round read it; no more
    finally:
        app.state.engine.dispose()
    assert _messages(env, handoff["id"], "customer")[-1]["text"] == "你们在吗"
