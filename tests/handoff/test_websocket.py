"""WS /ws on a real uvicorn: pushes to the consoles; Redis pub/sub between two instances."""

from __future__ import annotations

import json
import uuid
from contextlib import ExitStack

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from handoff.app import create_app
from handoff.auth import COOKIE_NAME
from servicekit.clock import Clock
from servicekit.testing import LiveServer

from .support import MONDAY_10, PASSWORD, REDIS_URL, SERVICE, make_settings, package, reset_database

RECEIVE_TIMEOUT = 15  # a guard against hanging, not a measurement


def _login(base_url: str, username: str) -> str:
    response = httpx.post(f"{base_url}/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.cookies[COOKIE_NAME]


def _socket(server: LiveServer, token: str):
    return connect(server.ws_url, additional_headers={"Cookie": f"{COOKIE_NAME}={token}"})


def _next(ws, wanted_type: str) -> dict:
    while True:
        event = json.loads(ws.recv(timeout=RECEIVE_TIMEOUT))
        if event["type"] == wanted_type:
            return event


@pytest.fixture
def settings(database_url, recorder):
    settings = make_settings(database_url, recorder)
    reset_database(settings, Clock(MONDAY_10))
    recorder.reset()
    return settings


def test_customer_message_is_pushed_to_consoles(settings):
    with (
        LiveServer(create_app(settings, clock=Clock(MONDAY_10))) as server,
        httpx.Client(base_url=server.url, headers=SERVICE) as http,
    ):
        wang, li = _login(server.url, "wang"), _login(server.url, "li")
        with _socket(server, wang) as wang_ws, _socket(server, li) as li_ws:
            opened = http.post("/api/handoffs", json=package("web-ws")).json()
            assert _next(wang_ws, "queue") == {"type": "queue"}
            assert _next(li_ws, "queue") == {"type": "queue"}
            http.post(
                "/api/rasa-events",
                json={
                    "sender_id": "web-ws",
                    "event": "user",
                    "text": "人呢？",
                    "parse_data": {"intent": {"name": "request_human", "confidence": 0.9}},
                },
            )
            pushed = _next(wang_ws, "message")
            assert pushed["handoff_id"] == opened["id"]
            assert pushed["message"]["text"] == "人呢？" and pushed["message"]["role"] == "customer"
            assert pushed["message"]["intent"] == "request_human"
            assert _next(li_ws, "message")["message"]["text"] == "人呢？"

            cookie = {"Cookie": f"{COOKIE_NAME}={wang}"}
            assert httpx.post(f"{server.url}/api/handoffs/{opened['id']}/accept", headers=cookie).status_code == 200
            # li learns only that the queue changed, nothing of the conversation wang took
            assert _next(li_ws, "queue") == {"type": "queue"}
            # Held by wang now: the next customer message goes to wang only (and supervisors).
            http.post("/api/rasa-events", json={"sender_id": "web-ws", "event": "user", "text": "第二句"})
            assert _next(wang_ws, "message")["message"]["text"] == "第二句"
            lis = _login(server.url, "li")
            li_id = httpx.get(f"{server.url}/api/auth/me", headers={"Cookie": f"{COOKIE_NAME}={lis}"}).json()["id"]
            httpx.post(f"{server.url}/api/handoffs/{opened['id']}/transfer", headers=cookie, json={"agent_id": li_id})
            event = _next(li_ws, "assigned")
            assert event == {"type": "assigned", "handoff_id": opened["id"]}
            # li never received "第二句": the next message event li sees is a later one.
            http.post("/api/rasa-events", json={"sender_id": "web-ws", "event": "user", "text": "第三句"})
            assert _next(li_ws, "message")["message"]["text"] == "第三句"


def test_websocket_needs_a_session(settings):
    with LiveServer(create_app(settings, clock=Clock(MONDAY_10))) as server:
        with pytest.raises(InvalidStatus):
            with connect(server.ws_url):
                pass
        with pytest.raises(InvalidStatus):
            with connect(server.ws_url, additional_headers={"Cookie": f"{COOKIE_NAME}=forged"}):
                pass


def _redis_unreachable_reason() -> str | None:
    try:
        import redis
    except ImportError as exc:  # pragma: no cover
        return f"redis client missing: {exc}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL} ({type(exc).__name__}: {exc})"


def test_two_instances_share_events_through_redis(settings):
    reason = _redis_unreachable_reason()
    if reason:
        print(f"\nskipping the Redis pub/sub test: {reason}")
        pytest.skip(reason)
    channel = f"handoff-test:{uuid.uuid4().hex}"  # no other run hears this test
    shared = settings.model_copy(update={"redis_url": REDIS_URL, "redis_channel": channel})
    with ExitStack() as stack:
        a = stack.enter_context(LiveServer(create_app(shared, clock=Clock(MONDAY_10))))
        b = stack.enter_context(LiveServer(create_app(shared, clock=Clock(MONDAY_10))))
        ws_a = stack.enter_context(_socket(a, _login(a.url, "wang")))
        ws_b = stack.enter_context(_socket(b, _login(b.url, "li")))
        with httpx.Client(base_url=b.url, headers=SERVICE) as http_b:
            opened = http_b.post("/api/handoffs", json=package("web-redis")).json()
            assert _next(ws_a, "queue") == {"type": "queue"}
            http_b.post("/api/rasa-events", json={"sender_id": "web-redis", "event": "user", "text": "B 上的消息"})
        pushed = _next(ws_a, "message")
        assert pushed["handoff_id"] == opened["id"] and pushed["message"]["text"] == "B 上的消息"
        # Each instance delivers an event once, whether it published it or not.
        assert _next(ws_b, "queue") == {"type": "queue"}
        assert _next(ws_b, "message")["message"]["text"] == "B 上的消息"
