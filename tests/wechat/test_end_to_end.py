"""WeChat → real `rasa run` → real action server → real shop backend, customer-service mode.

The fake WeChat signs (and encrypts) each push like WeChat and receives the
bot's answers on its customer-service API. One Rasa server for the module, with
its own handoff service and action server, so that an agent's reply goes back
through this Rasa to the WeChat user.
"""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from bot.channels.wechat import texts
from contract import delivery
from contract.messages import QUEUE_UPDATE, agent_message
from devtools.rasa_server import free_port
from tests.services import agent_session, rasa_headers, running_actions, running_handoff
from tests.wechat.conftest import new_fake, serve_rasa_with_wechat, user_events

RESERVE = 1


@pytest.fixture(scope="module")
def wechat_stack(model, backend_url, tmp_path_factory):
    """(fake WeChat, Rasa URL, handoff service URL); WeChat's real 5 s timeout."""
    state = tmp_path_factory.mktemp("rasa-wechat")
    port = free_port()
    with (
        new_fake(timeout_s=5.0) as fake,
        running_handoff(state, rasa_url=f"http://127.0.0.1:{port}") as handoff_url,
        running_actions(backend_url, state, extra_env={"ACTIONS_HANDOFF_URL": handoff_url}) as action_url,
        serve_rasa_with_wechat(
            model,
            action_url,
            state,
            fake,
            handoff_url=handoff_url,
            port=port,
            reply_timeout_s=5.0,
            passive_budget_s=4.5,
            # a small reserve, so that queue updates both go out and stop (default 3)
            queue_update_reserve=RESERVE,
        ) as url,
    ):
        yield fake, url, handoff_url


@pytest.fixture(scope="module")
def wechat(wechat_stack):
    """(fake WeChat, Rasa URL)."""
    fake, url, _ = wechat_stack
    return fake, url


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def webhook(url: str) -> str:
    return f"{url}/webhooks/wechat/webhook"


def test_url_verification(wechat):
    fake, url = wechat
    assert fake.verify_url(webhook(url), "1616140317555161061").text == "1616140317555161061"
    assert fake.verify_url(webhook(url), "1616140317555161061", forge=True).status_code == 403


def test_round_trip_in_chinese(wechat):
    fake, url = wechat
    customer = openid()
    result = fake.push(webhook(url), fake.text_xml(customer, "你好，在吗"))
    assert result.deliveries[0].status == 200 and result.deliveries[0].body == "success"
    assert "您好" in fake.settle(customer)[0]
    [event] = user_events(url, customer)
    assert event["text"] == "你好，在吗" and event["input_channel"] == "wechat"
    assert event["metadata"]["external_id"] == customer


def test_faq_answer_in_safe_mode(wechat):
    fake, url = wechat
    customer = openid()
    fake.push(webhook(url), fake.text_xml(customer, "請問你們支持七天無理由退貨嗎"), safe=True)
    assert "七天无理由" in " ".join(fake.settle(customer))


@pytest.mark.parametrize("forgery", ["forge_signature", "forge_msg_signature"])
def test_forged_pushes_reach_nothing(wechat, forgery):
    fake, url = wechat
    customer = openid()
    result = fake.push(webhook(url), fake.text_xml(customer, "你好"), safe=True, **{forgery: True})
    assert [d.status for d in result.deliveries] == [403]
    time.sleep(2)
    assert user_events(url, customer) == []
    assert fake.sends_to(customer, ok_only=False) == []


def test_wechats_retries_are_processed_once(wechat):
    fake, url = wechat
    customer = openid()
    xml = fake.text_xml(customer, "你好")
    params, body = fake.signed_request(xml, safe=True)
    fake._new_customer_message(xml)
    for _ in range(3):  # the first delivery and two identical resends, while the turn runs
        assert fake.deliver(webhook(url), params, body).deliveries[0].body == "success"
    replies = fake.settle(customer, quiet_s=3)
    assert len(replies) == 1 and "您好" in replies[0]
    assert len(user_events(url, customer)) == 1


def test_subscribe_gets_the_shops_greeting(wechat):
    fake, url = wechat
    customer = openid()
    fake.push(webhook(url), fake.event_xml(customer, "subscribe"), safe=True)
    assert "您好" in fake.settle(customer)[0]
    assert [e["parse_data"]["intent"]["name"] for e in user_events(url, customer)] == ["greet"]


