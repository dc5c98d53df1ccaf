"""The handoff service crashes while a customer waits in its queue, and comes back.

Real processes (tests/services.py): Rasa with the relay broker, the action server, the
shop backend, and a handoff service that the test kills (SIGKILL) and starts again on the
same port and SQLite database. The customer's messages written meanwhile wait in the
relay's outbox and reach the agent exactly once, in order, once the service is back.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
import requests

from devtools.rasa_server import free_port, running_rasa
from tests.services import (
    RestartableService,
    agent_session,
    endpoints_file,
    rest_message,
    restartable_handoff,
    running_actions,
    tracker,
)

# the relay's backoff is capped at 30 s (bot/brokers/relay_settings.py), on a busy machine
DELIVERY_DEADLINE_S = 120
ANGRY = "你们到底怎么搞的？？？快递一个星期了还没到，气死我了，再拖我就去投诉！！！"


@pytest.fixture(scope="module")
def stack(model: Path, backend_url: str, tmp_path_factory) -> Iterator[Tuple[RestartableService, str]]:
    """A restartable handoff service and a Rasa whose broker relays to it."""
    state = tmp_path_factory.mktemp("relay-restart")
    rasa_port = free_port()
    with restartable_handoff(state, rasa_url=f"http://127.0.0.1:{rasa_port}") as handoff:
        with running_actions(backend_url, state, extra_env={"ACTIONS_HANDOFF_URL": handoff.url}) as action_url:
            endpoints = endpoints_file(state, action_url, handoff_url=handoff.url)
            with running_rasa(model, endpoints=endpoints, port=rasa_port) as rasa_url:
                yield handoff, rasa_url


def poll(check: Callable[[], Any], what: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def handoff_id_of(session: requests.Session, handoff_url: str, sender: str) -> int:
    def find() -> int:
        rows = session.get(f"{handoff_url}/api/handoffs", timeout=10).json()
        rows = rows.get("items", rows) if isinstance(rows, dict) else rows
        return next((row["id"] for row in rows if row.get("sender_id") == sender), 0)

    return poll(find, f"the handoff of {sender}", 60)


def customer_texts(session: requests.Session, handoff_url: str, handoff_id: int) -> List[str]:
    detail = session.get(f"{handoff_url}/api/handoffs/{handoff_id}", timeout=10)
    detail.raise_for_status()
    return [m["text"] for m in detail.json()["messages"] if m["role"] == "customer"]


def user_texts(events: List[Dict[str, Any]]) -> List[str]:
    return [e.get("text") for e in events if e.get("event") == "user"]


def test_messages_written_while_the_handoff_service_is_down_reach_the_agent_once_in_order(stack):
    handoff, rasa_url = stack
    sender = f"relay-restart-{uuid.uuid4().hex[:8]}"
    rest_message(rasa_url, sender, "你好")
    reply = " ".join(m.get("text") or "" for m in rest_message(rasa_url, sender, ANGRY))
    assert "人工客服" in reply, reply
    supervisor = agent_session(handoff.url, "zhou")
    handoff_id = handoff_id_of(supervisor, handoff.url, sender)
    assert customer_texts(supervisor, handoff.url, handoff_id)[-1] == ANGRY

    handoff.stop(kill=True)
    assert not handoff.running
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{handoff.url}/health", timeout=5)
    written = [f"我还在等，第{n}条消息" for n in range(1, 6)]
    for text in written:
        assert rest_message(rasa_url, sender, text) == [], "paused for a person: the bot stays silent"
    conversation = tracker(rasa_url, sender)
    assert conversation["paused"] is True
    assert user_texts(conversation["events"])[-5:] == written

    handoff.start()  # same port, same database
    agent = agent_session(handoff.url, "zhou")
    arrived = poll(
        lambda: (texts := customer_texts(agent, handoff.url, handoff_id)) and written[-1] in texts and texts,
        "the five messages relayed after the restart",
        DELIVERY_DEADLINE_S,
    )
    assert arrived[arrived.index(ANGRY) + 1 :] == written, "each once, in order"
