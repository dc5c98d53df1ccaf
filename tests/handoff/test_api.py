"""Bot-side endpoints: opening a handoff, broker events, validation, the service key."""

from __future__ import annotations

import pytest

from .support import SERVICE, package


def test_open_queues_in_business_hours(env):
    answer = env.open()
    assert answer["state"] == "QUEUED" and answer["on_duty"] is True and answer["ticket"] is None
    assert answer["queue_position"] == 1
    assert answer["eta_minutes"] == 6  # 1 × 6 min / max(1, 0 agents online)
    supervisor = env.login("zhou")
    detail = supervisor.get(f"/api/handoffs/{answer['id']}").json()
    assert detail["package"]["slots"] == {"order_id": "20261101000001"}
    assert detail["package"]["orders"][0]["order_id"] == "20261101000001"
    assert detail["package"]["trigger"] == {"reading": "sentiment 0.97 ≥ 0.85"}
    assert detail["package"]["customer"]["phone_masked"] == "138****8000"
    first = detail["messages"][0]
    assert (first["role"], first["intent"], first["confidence"]) == ("customer", "logistics_track", 0.93)
    assert first["sentiment"] == {"label": "negative", "score": 0.97}
    assert first["at"] == "2026-11-30T09:58:00+08:00"
    assert [m["role"] for m in detail["messages"]] == ["customer", "bot", "system"]


def test_second_post_for_an_open_handoff_returns_it(env):
    first = env.open(sender_id="web-same")
    again = env.client.post("/api/handoffs", json=package("web-same"), headers=SERVICE)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["queue_position"] == 1
    other = env.open(sender_id="web-other")
    assert other["id"] != first["id"] and other["queue_position"] == 2


def test_service_key_required(env):
    assert env.client.post("/api/handoffs", json=package()).status_code == 401
    assert env.client.post("/api/handoffs", json=package(), headers={"X-Service-Key": "wrong"}).status_code == 401
    assert env.client.post("/api/rasa-events", json={"sender_id": "x", "event": "user"}).status_code == 401
    assert env.client.post("/api/handoffs/1/rating", json={"rating": 5}).status_code == 401
    assert env.client.post("/api/tickets/1/messages", json={"text": "hi"}).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"reason": "bored"},
        {"priority": 3},
        {"sender_id": ""},
        {"customer": {"name": "x" * 65}},
        {"transcript": [{"role": "robot", "text": "hi"}]},
    ],
)
def test_invalid_packages_are_refused(env, change):
    response = env.client.post("/api/handoffs", json=package(**change), headers=SERVICE)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_broker_events_stored_only_while_queued_or_with_an_agent(env):
    assert env.event("web-bot-only", text="你好").json() == {"stored": False}
    opened = env.open(sender_id="web-ev")
    parse = {"intent": {"name": "complain", "confidence": 0.88}, "sentiment": {"label": "negative", "score": 0.91}}
    response = env.event("web-ev", text="怎么还没人理我", parse_data=parse)
    assert response.status_code == 202 and response.json() == {"stored": True}
    assert env.event("web-ev", event="bot", text="您前面还有 1 位").json() == {"stored": True}
    assert env.event("web-ev", event="slot", name="x", value=1).json() == {"stored": False}
    # An agent's reply coming back through Rasa's broker is not stored twice.
    echo = {"custom": {"text": "您好", "sender": "agent", "agent_name": "小王"}}
    assert env.event("web-ev", event="bot", text=None, data=echo).json() == {"stored": False}

    supervisor = env.login("zhou")
    messages = supervisor.get(f"/api/handoffs/{opened['id']}").json()["messages"]
    customer = [m for m in messages if m["text"] == "怎么还没人理我"]
    assert len(customer) == 1
    assert customer[0]["intent"] == "complain" and customer[0]["confidence"] == 0.88
    assert customer[0]["sentiment"] == {"label": "negative", "score": 0.91}
    assert [m["role"] for m in messages if m["text"] == "您前面还有 1 位"] == ["bot"]

    wang = env.login("wang")
    assert wang.post(f"/api/handoffs/{opened['id']}/accept").status_code == 200
    assert env.event("web-ev", text="在吗").json() == {"stored": True}
    assert wang.post(f"/api/handoffs/{opened['id']}/return").status_code == 200
    assert env.event("web-ev", text="谢谢").json() == {"stored": False}
    texts = [m["text"] for m in supervisor.get(f"/api/handoffs/{opened['id']}").json()["messages"]]
    assert "在吗" in texts and "谢谢" not in texts


def test_broker_event_needs_a_sender(env):
    response = env.client.post("/api/rasa-events", json={"event": "user", "text": "hi"}, headers=SERVICE)
    assert response.status_code == 422


def test_health_and_openapi(env):
    assert env.client.get("/health").json() == {"status": "ok"}
    paths = env.client.get("/openapi.json").json()["paths"]
    assert "/api/handoffs/{handoff_id}/accept" in paths and "/api/rasa-events" in paths


def test_the_brokers_copy_of_the_message_that_tripped_the_handoff_is_not_stored_twice(env):
    turns = [
        {
            "role": "customer",
            "text": "气死我了！！！",
            "message_id": "m-trip",
            "intent": "complain",
            "confidence": 0.9,
            "sentiment": {"label": "negative", "score": 0.98},
        }
    ]
    opened = env.open(sender_id="web-dup", transcript=turns)
    # Rasa saves the turn after the action ran: its broker delivers the same message afterwards
    assert env.event("web-dup", text="气死我了！！！", message_id="m-trip").json() == {"stored": False}
    assert env.event("web-dup", text="气死我了！！！", message_id="m-next").json() == {"stored": True}
    messages = env.login("zhou").get(f"/api/handoffs/{opened['id']}").json()["messages"]
    assert [m["text"] for m in messages if m["role"] == "customer"] == ["气死我了！！！", "气死我了！！！"]


def test_a_very_long_customer_message_in_the_package_is_cut_not_refused(env):
    turns = [{"role": "customer", "text": "啊" * 5000, "intent": "nlu_fallback", "confidence": 0.2}]
    opened = env.open(sender_id="web-long", transcript=turns)
    messages = env.login("zhou").get(f"/api/handoffs/{opened['id']}").json()["messages"]
    assert [len(m["text"]) for m in messages if m["role"] == "customer"] == [2000]


@pytest.mark.parametrize("path", ["/api/handoffs/{id}", "/api/handoffs/{id}/accept", "/api/tickets/{id}/messages"])
@pytest.mark.parametrize("row_id", ["99999999999999999999", str(2**63), "0", "-1"])
def test_an_id_out_of_the_database_range_is_refused_not_a_server_error(env, path, row_id):
    agent = env.login("wang")
    url = path.format(id=row_id)
    answers = [
        env.client.get(url, headers=SERVICE).status_code if "messages" not in url else None,
        env.client.post(url, json={"text": "你好"}, headers=SERVICE).status_code,
        agent.get(url).status_code if "messages" not in url else None,
        agent.post(url, json={"text": "你好"}).status_code,
    ]
    assert all(code is None or 400 <= code < 500 for code in answers), answers
