"""A ticket's life: opened at night, claimed, answered through Rasa, reopened by the customer,
resolved, closed when the reopen window passes; wrong steps answer 409 in Chinese."""

from __future__ import annotations

from datetime import datetime

import pytest

from contract import delivery, messages, tickets
from privacy import mask_text

from .support import SERVICE, SHANGHAI, package

ANSWER = "您好，您反映的物流问题已为您加急处理，预计明天送达。"


def _night_complaint(env, sender_id: str, channel: str = "socketio") -> dict:
    env.clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI))  # Monday night, after closing
    response = env.client.post(
        "/api/handoffs", json=package(sender_id, reason="complain", channel=channel), headers=SERVICE
    )
    assert response.status_code == 201, response.text
    return response.json()["ticket"]


def _morning(env, hour=9, minute=1):
    env.clock.set(datetime(2026, 12, 1, hour, minute, tzinfo=SHANGHAI))


def _write(env, number, sender_id, text, message_id=None):
    body = {"sender_id": sender_id, "text": text, "message_id": message_id}
    return env.client.post(f"/api/service/tickets/{number}/messages", json=body, headers=SERVICE)


def test_a_night_complaint_is_an_urgent_ticket_due_five_minutes_after_opening(env):
    ticket = _night_complaint(env, "web-night")
    assert ticket["sla_class"] == "urgent"
    assert ticket["respond_by"] == "2026-12-01T09:05:00+08:00"
    _morning(env)
    wang = env.login("wang")
    [item] = wang.get("/api/tickets").json()
    assert item["number"] == ticket["number"] and item["status"] == "open" and item["status_label"] == "待受理"
    assert item["next_deadline"] == "respond" and item["next_deadline_at"] == "2026-12-01T09:05:00+08:00"
    assert item["seconds_left"] == item["respond_seconds_left"] == 4 * 60
    assert item["resolve_seconds_left"] == (13 * 60 - 9 * 60 - 1) * 60
    assert item["assigned_agent"] is None and item["respond_alert"] is None


def test_claim_answer_delivered_with_the_ticket_metadata_and_the_slot(env):
    ticket = _night_complaint(env, "web-answer")
    _morning(env)
    wang = env.login("wang")
    claimed = wang.post(f"/api/tickets/{ticket['id']}/claim")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "assigned" and claimed.json()["assigned_agent"]["id"] == wang.id
    env.recorder.reset()
    answered = wang.post(f"/api/tickets/{ticket['id']}/answer", json={"text": ANSWER})
    assert answered.status_code == 201, answered.text
    message = answered.json()
    assert message["delivery"] == delivery.DELIVERED and message["delivery_reason"] is None
    assert message["delivered_via"] == tickets.VIA_WEBCHAT and message["text"] == ANSWER
    [request] = env.recorder.for_sender("web-answer")
    assert request.query["execute_side_effects"] == "true"
    bot, slot = request.events
    assert bot["event"] == "bot" and bot["data"]["custom"] == messages.agent_message(ANSWER, "小王")
    assert bot["metadata"] == {tickets.TICKET_ANSWER: ticket["number"]}
    assert slot == {"event": "slot", "name": "ticket_awaiting_message", "value": ticket["number"]}
    detail = wang.get(f"/api/tickets/{ticket['id']}").json()
    assert detail["status"] == "answered" and detail["first_response_at"] == "2026-12-01T09:01:00+08:00"
    assert detail["respond_seconds_left"] is None and detail["next_deadline"] == "resolve"
    assert [e["kind"] for e in detail["events"]] == ["created", "assigned", "answered"]
    assert detail["events"][2]["agent_name"] == "小王"
    assert detail["handoff"]["package"]["slots"] == {"order_id": "20261101000001"}
    assert detail["handoff"]["messages"][0]["text"] == "我的快递怎么还没到！"
    found = env.client.post("/api/service/tickets/lookup", json={"sender_id": "web-answer"}, headers=SERVICE).json()
    assert found["tickets"][0]["latest_answer"] == mask_text(ANSWER)
    assert found["tickets"][0]["status_label"] == "已答复，待客户回复"


