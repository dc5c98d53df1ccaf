"""Queue order, positions, ETA, and the updates a waiting customer receives."""

from __future__ import annotations

from contract.messages import QUEUE_UPDATE
from handoff.queue import eta_minutes
from handoff.settings import Settings


def test_order_is_priority_then_oldest(env):
    low = env.open(priority=0)
    env.clock.advance(seconds=30)
    high_late = env.open(priority=2)
    env.clock.advance(seconds=30)
    mid = env.open(priority=1)
    env.clock.advance(seconds=30)
    high_later = env.open(priority=2)
    wang = env.login("wang")
    queue = wang.get("/api/queue").json()
    assert [q["id"] for q in queue] == [high_late["id"], high_later["id"], mid["id"], low["id"]]
    assert [q["position"] for q in queue] == [1, 2, 3, 4]
    assert queue[-1]["waited_seconds"] == 90 and queue[0]["customer_name"] == "张伟"
    assert {"id", "customer_name", "channel", "reason", "priority", "waited_seconds", "position"} <= set(queue[0])


def test_eta_divides_by_agents_online(env):
    first, second, third = env.open(), env.open(), env.open()
    assert (first["eta_minutes"], second["eta_minutes"], third["eta_minutes"]) == (6, 12, 18)
    # what the bot tells the customer who joins, in the words of the later updates
    assert first["queue_message"] == "马上就轮到您了，预计等待约 6 分钟，请您稍候。"
    assert third["queue_message"] == "您前面还有 2 位，预计等待约 18 分钟，请您稍候。"
    env.login("wang"), env.login("li")
    fourth = env.open()
    assert fourth["queue_position"] == 4 and fourth["eta_minutes"] == 12  # 4 × 6 / 2


def test_eta_rounds_up():
    settings = Settings(avg_handle_minutes=5)
    assert eta_minutes(1, 2, settings) == 3
    assert eta_minutes(3, 0, settings) == 15


def test_positions_change_sends_queue_updates(env):
    first = env.open(sender_id="web-q1", priority=0)
    second = env.open(sender_id="web-q2", priority=0)
    third = env.open(sender_id="web-q3", priority=0)
    assert env.recorder.requests == []  # nobody moved yet: their answer told them their place
    wang = env.login("wang")
    wang.post(f"/api/handoffs/{first['id']}/accept")
    env.round()  # the updates go out in the background, not in the agent's request
    assert env.recorder.for_sender("web-q1") == []
    [to_second] = env.recorder.for_sender("web-q2")
    [to_third] = env.recorder.for_sender("web-q3")
    assert to_second.query["output_channel"] == "latest"
    # wang is online now: 1 agent, so position × 6 minutes.
    marker = {QUEUE_UPDATE: True}  # channels tell an update from an agent's reply
    second_text, third_text = (
        "马上就轮到您了，预计等待约 6 分钟，请您稍候。",
        "您前面还有 1 位，预计等待约 12 分钟，请您稍候。",
    )
    assert to_second.events == [{"event": "bot", "text": second_text, "metadata": marker}]
    assert to_third.events == [{"event": "bot", "text": third_text, "metadata": marker}]
    assert [q["id"] for q in wang.get("/api/queue").json()] == [second["id"], third["id"]]


def test_a_more_urgent_arrival_moves_others_back(env):
    env.open(sender_id="web-calm", priority=0)
    env.open(sender_id="web-vip", priority=2)
    env.round()
    assert env.recorder.bot_texts("web-vip") == []
    assert env.recorder.bot_texts("web-calm") == ["您前面还有 1 位，预计等待约 12 分钟，请您稍候。"]


def test_failed_update_is_tried_again_at_the_next_change(env):
    env.open(sender_id="web-a", priority=0)
    env.open(sender_id="web-b", priority=0)
    env.open(sender_id="web-c", priority=0)
    wang = env.login("wang")
    env.recorder.fail = True
    queue = wang.get("/api/queue").json()
    assert wang.post(f"/api/handoffs/{queue[0]['id']}/accept").status_code == 200
    env.round()
    assert env.recorder.requests == []
    env.recorder.fail = False
    env.open(sender_id="web-d", priority=0)  # a change that moves nobody ahead of b and c
    env.round()
    assert len(env.recorder.bot_texts("web-b")) == 1 and len(env.recorder.bot_texts("web-c")) == 1
    assert env.recorder.bot_texts("web-d") == []
