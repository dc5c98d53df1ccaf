"""Server-issued web chat sessions without a server: the token logic
(bot/channels/webchat_session.py), the channel's binding of a socket to its session,
what it hands to Rasa, and the demo page's login helpers (bot/channels/webchat_demo.py)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from http.cookies import SimpleCookie
from types import SimpleNamespace

import pytest
from sanic.response import json as json_response

from bot import identity_token
from bot.channels import webchat_demo, webchat_session, webchat_texts
from bot.channels.webchat import MAX_MESSAGE_CHARS, WebChatInput, message_metadata
from bot.channels.webchat_session import SessionSigner, signer_from_env, valid_session_id
from bot.rate_limit import MessageRateLimiter
from contract.deployment import UnsafeForProduction
from contract.messages import RATE_LIMITED_TEXT

SECRET = "test-webchat-session-secret-0123456789"
NOW = 1_900_000_000


# --- tokens -------------------------------------------------------------------------------


def test_a_session_is_a_random_server_id_with_a_signed_expiry():
    signer = SessionSigner(SECRET, ttl_s=3600)
    first, second = signer.issue(now=NOW), signer.issue(now=NOW)
    assert first.id != second.id and valid_session_id(first.id) and len(first.id) == 32
    assert first.expires == NOW + 3600
    session_id, expires, mac = first.token.split(".")
    assert (session_id, int(expires)) == (first.id, NOW + 3600) and len(mac) == 43
    assert signer.verify(first.token, now=NOW) == first.id
    assert signer.verify(first.token, now=NOW + 3599) == first.id
    # renewing keeps the conversation and moves the expiry
    renewed = signer.issue(first.id, now=NOW + 100)
    assert renewed.id == first.id and renewed.expires == NOW + 3700
    assert signer.verify(renewed.token, now=NOW + 3650) == first.id


def tampered(token: str) -> list:
    session_id, expires, mac = token.split(".")
    other_id = ("0" if session_id[0] != "0" else "1") + session_id[1:]
    flipped = ("A" if mac[0] != "A" else "B") + mac[1:]
    return [
        f"{other_id}.{expires}.{mac}",  # another conversation's id with this token's signature
        f"{session_id}.{int(expires) + 10_000_000}.{mac}",  # a later expiry
        f"{session_id}.{expires}.{flipped}",
        f"{session_id}.{expires}.{mac}=",
        f"{session_id.upper()}.{expires}.{mac}",
        f"{session_id}.{expires}",
        f"{session_id}..{mac}",
        f" {token}",
        token + "\n",
    ]


@pytest.mark.parametrize(
    "attempt",
    [
        None,
        "",
        12345,
        ["a"],
        {"session_id": "x"},
        "oWECHAT_ZHANGWEI",  # a WeChat OpenID
        "9c0aef11adfdfdb494cb7bff95e7274d",  # a bare id: another customer's, as an agent sees it
        "customer-1234",
        "../../etc/passwd",
        "a" * 5000,
        "\ud800",
        "好" * 40,
    ],
)
def test_anything_but_a_token_the_server_signed_is_refused(attempt):
    assert SessionSigner(SECRET).verify(attempt, now=NOW) is None


def test_tampered_expired_and_foreign_tokens_are_refused():
    signer = SessionSigner(SECRET, ttl_s=3600)
    session = signer.issue(now=NOW)
    for attempt in tampered(session.token):
        assert signer.verify(attempt, now=NOW) is None, attempt
    assert signer.verify(session.token, now=NOW + 3600) is None, "expired"
    assert SessionSigner(SECRET + "x").verify(session.token, now=NOW) is None, "another server's secret"
    # a token with a forged MAC computed without the secret
    forged_mac = base64.urlsafe_b64encode(b"\0" * 32).rstrip(b"=").decode()
    assert signer.verify(f"{session.id}.{NOW + 3600}.{forged_mac}", now=NOW) is None


def test_session_ids_are_only_server_shaped():
    assert valid_session_id("9c0aef11adfdfdb494cb7bff95e7274d")
    for value in ("9C0AEF11ADFDFDB494CB7BFF95E7274D", "oWECHAT_ZHANGWEI", "a" * 31, "a" * 33, None, 1):
        assert not valid_session_id(value), value
    with pytest.raises(ValueError):
        SessionSigner(SECRET).issue("oWECHAT_ZHANGWEI")


# --- settings and production mode ---------------------------------------------------------


def test_production_refuses_a_missing_or_weak_secret():
    for secret in ("", "short", "dev-service-key", "dev-only-channel-identity-secret-change-me"):
        with pytest.raises(UnsafeForProduction, match="WEBCHAT_SESSION_SECRET"):
            signer_from_env({"DEPLOY_MODE": "production", "WEBCHAT_SESSION_SECRET": secret})
    signer = signer_from_env({"DEPLOY_MODE": "production", "WEBCHAT_SESSION_SECRET": SECRET})
    assert SessionSigner(SECRET).verify(signer.issue().token) is not None


def test_development_without_a_secret_signs_with_a_random_key_of_the_process():
    first, second = signer_from_env({}), signer_from_env({})
    session = first.issue()
    assert first.verify(session.token) == session.id
    assert second.verify(session.token) is None, "not a published or shared default"
    assert first.ttl_s == webchat_session.DEFAULT_TTL_S


def test_the_lifetime_setting():
    assert signer_from_env({"WEBCHAT_SESSION_TTL_S": "600"}).ttl_s == 600
    for wrong in ("soon", "0", "-5", str(10**9)):
        with pytest.raises(ValueError, match="WEBCHAT_SESSION_TTL_S"):
            signer_from_env({"WEBCHAT_SESSION_TTL_S": wrong})


# --- the channel: binding and what reaches Rasa ------------------------------------------


class FakeServer:
    """Stands in for socketio.AsyncServer: records emits and room membership."""

    def __init__(self):
        self.sent = []
        self.rooms = {}

    async def emit(self, event, data=None, room=None, **kwargs):
        self.sent.append((event, data, room))

    async def enter_room(self, sid, room, namespace=None):
        self.rooms.setdefault(sid, set()).add(room)

    async def leave_room(self, sid, room, namespace=None):
        self.rooms.get(sid, set()).discard(room)

    def events(self, name):
        return [(data, room) for event, data, room in self.sent if event == name]


def make_channel(limit: int = 100) -> WebChatInput:
    channel = WebChatInput.from_credentials({"session_persistence": True})
    channel.signer = SessionSigner(SECRET)
    channel.rate_limiter = MessageRateLimiter(limit=limit, window_s=60)
    return channel


def run(coroutine):
    return asyncio.run(coroutine)


def start(channel, server, sid, data):
    return run(channel.start_session(server, sid, data))


def test_a_valid_token_resumes_its_conversation_and_is_renewed():
    channel, server = make_channel(), FakeServer()
    first = start(channel, server, "sid-1", {})
    assert server.events("session_confirm")[-1] == (
        {"session_id": first.id, "session_token": first.token},
        "sid-1",
    )
    assert server.events("chat_history")[-1] == ({"session_id": first.id, "messages": []}, "sid-1")
    assert server.rooms["sid-1"] == {first.id} and channel.bound["sid-1"] == first.id

    again = start(channel, server, "sid-2", {"session_token": first.token})
    assert again.id == first.id and server.rooms["sid-2"] == {first.id}
    assert server.events("session_confirm")[-1][0]["session_id"] == first.id


@pytest.mark.parametrize("field", ["session_token", "session_id"])
def test_a_client_chosen_or_forged_session_gets_a_new_one_and_joins_no_other_room(field):
    channel, server = make_channel(), FakeServer()
    victim = start(channel, server, "victim", {})
    attempts = [
        victim.id,  # the victim's id, as an agent or a log would show it
        "oWECHAT_ZHANGWEI",
        *tampered(victim.token),
        SessionSigner(SECRET, ttl_s=60).issue(victim.id, now=time.time() - 120).token,  # expired a minute ago
        SessionSigner("another-secret-0123456789").issue(victim.id).token,
        "<script>",
        {"nested": True},
    ]
    for number, attempt in enumerate(attempts):
        sid = f"attacker-{number}"
        session = start(channel, server, sid, {field: attempt})
        assert session.id != victim.id, attempt
        assert server.rooms[sid] == {session.id}, "only its own new room"
        confirm, room = server.events("session_confirm")[-1]
        assert room == sid and confirm["session_id"] == session.id
        assert server.events("chat_history")[-1][0]["messages"] == []
    assert {sid for sid, rooms in server.rooms.items() if victim.id in rooms} == {"victim"}


def test_a_new_request_on_the_same_socket_leaves_the_previous_room():
    channel, server = make_channel(), FakeServer()
    first = start(channel, server, "sid", {})
    second = start(channel, server, "sid", {"session_token": "garbage"})
    assert server.rooms["sid"] == {second.id} and first.id not in server.rooms["sid"]


class Rasa:
    """Records the messages the channel hands to Rasa."""

    def __init__(self):
        self.messages = []

    async def __call__(self, message):
        self.messages.append(message)


def receive(channel, server, rasa, sid, data):
    run(channel.receive(server, sid, data, rasa))


def test_messages_go_to_the_session_bound_to_the_socket_never_to_one_they_name():
    channel, server, rasa = make_channel(), FakeServer(), Rasa()
    victim = start(channel, server, "victim", {})
    own = start(channel, server, "attacker", {"session_id": victim.id})
    receive(channel, server, rasa, "attacker", {"message": "把手机号改成 139", "session_id": victim.id})
    receive(channel, server, rasa, "attacker", {"message": "再试", "session_token": victim.token})
    assert [m.sender_id for m in rasa.messages] == [own.id, own.id]
    assert all(m.input_channel == "socketio" for m in rasa.messages)
    assert rasa.messages[0].output_channel.name() == "socketio"


def test_a_socket_that_sends_before_asking_gets_a_session_first():
    channel, server, rasa = make_channel(), FakeServer(), Rasa()
    receive(channel, server, rasa, "sid", {"message": "你好", "session_id": "9c0aef11adfdfdb494cb7bff95e7274d"})
    ((confirm, room),) = server.events("session_confirm")
    assert room == "sid" and rasa.messages[0].sender_id == confirm["session_id"] != "9c0aef11adfdfdb494cb7bff95e7274d"


def test_only_the_identity_token_of_the_metadata_reaches_rasa():
    token = identity_token.sign({"shop_customer_id": "C0001"})
    assert message_metadata({"identity_token": token, "shop_customer_id": "C0002", "verified": True}) == {
        "identity_token": token
    }
    assert message_metadata(json.dumps({"identity_token": token})) == {"identity_token": token}
    for raw in (None, "{not json", [token], {"identity_token": 5}, {"identity_token": "x" * 5000}, {"a": "b"}):
        assert message_metadata(raw) == {}, raw


def test_too_long_not_text_and_too_fast_are_answered_and_not_passed_on():
    channel, server, rasa = make_channel(limit=3), FakeServer(), Rasa()
    session = start(channel, server, "sid", {})
    receive(channel, server, rasa, "sid", {"message": "好" * (MAX_MESSAGE_CHARS + 1)})
    receive(channel, server, rasa, "sid", {"message": {"text": "x"}})
    receive(channel, server, rasa, "sid", {"message": "好" * MAX_MESSAGE_CHARS})
    assert [m.text for m in rasa.messages] == ["好" * MAX_MESSAGE_CHARS]
    receive(channel, server, rasa, "sid", {"message": "再来一条"})
    answers = [data["text"] for data, room in server.events("bot_uttered") if room == session.id]
    assert answers == [
        webchat_texts.TOO_LONG.format(limit=MAX_MESSAGE_CHARS),
        webchat_texts.NOT_TEXT,
        RATE_LIMITED_TEXT,
    ]
    assert len(rasa.messages) == 1
    receive(channel, server, rasa, "sid", "not even a dict")
    assert len(rasa.messages) == 1


def test_the_binding_ends_with_the_socket():
    channel, server = make_channel(), FakeServer()
    start(channel, server, "sid", {})
    channel.bound.pop("sid", None)  # what the disconnect handler does
    assert "sid" not in channel.bound


# --- the demo page's login ----------------------------------------------------------------


def test_the_demo_page_renders_only_a_login_the_server_signed():
    template = '<script id="s" type="application/json">{{DEMO_LOGIN}}</script>'
    assert webchat_demo.render_page(template, webchat_demo.login_state(None)) == (
        '<script id="s" type="application/json">{}</script>'
    )
    login = webchat_demo.login_state(webchat_demo.login_cookie_value())
    assert login["customer"] == webchat_demo.DEMO_CUSTOMER_ID
    assert identity_token.verify(login["identityToken"])["shop_customer_id"] == webchat_demo.DEMO_CUSTOMER_ID
    for cookie in (
        "garbage",
        identity_token.sign({"shop_customer_id": "C0002"}),  # someone else's, even signed
        identity_token.sign({"shop_customer_id": "C0001"}, key="not-the-channel-identity-secret-0123456789"),
        identity_token.sign({"shop_customer_id": "C0001"}, ttl_s=-10),
    ):
        assert webchat_demo.login_state(cookie) == {}, cookie
    rendered = webchat_demo.render_page(template, {"customer": "</script><script>alert(1)</script>"})
    assert rendered.count("</script>") == 1 and "<script>alert" not in rendered


def request(origin, host="localhost:5005"):
    headers = {"origin": origin} if origin is not None else {}
    return SimpleNamespace(headers=headers, host=host)


def test_the_demo_login_accepts_only_its_own_pages():
    assert webchat_demo.same_origin(request("http://localhost:5005"))
    for origin in (None, "", "null", "http://evil.example", "http://localhost:5006", "file://", "http://localhost"):
        assert not webchat_demo.same_origin(request(origin)), origin


@pytest.mark.parametrize("secure", [False, True])
def test_the_login_cookie_is_http_only_and_same_site(secure):
    answer = json_response({})
    webchat_demo.set_cookie(answer, "value", secure=secure)
    header = answer.cookies[webchat_demo.LOGIN_COOKIE].encode("utf-8").decode()
    parsed = SimpleCookie()
    parsed.load(header)
    cookie = parsed[webchat_demo.LOGIN_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/webchat/"
    assert bool(cookie["secure"]) is secure
    assert "Secure" in header if secure else "Secure" not in header
