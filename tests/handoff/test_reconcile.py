"""The reconciler: Rasa's pause repaired from the handoff's state (recording fake Rasa)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contract.messages import QUEUE_UPDATE
from handoff import texts
from handoff.models import Handoff

from .support import poll


def _row(env, handoff_id: int) -> Handoff:
    with env.app.state.sessionmaker() as db:
        return db.scalars(select(Handoff).where(Handoff.id == handoff_id)).one()


def _past_grace(env) -> None:
    env.clock.advance(seconds=env.settings.reconcile_grace_seconds + 1)


def test_a_queued_handoff_whose_rasa_never_paused_is_paused_and_the_customer_told(env):
    # the action timed out after the service stored the handoff: no pause, "unavailable" said
    handoff = env.open(sender_id="web-lost-pause")
    assert env.round() == {"paused": 0, "resumed": 0}  # within the grace: the action's own pause
    _past_grace(env)
    assert env.round()["paused"] == 1
    [request] = env.recorder.for_sender("web-lost-pause")
    assert request.events[0] == {"event": "pause"}
    assert request.events[1] == {"event": "bot", "text": handoff["queue_message"], "metadata": {QUEUE_UPDATE: True}}
    assert env.recorder.paused["web-lost-pause"] is True
    reads = len(env.recorder.tracker_reads)
    assert env.round() == {"paused": 0, "resumed": 0}
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
    poll(lambda: env.recorder.holding >= 1, "the queue update to web-h2 reaches (hanging) Rasa")
    # the accept has answered while Rasa still holds the update: nothing has been taken yet
    assert env.recorder.for_sender("web-h2") == []
    env.recorder.release()
    [update] = poll(lambda: env.recorder.bot_events("web-h2"), "the queue update is taken")
    assert update["metadata"] == {QUEUE_UPDATE: True} and update["text"] == texts.queue_text(1, 6)