def test_an_image_gets_the_text_only_note_without_nlu(wechat):
    fake, url = wechat
    customer = openid()
    fake.push(
        webhook(url),
        fake.media_xml(
            customer, "image", "<PicUrl><![CDATA[http://example.com/p.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId>"
        ),
    )
    assert fake.settle(customer) == [texts.UNSUPPORTED]
    assert user_events(url, customer) == []


def test_bound_openid_asks_about_an_order_without_being_asked_for_a_phone(wechat):
    fake, url = wechat
    customer = "oWECHAT_ZHANGWEI"  # bound to 张伟 (C0001) in shop_backend/seed.py
    fake.push(webhook(url), fake.text_xml(customer, "帮我查一下订单２０２６１１０１０００００１的状态"), safe=True)
    answer = " ".join(fake.settle(customer, quiet_s=3))
    assert "手机号" not in answer
    assert "20261101000001" in answer and "已发货" in answer and "SF1234567890123" in answer


def test_pushes_outside_a_turn_and_numbered_choices(wechat):
    """What the handoff service will do: execute on the latest channel; buttons become digits."""
    fake, url = wechat
    customer = openid()
    fake.push(webhook(url), fake.text_xml(customer, "你好"))
    fake.settle(customer)
    executed = requests.post(
        f"{url}/conversations/{customer}/execute",
        params={"output_channel": "latest"},
        json={"name": "utter_default"},
        headers=rasa_headers(),
        timeout=60,
    )
    assert executed.status_code == 200, executed.text
    offer = fake.wait_for_sends(customer, 2)[1]
    assert "回复数字选择" in offer and "2. 查物流" in offer
    fake.push(webhook(url), fake.text_xml(customer, "２"))
    fake.wait_for_sends(customer, 3)
    last = user_events(url, customer)[-1]
    assert last["text"] == "/logistics_track" and last["parse_data"]["intent"]["name"] == "logistics_track"


