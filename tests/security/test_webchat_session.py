"""Web chat takeover and the demo page, tried against a real Rasa server.

Rasa is started the way scripts/start starts it (`rasa run` with the project's web chat
channel from credentials.yml, the real action server, shop backend and handoff service of
tests/conftest.py), with a WEBCHAT_SESSION_SECRET of the test, and talked to with a
python-socketio client speaking the widget's protocol, or with headless Chromium on the
demo page. Each attack is refused and changes nothing: the attacker is given a new
session of its own, never receives the victim's messages, and the victim's conversation
(read from the tracker store) holds only the victim's words.

- a session id the client chose (the victim's id as agents see it, a WeChat OpenID), a
  token with another id or a later expiry, an expired token, a token of another secret,
  garbage: refused, a new session issued, no history, no room joined;
- a `session_id` in a message naming the victim's conversation: ignored, the message
  stays in the socket's own session;
- a huge message: answered politely, not handed to Rasa, the channel goes on;
- a flood of messages: the conversation's rate limit answers politely;
- an identity token in the demo page's address: ignored (the visitor stays a guest);
  the demo login refuses another site's request;
- production mode: the demo page and its login answer 404, and Rasa refuses to start
  without a real WEBCHAT_SESSION_SECRET.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import requests
import socketio
import yaml

from bot import identity_token
from bot.channels import webchat_texts
from bot.channels.webchat import MAX_MESSAGE_CHARS, MAX_PACKETS_PER_POLL
from bot.channels.webchat_session import SessionSigner
from contract.messages import RATE_LIMITED_TEXT
from devtools.rasa_server import ROOT, running_rasa
from devtools.socketio_client import close_without_waiting
from tests.services import endpoints_file

CHANNEL = "bot.channels.webchat.WebChatInput"
SECRET = secrets.token_urlsafe(32)
RATE_LIMIT = 5  # MESSAGE_RATE_LIMIT of the test server: a flood is a few messages
WAIT_S = 90  # a reply waits for NLU and the action server on a busy machine
TOO_LONG = webchat_texts.TOO_LONG.format(limit=MAX_MESSAGE_CHARS)
NOT_TEXT = webchat_texts.NOT_TEXT


def log_path(name: str) -> Path:
    """Under TEST_LOG_DIR, so that the log audit of the test run reads the server's log."""
    root = Path(os.environ.get("TEST_LOG_DIR") or ROOT / "var" / "test-logs")
    return root / f"{name}-{uuid.uuid4().hex[:8]}" / "rasa.log"


def webchat_credentials(state: Path) -> Path:
    """The project's web chat channel settings (credentials.yml), and no other channel."""
    project = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    assert CHANNEL in project, f"credentials.yml has no {CHANNEL} section"
    path = state / "credentials.yml"
    path.write_text(yaml.safe_dump({CHANNEL: project[CHANNEL]}), encoding="utf-8")
    return path


class Server:
    def __init__(self, url: str, tracker_db: Path):
        self.url = url
        self.tracker_db = tracker_db

    def user_texts(self, sender_id: str) -> List[str]:
        """The customer messages stored in the tracker store for `sender_id`."""
        if not self.tracker_db.exists():
            return []
        with sqlite3.connect(self.tracker_db) as db:
            rows = db.execute(
                "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender_id,)
            ).fetchall()
        return [json.loads(data).get("text") for (data,) in rows]

    def wait_for_user_texts(self, sender_id: str, count: int) -> List[str]:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            texts = self.user_texts(sender_id)
            if len(texts) >= count:
                return texts
            time.sleep(0.3)
        raise AssertionError(f"the tracker store never held {count} messages of the conversation")


@pytest.fixture(scope="module")
def server(model: Path, action_url: str, tmp_path_factory) -> Server:
    state = tmp_path_factory.mktemp("webchat-security")
    env = {"WEBCHAT_SESSION_SECRET": SECRET, "MESSAGE_RATE_LIMIT": str(RATE_LIMIT), "MESSAGE_RATE_WINDOW_S": "600"}
    with running_rasa(
        model,
        endpoints=endpoints_file(state, action_url),
        credentials=webchat_credentials(state),
        log_path=log_path("webchat-security"),
        env=env,
    ) as url:
        yield Server(url, state / "tracker.db")


class ChatSocket:
    """A socket.io client speaking the widget's protocol (webchat/widget.js)."""

    def __init__(self, url: str):
        self.received: queue.Queue[Dict[str, Any]] = queue.Queue()
        self.confirms: queue.Queue[Any] = queue.Queue()
        self.histories: queue.Queue[Any] = queue.Queue()
        self.seen: List[Dict[str, Any]] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self.received.put)
        self.client.on("session_confirm", self.confirms.put)
        self.client.on("chat_history", self.histories.put)
        self.client.connect(url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)

    def request(self, data: Any) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        """session_request → (the session_confirm, the chat_history) the server answers."""
        self.client.emit("session_request", data)
        return self.confirms.get(timeout=WAIT_S), self.histories.get(timeout=WAIT_S)

    def say(self, text: str, **fields: Any) -> None:
        self.client.emit("user_uttered", {"message": text, **fields})

    def until(self, contains: str) -> Dict[str, Any]:
        """Waits for a message whose text contains `contains`; every message is kept in `seen`."""
        deadline = time.monotonic() + WAIT_S
        while True:
            message = self.received.get(timeout=max(0.1, deadline - time.monotonic()))
            self.seen.append(message)
            if contains in (message.get("text") or ""):
                return message

    def close(self) -> None:
        close_without_waiting(self.client)


