"""An agent's reply is stored first and shows whether it reached the customer; resend."""

from __future__ import annotations

from contract import delivery

QUOTA_ERROR = "An unexpected error occurred. Error: not_delivered:wechat_quota"


def _held(env, sender_id: str):
    wang = env.login("wang")
    handoff = env.open(sender_id=sender_id, channel="wechat")
    assert wang.post(f"/api/handoffs/{handoff['id']}/accept").status_code == 200
    return wang, handoff["id"]


def _agent_replies(env, sender_id: str) -> list[str]:
    return [e["data"]["custom"]["text"] for e in env.recorder.bot_events(sender_id) if e.get("data")]


def test_a_delivered_reply(env):
    wang, handoff_id = _held(env, "wx-ok")
    response = wang.post(f"/api/handoffs/{handoff_id}/messages", json={"text": "您好，我来帮您查"})
    assert response.status_code == 201
    assert (response.json()["delivery"], response.json()["delivery_reason"]) == (delivery.DELIVERED, None)
    assert _agent_replies(env, "wx-ok") == ["您好，我来帮您查"]


def test_a_reply_the_channel_refused_is_stored_not_delivered_with_the_reason_and_resent(env):
    wang, handoff_id = _held(env, "wx-quota")
    env.recorder.fail, env.recorder.fail_message = True, QUOTA_ERROR
    response = wang.post(f"/api/handoffs/{handoff_id}/messages", json={"text": "已为您加急处理"})
    assert response.status_code == 201
    message = response.json()
    assert (message["delivery"], message["delivery_reason"]) == (delivery.NOT_DELIVERED, delivery.WECHAT_QUOTA)
    stored = [m for m in wang.get(f"/api/handoffs/{handoff_id}").json()["messages"] if m["id"] == message["id"]]
    assert stored[0]["delivery"] == delivery.NOT_DELIVERED and stored[0]["text"] == "已为您加急处理"

    resend = f"/api/handoffs/{handoff_id}/messages/{message['id']}/resend"
    env.recorder.fail_message = "An unexpected error occurred."
    again = wang.post(resend)
    assert again.status_code == 200 and again.json()["delivery_reason"] == delivery.RASA_UNAVAILABLE
    env.recorder.fail = False
    done = wang.post(resend)
    assert done.status_code == 200 and done.json()["delivery"] == delivery.DELIVERED
    assert done.json()["id"] == message["id"] and _agent_replies(env, "wx-quota") == ["已为您加急处理"]
    assert wang.post(resend).status_code == 409  # delivered: nothing to send again
    assert wang.post(f"/api/handoffs/{handoff_id}/messages/{message['id'] + 999}/resend").status_code == 404


def test_resend_has_the_checks_of_a_reply(env):
    wang, handoff_id = _held(env, "wx-checks")
    env.recorder.fail = True
    message = wang.post(f"/api/handoffs/{handoff_id}/messages", json={"text": "稍等"}).json()
    env.recorder.fail = False
    resend = f"/api/handoffs/{handoff_id}/messages/{message['id']}/resend"
    assert env.login("li").post(resend).status_code == 404  # not theirs to see
    assert env.login("zhou").post(resend).status_code == 403  # a supervisor does not reply
    customer = [m for m in wang.get(f"/api/handoffs/{handoff_id}").json()["messages"] if m["role"] == "customer"]
    assert wang.post(f"/api/handoffs/{handoff_id}/messages/{customer[0]['id']}/resend").status_code == 404
    wang.post(f"/api/handoffs/{handoff_id}/return")
    assert wang.post(resend).status_code == 409  # no longer held


def test_consoles_hear_the_delivery_change(env):
    wang, handoff_id = _held(env, "wx-ws")
    env.recorder.fail, env.recorder.fail_message = True, QUOTA_ERROR
    with env.client.websocket_connect("/ws", headers={"Cookie": f"handoff_session={wang.token}"}) as ws:
        message = wang.post(f"/api/handoffs/{handoff_id}/messages", json={"text": "您好"}).json()
        seen = []
        while not seen or seen[-1]["delivery"] == delivery.PENDING:
            event = ws.receive_json()
            if event.get("type") == "message" and event["message"]["id"] == message["id"]:
                seen.append(event["message"])
    assert [m["delivery"] for m in seen] == [delivery.PENDING, delivery.NOT_DELIVERED]
    assert seen[-1]["delivery_reason"] == delivery.WECHAT_QUOTA