def test_an_answer_rasa_did_not_take_is_shown_not_delivered_with_the_reason(env):
    ticket = _night_complaint(env, "wx-closed", channel="wechat")
    _morning(env)
    wang = env.login("wang")
    wang.post(f"/api/tickets/{ticket['id']}/claim")
    env.recorder.fail = True
    env.recorder.fail_message = "An unexpected error occurred. Error: not_delivered:wechat_window"
    answered = wang.post(f"/api/tickets/{ticket['id']}/answer", json={"text": ANSWER}).json()
    assert answered["delivery"] == delivery.NOT_DELIVERED
    assert answered["delivery_reason"] == delivery.WECHAT_WINDOW
    assert answered["delivered_via"] == tickets.VIA_CUSTOMER_SERVICE
    detail = wang.get(f"/api/tickets/{ticket['id']}").json()
    assert detail["status"] == "assigned" and detail["first_response_at"] is None  # the customer has nothing yet
    assert detail["messages"][-1]["delivery_reason"] == delivery.WECHAT_WINDOW
    env.recorder.fail = False
    again = wang.post(f"/api/tickets/{ticket['id']}/answer", json={"text": ANSWER}).json()
    assert again["delivery"] == delivery.DELIVERED
    assert wang.get(f"/api/tickets/{ticket['id']}").json()["status"] == "answered"


def test_the_customer_writing_back_reopens_an_answered_ticket(env):
    ticket = _night_complaint(env, "web-back")
    _morning(env)
    wang = env.login("wang")
    wang.post(f"/api/tickets/{ticket['id']}/claim")
    wang.post(f"/api/tickets/{ticket['id']}/answer", json={"text": ANSWER})
    env.clock.advance(hours=2)
    written = _write(env, ticket["number"], "web-back", "还是没收到，麻烦再看看", "m-back")
    assert written.status_code == 201 and written.json()["status"] == "assigned"
    detail = wang.get(f"/api/tickets/{ticket['id']}").json()
    assert detail["reopened_count"] == 1 and detail["assigned_agent"]["id"] == wang.id
    assert [e["kind"] for e in detail["events"]][-2:] == ["customer_wrote", "reopened"]


def test_resolved_reopens_within_the_window_and_closes_after_it(env):
    ticket = _night_complaint(env, "web-window")
    _morning(env)
    wang = env.login("wang")
    base = f"/api/tickets/{ticket['id']}"
    wang.post(f"{base}/claim")
    wang.post(f"{base}/answer", json={"text": ANSWER})
    assert wang.post(f"{base}/resolve").json()["status"] == "resolved"
    env.clock.advance(hours=71)
    reopened = _write(env, ticket["number"], "web-window", "又坏了", "m-1")
    assert reopened.status_code == 201 and reopened.json()["status"] == "assigned"
    wang = env.login("wang")  # days later: a new session
    assert wang.post(f"{base}/resolve").json()["status"] == "resolved"
    env.clock.advance(hours=72, minutes=1)
    assert env.watch() == {"alerts": 0, "closed": 1}
    wang = env.login("wang")
    detail = wang.get(base).json()
    assert detail["status"] == "closed" and detail["closed_at"] is not None
    assert detail["events"][-1]["kind"] == "closed" and detail["events"][-1]["detail"] == "reopen_window"
    late = _write(env, ticket["number"], "web-window", "还在吗", "m-2")
    assert late.status_code == 409 and late.json()["error"]["code"] == "ticket_closed"
    assert "关闭" in late.json()["error"]["message"]
    assert env.watch() == {"alerts": 0, "closed": 0}  # once


def test_a_resolved_ticket_past_the_window_closes_when_the_customer_writes(env):
    """The watcher has not come round yet: the message finds the window passed all the same."""
    ticket = _night_complaint(env, "web-late")
    _morning(env)
    wang = env.login("wang")
    wang.post(f"/api/tickets/{ticket['id']}/claim")
    wang.post(f"/api/tickets/{ticket['id']}/resolve")
    env.clock.advance(hours=73)
    assert _write(env, ticket["number"], "web-late", "你好").status_code == 409
    wang = env.login("wang")
    assert wang.get(f"/api/tickets/{ticket['id']}").json()["status"] == "closed"