@pytest.fixture
def sockets(server):
    opened: List[ChatSocket] = []

    def open_socket() -> ChatSocket:
        opened.append(ChatSocket(server.url))
        return opened[-1]

    yield open_socket
    for chat in opened:
        chat.close()


def forged_tokens(victim_id: str, victim_token: str) -> Dict[str, Any]:
    session_id, expires, mac = victim_token.split(".")
    other = SessionSigner(SECRET).issue()
    return {
        "the victim's id, as an agent or a tracker shows it": victim_id,
        "a WeChat OpenID": "oWECHAT_ZHANGWEI_0000000001",
        "another session's signature on the victim's id": f"{victim_id}.{other.expires}.{other.token.split('.')[2]}",
        "the victim's token with a later expiry": f"{session_id}.{int(expires) + 86400}.{mac}",
        "the victim's token, expired": SessionSigner(SECRET, ttl_s=60).issue(victim_id, now=time.time() - 120).token,
        "a token signed with another secret": SessionSigner(secrets.token_urlsafe(32)).issue(victim_id).token,
        "garbage": {"$ne": None},
    }


def test_a_session_the_server_did_not_issue_is_refused_and_joins_no_conversation(server, sockets):
    victim = sockets()
    confirm, history = victim.request({})
    victim_id, victim_token = confirm["session_id"], confirm["session_token"]
    assert victim_id != victim_token and history == {"session_id": victim_id, "messages": []}
    victim.say("你好")
    victim.until("")  # the bot's greeting
    assert server.wait_for_user_texts(victim_id, 1) == ["你好"]

    # the victim comes back with its token: same conversation, its history
    returning = sockets()
    confirm, history = returning.request({"session_token": victim_token})
    assert confirm["session_id"] == victim_id
    assert [m["text"] for m in history["messages"] if m["from"] == "user"] == ["你好"]

    attackers = []
    for name, attempt in forged_tokens(victim_id, victim_token).items():
        for field in ("session_token", "session_id"):
            attacker = sockets()
            confirm, history = attacker.request({field: attempt})
            assert confirm["session_id"] != victim_id, name
            assert history == {"session_id": confirm["session_id"], "messages": []}, f"{name}: no history"
            attackers.append((name, attacker, confirm["session_id"]))

    # a message that names the victim's conversation stays in the attacker's own
    name, attacker, own_id = attackers[0]
    attacker.say("你好，我要改绑手机", session_id=victim_id, session_token=victim_token)
    attacker.until("")
    assert server.wait_for_user_texts(own_id, 1) == ["你好，我要改绑手机"]

    # the victim talks: a message to the bot, and one too long, whose answer (the channel's own,
    # sent to the victim's room like every reply) marks what only the victim may receive
    victim.say("你好")
    victim.until("")
    victim.say("退" * (MAX_MESSAGE_CHARS + 1))
    victim.until(TOO_LONG)
    for name, attacker, _ in attackers:
        # socket.io delivers in order: had the attacker been in the victim's room, the marker
        # would come before the answer to its own message (a number: the channel's own
        # NOT_TEXT answer, sent to the attacker's room like the marker to the victim's)
        attacker.client.emit("user_uttered", {"message": 7})
        attacker.until(NOT_TEXT)
        assert all(m.get("text") != TOO_LONG for m in attacker.seen), name
    assert server.wait_for_user_texts(victim_id, 2) == ["你好", "你好"], "nothing of the attackers'"


def test_a_huge_message_is_answered_and_the_channel_goes_on(server, sockets):
    chat = sockets()
    confirm, _ = chat.request({})
    chat.say("退" * 100_000)
    assert chat.until(TOO_LONG)["text"] == TOO_LONG
    chat.say("你好")
    chat.until("")
    assert server.wait_for_user_texts(confirm["session_id"], 1) == ["你好"], "the huge one is not stored"


def test_a_flood_of_messages_is_slowed_politely(server, sockets):
    chat = sockets()
    confirm, _ = chat.request({})
    for number in range(RATE_LIMIT + 1):
        chat.say(f"你好{number}")
    assert chat.until(RATE_LIMITED_TEXT)["text"] == RATE_LIMITED_TEXT
    texts = server.wait_for_user_texts(confirm["session_id"], RATE_LIMIT)
    assert len(texts) == RATE_LIMIT, "the message over the limit is not handed to Rasa"
    # a burst larger than one long-poll's default batch (16): every message is answered
    burst = MAX_PACKETS_PER_POLL // 4
    for number in range(burst):
        chat.say(f"再来{number}")
    deadline = time.monotonic() + WAIT_S
    while (answered := sum(m.get("text") == RATE_LIMITED_TEXT for m in chat.seen) - 1) < burst:
        try:
            chat.seen.append(chat.received.get(timeout=max(0.1, deadline - time.monotonic())))
        except queue.Empty:
            raise AssertionError(f"{burst - answered} of {burst} messages of the burst got no answer") from None
    # another conversation is not slowed by this one
    other = sockets()
    other.request({})
    other.say("你好")
    other.until("")


