"""The customer's side of tickets (service key): lookup, messages onto a ticket, bad input."""

from __future__ import annotations

from datetime import datetime

from privacy import mask_text

from .support import SERVICE, SHANGHAI, package

PHONE = "13812345678"


def _night_ticket(env, sender_id: str, reason: str = "complain") -> dict:
    env.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI))
    response = env.client.post("/api/handoffs", json=package(sender_id, reason=reason), headers=SERVICE)
    assert response.status_code == 201, response.text
    return response.json()["ticket"]


def _write(env, number: str, sender_id: str, text: str, message_id=None):
    body = {"sender_id": sender_id, "text": text, "message_id": message_id}
    return env.client.post(f"/api/service/tickets/{number}/messages", json=body, headers=SERVICE)


def _lookup(env, sender_id: str):
    return env.client.post("/api/service/tickets/lookup", json={"sender_id": sender_id}, headers=SERVICE)


def test_a_customer_looks_up_only_their_own_tickets(env):
    mine = _night_ticket(env, "web-mine")
    theirs = _night_ticket(env, "web-theirs", reason="request_human")
    found = _lookup(env, "web-mine")
    assert found.status_code == 200
    tickets = found.json()["tickets"]
    assert [t["number"] for t in tickets] == [mine["number"]]
    assert tickets[0]["status"] == "open" and tickets[0]["status_label"] == "待受理"
    assert tickets[0]["sla_class"] == "urgent" and tickets[0]["respond_by"] == "2026-12-01T09:05:00+08:00"
    assert tickets[0]["latest_answer"] is None
    assert [t["number"] for t in _lookup(env, "web-theirs").json()["tickets"]] == [theirs["number"]]
    assert _lookup(env, "web-nobody").json() == {"tickets": []}


def test_service_key_required_on_the_service_endpoints(env):
    ticket = _night_ticket(env, "web-key")
    calls = [
        ("post", "/api/service/tickets/lookup", {"sender_id": "web-key"}),
        ("post", f"/api/service/tickets/{ticket['number']}/messages", {"sender_id": "web-key", "text": "在吗"}),
        ("get", "/api/service/business-hours", None),
    ]
    for method, url, body in calls:
        for headers in ({}, {"X-Service-Key": "wrong"}):
            response = env.client.request(method, url, json=body, headers=headers)
            assert response.status_code == 401, url
            assert response.json()["error"]["code"] == "unauthorized"
    wang = env.login("wang")  # a console session is not the service key either
    assert wang.post("/api/service/tickets/lookup", json={"sender_id": "web-key"}).status_code == 401


def test_the_customers_message_is_stored_masked_once_per_message_id(env):
    ticket = _night_ticket(env, "web-write")
    first = _write(env, ticket["number"], "web-write", f"我的电话是{PHONE}，请尽快回电", "m-1")
    assert first.status_code == 201, first.text
    assert first.json()["stored"] is True and first.json()["status"] == "open"
    assert first.json()["message"]["text"] == mask_text(f"我的电话是{PHONE}，请尽快回电")
    assert PHONE not in first.json()["message"]["text"]
    again = _write(env, ticket["number"], "web-write", f"我的电话是{PHONE}，请尽快回电", "m-1")
    assert again.status_code == 200 and again.json()["stored"] is False
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    zhou = env.login("zhou")
    detail = zhou.get(f"/api/tickets/{ticket['id']}").json()
    assert [m["text"] for m in detail["messages"]] == [first.json()["message"]["text"]]
    assert [e["kind"] for e in detail["events"]] == ["created", "customer_wrote"]


def test_a_number_typed_in_full_width_or_lower_case_is_found(env):
    ticket = _night_ticket(env, "web-wide")
    wide = ticket["number"].translate({ord(c): ord(c) + 0xFEE0 for c in "GD0123456789"})
    assert _write(env, wide, "web-wide", "全角工单号").status_code == 201
    assert _write(env, " " + ticket["number"].lower(), "web-wide", "小写工单号").status_code == 201


def test_another_senders_number_answers_like_an_unknown_one(env):
    ticket = _night_ticket(env, "web-owner")
    theirs = _write(env, ticket["number"], "web-stranger", "这是我的工单吗")
    unknown = _write(env, "GD20261130999999", "web-stranger", "这是我的工单吗")
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert "工单号" in unknown.json()["error"]["message"]


def test_bad_input_is_answered_clearly(env):
    ticket = _night_ticket(env, "web-bad")
    number = ticket["number"]
    assert _write(env, number, "web-bad", "").status_code == 422
    assert _write(env, number, "web-bad", "   ").status_code == 422
    assert _write(env, number, "web-bad", "长" * 2001).status_code == 422
    bad_number = _write(env, "工单123", "web-bad", "在吗")
    assert bad_number.status_code == 422
    assert bad_number.json()["error"]["code"] == "invalid_ticket_number"
    assert "GD" in bad_number.json()["error"]["message"]
    assert _write(env, "GD2026", "web-bad", "在吗").status_code == 422
    emoji = _write(env, number, "web-bad", "謝謝您😊，請盡快處理")  # Traditional script and emoji kept as written
    assert emoji.status_code == 201 and emoji.json()["message"]["text"] == "謝謝您😊，請盡快處理"
    empty_sender = env.client.post("/api/service/tickets/lookup", json={"sender_id": ""}, headers=SERVICE)
    assert empty_sender.status_code == 422


def test_the_earlier_ticket_message_path_takes_an_id_or_a_number(env):
    ticket = _night_ticket(env, "web-legacy")
    by_id = env.client.post(f"/api/tickets/{ticket['id']}/messages", json={"text": "按编号"}, headers=SERVICE)
    by_number = env.client.post(f"/api/tickets/{ticket['number']}/messages", json={"text": "按工单号"}, headers=SERVICE)
    assert by_id.status_code == by_number.status_code == 201
    assert by_id.json()["ticket_number"] == by_number.json()["ticket_number"] == ticket["number"]
