"""A handoff end to end: real Rasa (REST and socket.io channels), the real action
server, shop backend and handoff service (tests/conftest.py), and the service's
agent API as the console uses it.

- an angry customer on REST is handed off: the package holds the reason, the
  reading that tripped it and the transcript; the bot falls silent and relays;
- on the web chat's socket.io channel an agent's reply reaches the customer,
  marked as a person's; returning the conversation gives the bot back, which asks
  for a rating and stores the answer with the handoff.
"""

from __future__ import annotations

import queue
import time
import uuid
from typing import Any, Dict, List

import pytest
import requests
import socketio

from devtools.socketio_client import close_without_waiting
from devtools.waiting import wait_until
from tests.services import agent_session, rasa_headers, rest_headers

WAIT_S = 60  # a reply waits for NLU, the action server and the service on a busy machine


def rest(rasa_url: str, sender: str, text: str) -> List[Dict[str, Any]]:
    response = requests.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers=rest_headers(),
        timeout=WAIT_S,
    )
    response.raise_for_status()
    return response.json()


def handoff_of(session: requests.Session, handoff_url: str, sender: str) -> Dict[str, Any]:
    """The handoff of conversation `sender`, as the console reads it (waits for it to exist)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        listed = session.get(f"{handoff_url}/api/handoffs", timeout=10)
        listed.raise_for_status()
        rows = listed.json()
        rows = rows.get("items", rows) if isinstance(rows, dict) else rows
        mine = [row for row in rows if row.get("sender_id") == sender]
        if mine:
            detail = session.get(f"{handoff_url}/api/handoffs/{mine[0]['id']}", timeout=10)
            detail.raise_for_status()
            return detail.json()
        time.sleep(0.2)
    raise AssertionError(f"no handoff for {sender}")


def tracker(rasa_url: str, sender: str) -> Dict[str, Any]:
    response = requests.get(f"{rasa_url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=10)
    response.raise_for_status()
    return response.json()


def texts_of(messages: List[Dict[str, Any]]) -> str:
    return " ".join(m.get("text") or "" for m in messages)


# ---------------------------------------------------------------------- REST
def test_an_angry_customer_is_handed_off_with_the_whole_context(rasa_url, handoff_url):
    sender = f"e2e-angry-{uuid.uuid4().hex[:8]}"
    assert "您好" in texts_of(rest(rasa_url, sender, "你好"))
    angry = "你们到底怎么搞的？？？快递一个星期了还没到，气死我了，再拖我就去投诉！！！"
    reply = texts_of(rest(rasa_url, sender, angry))
    assert "人工客服" in reply and ("前面还有" in reply or "马上就轮到您" in reply), reply

    supervisor = agent_session(handoff_url, "zhou")
    handoff = handoff_of(supervisor, handoff_url, sender)
    assert handoff["state"] == "QUEUED"
    assert handoff["reason"] in ("upset", "complain")
    assert handoff["package"]["trigger"], "the reading that tripped it"
    customer_turns = [t for t in handoff["messages"] if t["role"] == "customer"]
    assert [t["text"] for t in customer_turns] == ["你好", angry]
    assert customer_turns[-1]["intent"] and customer_turns[-1]["confidence"] > 0
    assert customer_turns[-1]["sentiment"]["label"] == "negative"
    assert handoff["priority"] >= 1, "an upset customer goes first"
    assert "情绪激动" in handoff["summary"] or "投诉" in handoff["summary"]

    # while a human holds it the bot is silent, and the message reaches the agent with its reading
    assert tracker(rasa_url, sender)["paused"] is True
    assert rest(rasa_url, sender, "还要等多久啊") == []
    relayed = wait_until(
        lambda: [
            m
            for m in handoff_of(supervisor, handoff_url, sender)["messages"]
            if m["role"] == "customer" and m["text"] == "还要等多久啊"
        ],
        "the relayed message",
        timeout=WAIT_S,
    )
    assert relayed[0]["intent"] and relayed[0]["sentiment"]["label"] in ("negative", "neutral", "positive")


# ---------------------------------------------------------------------- socket.io
class WebChatCustomer:
    """A customer on the web chat channel (Rasa's socket.io protocol, as webchat/widget.js speaks it)."""

    def __init__(self, rasa_url: str):
        self.session_id = ""  # issued by the server with session_confirm
        self.received: queue.Queue[Dict[str, Any]] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", lambda message: self.received.put(message))
        confirmed = queue.Queue()
        self.client.on("session_confirm", lambda sid: confirmed.put(sid))
        self.client.connect(rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
        self.client.emit("session_request", {})
        self.session_id = confirmed.get(timeout=WAIT_S)["session_id"]

    def say(self, text: str) -> float:
        sent = time.monotonic()
        self.client.emit("user_uttered", {"message": text})
        return sent

    def next_message(self, timeout: float = WAIT_S) -> Dict[str, Any]:
        return self.received.get(timeout=timeout)

    def until(self, predicate, timeout: float = WAIT_S) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = self.received.get(timeout=max(0.1, deadline - time.monotonic()))
            if predicate(message):
                return message

    def close(self):
        close_without_waiting(self.client)


@pytest.fixture
def customer(rasa_url):
    customer = WebChatCustomer(rasa_url)
    yield customer
    customer.close()


def test_an_agent_reply_reaches_the_web_chat_and_the_bot_asks_for_a_rating(rasa_url, handoff_url, customer):
    customer.say("转人工")
    queued = customer.until(lambda m: "人工客服" in (m.get("text") or ""))
    assert "前面还有" in queued["text"] or "马上就轮到您" in queued["text"]

    wang = agent_session(handoff_url, "wang")
    handoff = handoff_of(wang, handoff_url, customer.session_id)
    waiting = wang.get(f"{handoff_url}/api/queue", timeout=10).json()
    assert handoff["id"] in [row["id"] for row in waiting], "an agent sees it in the queue"
    assert handoff["reason"] == "request_human"
    assert wang.post(f"{handoff_url}/api/handoffs/{handoff['id']}/accept", timeout=10).status_code == 200

    # the agent's reply, marked as a person's, on the customer's own channel
    sent = time.monotonic()
    reply = wang.post(
        f"{handoff_url}/api/handoffs/{handoff['id']}/messages",
        json={"text": "您好，我是小王，请问有什么可以帮您？"},
        timeout=10,
    )
    assert reply.status_code in (200, 201), reply.text
    message = customer.until(lambda m: m.get("sender") == "agent")
    print(f"agent reply → customer: {(time.monotonic() - sent) * 1000:.0f} ms")
    assert message["text"] == "您好，我是小王，请问有什么可以帮您？" and message["agent_name"] == "小王"

    # the customer's answer goes to the agent, not to the bot
    customer.say("我的订单20261101000001怎么还没发货")
    detail = wait_until(
        lambda: (
            lambda d: d if any(m["text"] == "我的订单20261101000001怎么还没发货" for m in d["messages"]) else None
        )(handoff_of(wang, handoff_url, customer.session_id)),
        "the customer's message at the agent",
        timeout=WAIT_S,
    )
    assert detail["state"] == "AGENT"
    with pytest.raises(queue.Empty):
        customer.next_message(timeout=3)  # the bot stays silent while the agent has it

    # back to the bot: the survey, then the rating stored with the handoff
    assert wang.post(f"{handoff_url}/api/handoffs/{handoff['id']}/return", timeout=10).status_code == 200
    survey = customer.until(lambda m: m.get("quick_replies") or m.get("buttons"))
    options = survey.get("quick_replies") or survey.get("buttons")
    assert [option["payload"] for option in options] == ["1", "2", "3", "4", "5"]
    customer.say("5")
    thanks = customer.until(lambda m: "感谢" in (m.get("text") or ""))
    assert "评价" in thanks["text"] or "好评" in thanks["text"]
    rated = wait_until(
        lambda: (lambda d: d if d.get("rating") == 5 else None)(handoff_of(wang, handoff_url, customer.session_id)),
        "the stored rating",
        timeout=WAIT_S,
    )
    assert rated["state"] == "BOT"
    assert tracker(rasa_url, customer.session_id)["paused"] is False

    # and the bot answers again
    customer.say("你们满多少包邮")
    assert "包邮" in customer.until(lambda m: bool(m.get("text")))["text"]