def test_a_handoff_on_wechat_agent_reply_through_the_customer_service_api(wechat_stack):
    fake, url, handoff_url = wechat_stack
    customer = openid()
    fake.push(webhook(url), fake.text_xml(customer, "我要找人工客服"))
    queued = " ".join(fake.settle(customer))
    assert "人工客服" in queued and ("前面还有" in queued or "马上就轮到您" in queued), queued

    agent = agent_session(handoff_url, "wang")
    handoff = next(
        row for row in agent.get(f"{handoff_url}/api/handoffs", timeout=10).json() if row.get("sender_id") == customer
    )
    assert handoff["id"] in [row["id"] for row in agent.get(f"{handoff_url}/api/queue", timeout=10).json()]
    assert agent.post(f"{handoff_url}/api/handoffs/{handoff['id']}/accept", timeout=10).status_code == 200
    before = len(fake.sends_to(customer))
    reply = agent.post(
        f"{handoff_url}/api/handoffs/{handoff['id']}/messages",
        json={"text": "您好，我是人工客服小王，请问有什么可以帮您？"},
        timeout=10,
    )
    assert reply.status_code in (200, 201), reply.text
    sent = fake.wait_for_sends(customer, before + 1)[before]
    assert sent.startswith(texts.AGENT_PREFIX.format(name="小王"))
    assert "您好，我是人工客服小王，请问有什么可以帮您？" in sent

    # the customer's WeChat answer reaches the agent, and the bot stays silent
    fake.push(webhook(url), fake.text_xml(customer, "我的快递三天没动了"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        messages = agent.get(f"{handoff_url}/api/handoffs/{handoff['id']}", timeout=10).json()["messages"]
        if any(m["role"] == "customer" and m["text"] == "我的快递三天没动了" for m in messages):
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the WeChat message never reached the agent")
    assert len(fake.sends_to(customer)) == before + 1, "no bot answer while the agent has the conversation"


# ------------------------------------------------------- WeChat's limits on pushes
def post_agent_reply(url: str, customer: str, text: str) -> requests.Response:
    """The handoff service's call for an agent's reply (handoff/rasa_client.py): a bot event
    with the agent's custom payload, sent on the customer's latest channel."""
    return requests.post(
        f"{url}/conversations/{customer}/tracker/events",
        params={"execute_side_effects": "true", "output_channel": "latest"},
        json=[{"event": "bot", "text": None, "data": {"custom": agent_message(text, "小王")}}],
        headers=rasa_headers(),
        timeout=60,
    )


def queue_updates_in_tracker(url: str, customer: str) -> int:
    """Queue updates in the customer's conversation, whether the channel sent or skipped them."""
    tracker = requests.get(f"{url}/conversations/{customer}/tracker", headers=rasa_headers(), timeout=30).json()
    return sum(1 for e in tracker["events"] if e["event"] == "bot" and (e.get("metadata") or {}).get(QUEUE_UPDATE))


def test_queued_behind_five_others_the_updates_leave_room_for_the_agents_reply(wechat_stack):
    fake, url, handoff_url = wechat_stack
    others = [openid() for _ in range(5)]
    customer = openid()
    for person in others + [customer]:
        fake.push(webhook(url), fake.text_xml(person, "我要找人工客服"))
        fake.settle(person)
    turn = fake.sends_to(customer)
    assert any("前面还有" in s.content for s in turn), [s.content for s in turn]

    agent = agent_session(handoff_url, "wang")
    mine = next(
        row["id"] for row in agent.get(f"{handoff_url}/api/handoffs", timeout=10).json() if row["sender_id"] == customer
    )
    queue = [row["id"] for row in agent.get(f"{handoff_url}/api/queue", timeout=10).json()]
    ahead = queue[: queue.index(mine)]
    assert len(ahead) >= 5
    told = queue_updates_in_tracker(url, customer)
    for handoff_id in ahead:  # each accept moves the customer up: a queue update (sent or skipped)
        assert agent.post(f"{handoff_url}/api/handoffs/{handoff_id}/accept", timeout=30).status_code == 200
        deadline = time.monotonic() + 60
        while queue_updates_in_tracker(url, customer) == told:
            assert time.monotonic() < deadline, "the handoff service sent no queue update"
            time.sleep(0.2)
        told = queue_updates_in_tracker(url, customer)
    updates = [s.content for s in fake.sends_to(customer)[len(turn) :]]
    # some went out, then the reserve for the agent's reply stopped them
    assert updates and all("前面还有" in u or "马上就轮到您" in u for u in updates), updates
    assert len(updates) < len(ahead) and len(turn) + len(updates) == 5 - RESERVE

    assert agent.post(f"{handoff_url}/api/handoffs/{mine}/accept", timeout=30).status_code == 200
    reply = agent.post(
        f"{handoff_url}/api/handoffs/{mine}/messages", json={"text": "您好，我是小王，让您久等了。"}, timeout=30
    )
    assert reply.status_code in (200, 201) and reply.json().get("delivery") == delivery.DELIVERED, reply.text
    last = fake.sends_to(customer)[-1].content
    assert last.startswith(texts.AGENT_PREFIX.format(name="小王")) and "让您久等了" in last
    assert all(s.errcode == 0 for s in fake.sends_to(customer, ok_only=False)), "WeChat refused nothing"


def test_an_agent_reply_past_wechats_five_messages_is_not_delivered_with_the_reason(wechat):
    fake, url = wechat
    customer = openid()
    fake.push(webhook(url), fake.text_xml(customer, "你好"))
    used = len(fake.settle(customer))
    for n in range(5 - used):
        delivered = post_agent_reply(url, customer, f"第{n + 1}条人工回复")
        assert delivered.status_code == 200, delivered.text
    refused = post_agent_reply(url, customer, "还有一件事想跟您确认")
    assert refused.status_code == 500 and "not_delivered:wechat_quota" in refused.text, refused.text
    assert delivery.reason_in(refused.text) == delivery.WECHAT_QUOTA
    assert len(fake.sends_to(customer)) == 5
    # the customer writes again: WeChat's budget is renewed, and so is the connector's
    fake.push(webhook(url), fake.text_xml(customer, "好的"))
    fake.wait_for_sends(customer, 6)
    assert post_agent_reply(url, customer, "还有一件事想跟您确认").status_code == 200


def test_an_agent_reply_after_wechats_48_hours_is_not_delivered_with_the_reason(wechat):
    fake, url = wechat
    customer = openid()
    fake.push(webhook(url), fake.text_xml(customer, "你好"))
    fake.settle(customer)
    fake.set_last_message_age(customer, 49 * 3600)  # two days pass on WeChat's side
    refused = post_agent_reply(url, customer, "您好，请问问题解决了吗？")
    assert refused.status_code == 500 and "not_delivered:wechat_window" in refused.text, refused.text
    assert [s.errcode for s in fake.sends_to(customer, ok_only=False)][-1] == 45015
