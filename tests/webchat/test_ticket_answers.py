"""An answer to a ticket on the web chat: real `rasa run` (tests/conftest.py) and a socket.io
customer speaking the widget's protocol (webchat/widget.js).

The answer is sent the way the handoff service sends it (handoff/rasa_client.py): a `bot`
event with the agent's custom payload and the ticket number in its metadata, executed on
the customer's latest channel. A connected customer sees it at once, marked as an agent's;
one who left finds it in `chat_history` when they come back, once, in order, however
often they reconnect.
"""

from __future__ import annotations

import queue
from typing import Any, Dict, List, Optional

import requests
import socketio

from contract.messages import agent_message
from contract.tickets import SLOT_AWAITING_MESSAGE, TICKET_ANSWER
from devtools.socketio_client import close_without_waiting
from tests.services import rasa_headers

WAIT_S = 60
ANSWER = "您好，您的发票已重新开具，已发送到您的邮箱，请查收。"


class Visit:
    """One visit of the widget: connects, presents the stored session token (if any), and
    collects the history and the live messages."""

    def __init__(self, rasa_url: str, token: Optional[str] = None) -> None:
        self.live: queue.Queue[Dict[str, Any]] = queue.Queue()
        self._history: queue.Queue[Dict[str, Any]] = queue.Queue()
        confirmed: queue.Queue[Dict[str, Any]] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self.live.put)
        self.client.on("chat_history", self._history.put)
        self.client.on("session_confirm", confirmed.put)
        self.client.connect(rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
        self.client.emit("session_request", {"session_token": token})
        session = confirmed.get(timeout=WAIT_S)
        self.session_id, self.token = session["session_id"], session["session_token"]
        self.history: List[Dict[str, Any]] = self._history.get(timeout=WAIT_S)["messages"]

    def say(self, text: str) -> Dict[str, Any]:
        """Sends `text`; the bot's first answer."""
        self.client.emit("user_uttered", {"message": text})
        return self.live.get(timeout=WAIT_S)

    def close(self) -> None:
        close_without_waiting(self.client)


def send_ticket_answer(rasa_url: str, session_id: str, ticket: str) -> requests.Response:
    return requests.post(
        f"{rasa_url}/conversations/{session_id}/tracker/events",
        params={"execute_side_effects": "true", "output_channel": "latest"},
        json=[
            {
                "event": "bot",
                "text": None,
                "data": {"custom": agent_message(ANSWER, "小王")},
                "metadata": {TICKET_ANSWER: ticket},
            },
            {"event": "slot", "name": SLOT_AWAITING_MESSAGE, "value": ticket},
        ],
        headers=rasa_headers(),
        timeout=WAIT_S,
    )


def until_agent(visit: Visit) -> Dict[str, Any]:
    while True:
        message = visit.live.get(timeout=WAIT_S)
        if message.get("sender") == "agent":
            return message


def test_a_connected_customer_sees_the_answer_at_once_marked_as_the_agents(rasa_url):
    visit = Visit(rasa_url)
    try:
        visit.say("你好")
        answered = send_ticket_answer(rasa_url, visit.session_id, "T-WEB-1")
        assert answered.status_code == 200, answered.text
        message = until_agent(visit)
        assert (message["text"], message["agent_name"]) == (ANSWER, "小王")
    finally:
        visit.close()


def test_a_customer_who_left_finds_the_answer_in_the_history_once_and_in_order(rasa_url):
    first = Visit(rasa_url)
    try:
        assert first.history == []
        first.say("我要开发票")
        token, session_id = first.token, first.session_id
    finally:
        first.close()
    answered = send_ticket_answer(rasa_url, session_id, "T-WEB-2")
    assert answered.status_code == 200, answered.text

    for _ in range(2):  # the next visit, and a reconnect after it
        visit = Visit(rasa_url, token)
        try:
            assert visit.session_id == session_id
            history = visit.history
            agents = [m for m in history if m["from"] == "agent"]
            assert [(m["text"], m["agent_name"]) for m in agents] == [(ANSWER, "小王")], history
            assert history[-1]["from"] == "agent", "after what the customer and the bot said"
            assert [m["from"] for m in history][:2] == ["user", "bot"]
            assert history[0]["text"] == "我要开发票"
            assert visit.live.empty(), "not sent again live"
            token = visit.token
        finally:
            visit.close()