def test_the_demo_login_refuses_another_sites_request(server):
    for headers in ({"Origin": "http://evil.example"}, {}):
        answer = requests.post(f"{server.url}/webchat/demo/login", headers=headers, timeout=30)
        assert answer.status_code == 403 and "set-cookie" not in answer.headers, headers
    page = requests.get(f"{server.url}/webchat/", timeout=30)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert '<script id="demo-login-state" type="application/json">{}</script>' in page.text, "no identity"
    own = requests.Session()
    login = own.post(f"{server.url}/webchat/demo/login", headers={"Origin": server.url}, timeout=30)
    assert login.status_code == 200
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/webchat/" in cookie
    rendered = own.get(f"{server.url}/webchat/", timeout=30).text
    assert '"identityToken":' in rendered


# --- the demo page in a browser -------------------------------------------------------------


def test_an_identity_token_in_the_page_address_is_ignored(server, sockets):
    """A crafted link carrying the attacker's identity token must not log the visitor in."""
    from tests.browser import chromium, page_context

    attacker_token = identity_token.sign({"shop_customer_id": "C0002"})
    with chromium() as browser, page_context(browser, 1100, 760, WAIT_S * 1000) as context:
        page = context.new_page()
        page.goto(f"{server.url}/webchat/?identity_token={attacker_token}#identity_token={attacker_token}")
        page.wait_for_selector(".xm-chat")
        page.click(".xm-launcher")
        page.wait_for_function(
            "() => { const c = XiaomiChat.instance(); return c && c.ready && c.socket.connected; }",
            timeout=WAIT_S * 1000,
        )
        assert page.text_content("#shop-user") == "游客"
        assert page.evaluate("XiaomiChat.instance().identityToken") == ""
        sender = page.get_attribute(".xm-chat", "data-session-id")
        page.fill(".xm-input", "你好，我的订单到哪了")
        page.press(".xm-input", "Enter")
        page.wait_for_function("() => document.querySelectorAll('.xm-msg--bot').length >= 2", timeout=WAIT_S * 1000)
    # what reached Rasa carries no identity: the visitor is not the attacker's customer
    assert server.wait_for_user_texts(sender, 1) == ["你好，我的订单到哪了"]
    with sqlite3.connect(server.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)).fetchall()
    assert all(identity_token.METADATA_KEY not in (json.loads(data).get("metadata") or {}) for (data,) in rows)


# --- production mode --------------------------------------------------------------------------


def production_env(**extra: str) -> Dict[str, str]:
    env = {
        "DEPLOY_MODE": "production",
        "WEBCHAT_SESSION_SECRET": SECRET,
        "CHANNEL_IDENTITY_SECRET": secrets.token_urlsafe(32),
        "RASA_JWT_SECRET": secrets.token_urlsafe(32),
    }
    env.update(extra)
    return env


def test_production_serves_no_demo_page_and_needs_a_real_secret(model: Path, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'tracker.db'}\n"
        "lock_store:\n  type: in_memory\n",
        encoding="utf-8",
    )
    credentials = webchat_credentials(tmp_path)
    for weak in ("", "short"):
        with pytest.raises(RuntimeError, match="WEBCHAT_SESSION_SECRET"):
            with running_rasa(
                model,
                endpoints=endpoints,
                credentials=credentials,
                log_path=log_path("webchat-production-refused"),
                env=production_env(WEBCHAT_SESSION_SECRET=weak),
            ):
                pass

    with running_rasa(
        model,
        endpoints=endpoints,
        credentials=credentials,
        log_path=log_path("webchat-production"),
        env=production_env(),
    ) as url:
        for path in ("/webchat/", "/webchat", "/webchat/index.html"):
            assert requests.get(f"{url}{path}", timeout=30, allow_redirects=False).status_code == 404, path
        for action in ("login", "logout"):
            answer = requests.post(f"{url}/webchat/demo/{action}", headers={"Origin": url}, timeout=30)
            assert answer.status_code == 404 and "set-cookie" not in answer.headers
        # what a shop embeds is still served, and sessions still work
        assert requests.get(f"{url}/webchat/widget.js", timeout=30).status_code == 200
        chat = ChatSocket(url)
        try:
            confirm, _ = chat.request({"session_id": "oWECHAT_ZHANGWEI_0000000001"})
            assert SessionSigner(SECRET).verify(confirm["session_token"]) == confirm["session_id"]
        finally:
            chat.close()