@pytest.mark.parametrize(
    "steps,wrong,label",
    [
        ([], "answer", "待受理"),  # claim first
        ([], "resolve", "待受理"),
        (["claim"], "claim", "处理中"),
        (["claim", "close"], "answer", "已关闭"),
        (["claim", "close"], "resolve", "已关闭"),
        (["claim", "close"], "close", "已关闭"),
        (["claim"], "reopen", "处理中"),
    ],
)
def test_wrong_steps_answer_409_in_chinese(env, steps, wrong, label):
    ticket = _night_complaint(env, "web-wrong")
    _morning(env)
    zhou = env.login("zhou")  # a supervisor: every step is theirs to try
    base = f"/api/tickets/{ticket['id']}"
    for step in steps:
        assert zhou.post(f"{base}/{step}").status_code == 200, step
    body = {"text": ANSWER} if wrong == "answer" else None
    response = zhou.post(f"{base}/{wrong}", json=body)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "wrong_status" and label in error["message"] and "不能" in error["message"]


def test_agent_reopens_a_closed_ticket_and_the_sender_keeps_one_active(env):
    ticket = _night_complaint(env, "web-reopen")
    _morning(env)
    wang = env.login("wang")
    base = f"/api/tickets/{ticket['id']}"
    wang.post(f"{base}/claim")
    assert wang.post(f"{base}/close").json()["status"] == "closed"
    # the customer opens another ticket at night meanwhile
    env.clock.set(datetime(2026, 12, 1, 23, 0, tzinfo=SHANGHAI))
    second = env.client.post("/api/handoffs", json=package("web-reopen", reason="complain"), headers=SERVICE)
    assert second.status_code == 201 and second.json()["ticket"]["number"] != ticket["number"]
    wang = env.login("wang")
    refused = wang.post(f"{base}/reopen")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "sender_has_active_ticket"
    zhou = env.login("zhou")
    assert zhou.post(f"/api/tickets/{second.json()['ticket']['id']}/close").status_code == 200
    reopened = wang.post(f"{base}/reopen").json()
    assert reopened["status"] == "assigned" and reopened["reopened_count"] == 1


def test_an_off_hours_request_on_an_answered_ticket_adds_the_message(env):
    ticket = _night_complaint(env, "web-again")
    _morning(env)
    wang = env.login("wang")
    wang.post(f"/api/tickets/{ticket['id']}/claim")
    wang.post(f"/api/tickets/{ticket['id']}/answer", json={"text": ANSWER})
    env.clock.set(datetime(2026, 12, 1, 23, 0, tzinfo=SHANGHAI))
    wang = env.login("wang")
    body = package("web-again", reason="request_human")
    body["transcript"][0]["text"] = "晚上又想找人工"
    again = env.client.post("/api/handoffs", json=body, headers=SERVICE)
    assert again.status_code == 200 and again.json()["ticket"]["number"] == ticket["number"]
    detail = wang.get(f"/api/tickets/{ticket['id']}").json()
    assert detail["messages"][-1]["text"] == "晚上又想找人工" and detail["status"] == "assigned"


def test_list_filters_and_sorting(env):
    first = _night_complaint(env, "web-a")
    env.clock.set(datetime(2026, 11, 30, 23, 40, tzinfo=SHANGHAI))
    general = env.client.post("/api/handoffs", json=package("web-b", reason="request_human"), headers=SERVICE)
    _morning(env)
    zhou = env.login("zhou")
    listed = zhou.get("/api/tickets").json()
    assert [t["number"] for t in listed] == [first["number"], general.json()["ticket"]["number"]]  # 09:05 first
    assert [t["sla_class"] for t in zhou.get("/api/tickets?sla_class=general").json()] == ["general"]
    assert zhou.get("/api/tickets?status=closed").json() == []
    assert zhou.get("/api/tickets?status=nope").status_code == 422
