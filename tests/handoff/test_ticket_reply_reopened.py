"""The customer's message onto their ticket says whether it put the ticket back to work
(`reopened`): the bot tells the customer so."""

from __future__ import annotations

from datetime import datetime

from .support import SERVICE, SHANGHAI, package

ANSWER = "您好，退款已原路退回，预计1-3个工作日到账。"


def _answered_ticket(env, sender_id: str) -> tuple[dict, object]:
    env.clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI))  # Monday night, after closing
    opened = env.client.post("/api/handoffs", json=package(sender_id, reason="complain"), headers=SERVICE)
    assert opened.status_code == 201, opened.text
    ticket = opened.json()["ticket"]
    env.clock.set(datetime(2026, 12, 1, 9, 1, tzinfo=SHANGHAI))
    wang = env.login("wang")
    wang.post(f"/api/tickets/{ticket['id']}/claim")
    assert wang.post(f"/api/tickets/{ticket['id']}/answer", json={"text": ANSWER}).status_code == 201
    return ticket, wang


def _write(env, number: str, sender_id: str, text: str, message_id: str):
    body = {"sender_id": sender_id, "text": text, "message_id": message_id}
    return env.client.post(f"/api/service/tickets/{number}/messages", json=body, headers=SERVICE)


def test_a_reply_to_an_answered_ticket_reopens_it_and_a_further_one_does_not(env):
    ticket, _ = _answered_ticket(env, "reply-reopens")
    first = _write(env, ticket["number"], "reply-reopens", "还是没收到，麻烦再看看", "m-1")
    assert first.status_code == 201 and first.json()["reopened"] is True
    second = _write(env, ticket["number"], "reply-reopens", "订单号是20261101000001", "m-2")
    assert second.status_code == 201 and second.json()["reopened"] is False, "already back at work"
    retried = _write(env, ticket["number"], "reply-reopens", "还是没收到，麻烦再看看", "m-1")
    assert retried.status_code == 200 and retried.json()["reopened"] is False


def test_a_reply_to_a_resolved_ticket_within_the_window_reopens_it(env):
    ticket, wang = _answered_ticket(env, "reply-resolved")
    assert wang.post(f"/api/tickets/{ticket['id']}/resolve").json()["status"] == "resolved"
    written = _write(env, ticket["number"], "reply-resolved", "又坏了", "m-1")
    assert written.status_code == 201 and written.json()["reopened"] is True


def test_a_message_on_a_ticket_nobody_answered_yet_does_not_reopen_it(env):
    env.clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI))
    opened = env.client.post("/api/handoffs", json=package("reply-open", reason="complain"), headers=SERVICE)
    number = opened.json()["ticket"]["number"]
    written = _write(env, number, "reply-open", "补充一下情况", "m-1")
    assert written.status_code == 201 and written.json()["reopened"] is False
