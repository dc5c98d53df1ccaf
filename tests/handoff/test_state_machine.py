"""BOT → QUEUED → AGENT → BOT | CLOSED, what goes to Rasa, the survey and the rating."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from handoff import texts

from .support import SERVICE


def _accepted(env, agent="wang"):
    client = env.login(agent)
    handoff = env.open()
    response = client.post(f"/api/handoffs/{handoff['id']}/accept")
    assert response.status_code == 200, response.text
    return client, handoff, response.json()


def test_accept_assigns_and_a_second_accept_conflicts(env):
    wang, handoff, detail = _accepted(env)
    assert detail["state"] == "AGENT" and detail["assigned_agent"]["display_name"] == "小王"
    li = env.login("li")
    again = li.post(f"/api/handoffs/{handoff['id']}/accept")
    # 小王's now: for 小李 exactly what an id that does not exist answers
    missing = li.post("/api/handoffs/9999/accept")
    assert again.status_code == missing.status_code == 404 and again.json() == missing.json()
    assert li.get(f"/api/handoffs/{handoff['id']}").status_code == 404
    repeat = wang.post(f"/api/handoffs/{handoff['id']}/accept")
    assert repeat.status_code == 409 and repeat.json()["error"]["state"] == "AGENT"
    assert env.login("zhou").post(f"/api/handoffs/{handoff['id']}/accept").status_code == 409


def test_unknown_handoff(env):
    wang = env.login("wang")
    assert wang.post("/api/handoffs/9999/accept").status_code == 404
    assert wang.get("/api/handoffs/9999").status_code == 404


def test_agent_reply_goes_to_rasa_in_its_shape(env):
    wang, handoff, _ = _accepted(env)
    sender = wang.get(f"/api/handoffs/{handoff['id']}").json()["sender_id"]
    response = wang.post(f"/api/handoffs/{handoff['id']}/messages", json={"text": "  您好，我是小王  "})
    assert response.status_code == 201
    assert response.json()["role"] == "agent" and response.json()["agent_name"] == "小王"
    [sent] = env.recorder.for_sender(sender)
    assert sent.query == {"execute_side_effects": "true", "output_channel": "latest"}
    assert sent.events == [
        {
            "event": "bot",
            "text": None,
            "data": {"custom": {"text": "您好，我是小王", "sender": "agent", "agent_name": "小王"}},
        }
    ]
    messages = wang.get(f"/api/handoffs/{handoff['id']}").json()["messages"]
    assert messages[-1]["text"] == "您好，我是小王" and messages[-1]["role"] == "agent"


@pytest.mark.parametrize("text", ["", "   ", "字" * 2001])
def test_reply_text_is_validated(env, text):
    wang, handoff, _ = _accepted(env)
    response = wang.post(f"/api/handoffs/{handoff['id']}/messages", json={"text": text})
    assert response.status_code == 422
    assert wang.post(f"/api/handoffs/{handoff['id']}/notes", json={"text": text}).status_code == 422


def test_reply_accepts_2000_characters(env):
    wang, handoff, _ = _accepted(env)
    assert wang.post(f"/api/handoffs/{handoff['id']}/messages", json={"text": "字" * 2000}).status_code == 201


def test_reply_when_rasa_is_down_is_stored_as_not_delivered(env):
    wang, handoff, _ = _accepted(env)
    env.recorder.fail = True
    response = wang.post(f"/api/handoffs/{handoff['id']}/messages", json={"text": "在的"})
    assert response.status_code == 201
    assert (response.json()["delivery"], response.json()["delivery_reason"]) == ("not_delivered", "rasa_unavailable")
    messages = wang.get(f"/api/handoffs/{handoff['id']}").json()["messages"]
    assert [m["delivery"] for m in messages if m["text"] == "在的"] == ["not_delivered"]


def test_reply_needs_the_conversation_held(env):
    wang = env.login("wang")
    handoff = env.open()
    response = wang.post(f"/api/handoffs/{handoff['id']}/messages", json={"text": "您好"})
    assert response.status_code == 409


def test_supervisor_may_not_reply_in_an_agents_conversation(env):
    _, handoff, _ = _accepted(env)
    zhou = env.login("zhou")
    assert zhou.post(f"/api/handoffs/{handoff['id']}/messages", json={"text": "您好"}).status_code == 403
    assert zhou.post(f"/api/handoffs/{handoff['id']}/notes", json={"text": "注意安抚"}).status_code == 201


def test_notes_are_internal(env):
    wang, handoff, _ = _accepted(env)
    sender = wang.get(f"/api/handoffs/{handoff['id']}").json()["sender_id"]
    before = len(env.recorder.for_sender(sender))
    note = wang.post(f"/api/handoffs/{handoff['id']}/notes", json={"text": "客户为金卡会员"})
    assert note.status_code == 201 and note.json()["agent_name"] == "小王"
    assert len(env.recorder.for_sender(sender)) == before
    detail = wang.get(f"/api/handoffs/{handoff['id']}").json()
    assert [n["text"] for n in detail["notes"]] == ["客户为金卡会员"]
    assert all(m["text"] != "客户为金卡会员" for m in detail["messages"])


@pytest.mark.parametrize(
    "action,body,state", [("return", None, "BOT"), ("close", {"disposition": "resolved"}, "CLOSED")]
)
def test_return_and_close_resume_the_bot_with_the_survey(env, action, body, state):
    wang, handoff, _ = _accepted(env)
    sender = wang.get(f"/api/handoffs/{handoff['id']}").json()["sender_id"]
    response = wang.post(f"/api/handoffs/{handoff['id']}/{action}", json=body)
    assert response.status_code == 200 and response.json()["state"] == state
    if body:
        assert response.json()["disposition"] == "resolved"
    [sent] = env.recorder.for_sender(sender)
    assert sent.events[:3] == [
        {"event": "resume"},
        {"event": "action", "name": "action_listen"},
        {"event": "slot", "name": "satisfaction_handoff_id", "value": str(handoff["id"])},
    ]
    survey = sent.events[3]
    assert survey["event"] == "bot" and survey["text"] == texts.SURVEY
    assert [b["payload"] for b in survey["data"]["buttons"]] == ["1", "2", "3", "4", "5"]
    again = wang.post(f"/api/handoffs/{handoff['id']}/{action}", json=body)
    assert again.status_code == 409


def test_return_and_close_only_from_agent(env):
    zhou = env.login("zhou")
    handoff = env.open()
    assert zhou.post(f"/api/handoffs/{handoff['id']}/return").status_code == 409
    assert zhou.post(f"/api/handoffs/{handoff['id']}/close", json={"disposition": "spam"}).status_code == 409
    assert zhou.post(f"/api/handoffs/{handoff['id']}/close", json={"disposition": "whatever"}).status_code == 422


def test_return_when_rasa_is_down_ends_the_handoff_all_the_same(env):
    # the service's state is the truth; the reconciler resumes Rasa later (test_reconcile.py)
    wang, handoff, _ = _accepted(env)
    env.recorder.fail = True
    assert wang.post(f"/api/handoffs/{handoff['id']}/return").status_code == 200
    assert wang.get(f"/api/handoffs/{handoff['id']}").json()["state"] == "BOT"


def test_supervisor_can_close_an_agents_conversation(env):
    _, handoff, _ = _accepted(env)
    zhou = env.login("zhou")
    response = zhou.post(f"/api/handoffs/{handoff['id']}/close", json={"disposition": "duplicate"})
    assert response.status_code == 200 and response.json()["state"] == "CLOSED"


def test_transfer(env):
    wang, handoff, _ = _accepted(env)
    li = env.login("li")
    assert li.get(f"/api/handoffs/{handoff['id']}").status_code == 404
    response = wang.post(f"/api/handoffs/{handoff['id']}/transfer", json={"agent_id": li.id})
    assert response.status_code == 200 and response.json()["assigned_agent"]["id"] == li.id
    assert response.json()["transfers"][0]["from_agent_id"] == wang.id
    assert li.get(f"/api/handoffs/{handoff['id']}").status_code == 200
    assert wang.get(f"/api/handoffs/{handoff['id']}").status_code == 404
    assert li.post(f"/api/handoffs/{handoff['id']}/transfer", json={"agent_id": li.id}).status_code == 422
    assert li.post(f"/api/handoffs/{handoff['id']}/transfer", json={"agent_id": 9999}).status_code == 422


def test_rating(env):
    wang, handoff, _ = _accepted(env)
    url = f"/api/handoffs/{handoff['id']}/rating"
    assert env.client.post(url, json={"rating": 5}, headers=SERVICE).status_code == 409
    wang.post(f"/api/handoffs/{handoff['id']}/return")
    assert env.client.post(url, json={"rating": 0}, headers=SERVICE).status_code == 422
    assert env.client.post(url, json={"rating": 6}, headers=SERVICE).status_code == 422
    assert env.client.post(url, json={"rating": 2}, headers=SERVICE).status_code == 200
    answer = env.client.post(url, json={"rating": 4}, headers=SERVICE)
    assert answer.status_code == 200 and answer.json()["rating"] == 4
    assert wang.get(f"/api/handoffs/{handoff['id']}").json()["rating"] == 4
    assert env.client.post("/api/handoffs/9999/rating", json={"rating": 4}, headers=SERVICE).status_code == 404


def test_a_new_handoff_after_return(env):
    wang, handoff, _ = _accepted(env)
    sender = wang.get(f"/api/handoffs/{handoff['id']}").json()["sender_id"]
    wang.post(f"/api/handoffs/{handoff['id']}/return")
    again = env.open(sender_id=sender)
    assert again["id"] != handoff["id"] and again["state"] == "QUEUED"


@pytest.mark.settings(rasa_jwt_secret="rasa-jwt-secret-for-the-tests")
def test_rasa_calls_carry_an_admin_jwt_in_a_header_and_nothing_in_the_url(env):
    wang, handoff, _ = _accepted(env)
    sender = wang.get(f"/api/handoffs/{handoff['id']}").json()["sender_id"]
    wang.post(f"/api/handoffs/{handoff['id']}/messages", json={"text": "您好"})
    [sent] = env.recorder.for_sender(sender)
    assert "token" not in sent.query
    scheme, _, token = sent.headers["Authorization"].partition(" ")
    header, payload, signature = token.split(".")
    signed = hmac.new(b"rasa-jwt-secret-for-the-tests", f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert scheme == "Bearer" and base64.urlsafe_b64encode(signed).rstrip(b"=").decode() == signature
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["user"]["role"] == "admin" and claims["exp"] > time.time()


def test_sender_id_is_escaped_in_the_rasa_path(env):
    wang = env.login("wang")
    handoff = env.open(sender_id="wx/o 3f+2a")
    wang.post(f"/api/handoffs/{handoff['id']}/accept")
    wang.post(f"/api/handoffs/{handoff['id']}/messages", json={"text": "您好"})
    assert len(env.recorder.for_sender("wx/o 3f+2a")) == 1
