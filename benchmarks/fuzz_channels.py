"""The four channels of `benchmarks.fuzz`: what an input to each looks like and how it is sent.

Each channel has a maker (`random.Random` → a case: a dict with its `shape`, the
label the report prints) and a runner (case → `Outcome`). Customer messages are
the cases with `customer=True`; the runners decide whether they were answered.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import requests
import socketio
from wechatpy.crypto import WeChatCrypto

from benchmarks import fuzz_inputs as gen
from benchmarks.fuzz_stack import (
    HANDOFF_SERVICE_KEY,
    REQUEST_TIMEOUT_S,
    Outcome,
    Stack,
    WebChatCustomer,
    preview,
    status_of,
    timed_request,
)
from bot.channels.webchat import MAX_PACKET_BYTES
from bot.channels.wechat import texts as wechat_texts
from contract.http import SERVICE_KEY_HEADER
from tests.services import HANDOFF_DEMO_PASSWORD
from tests.wechat.fake_wechat import FakeWeChat, sign

# WeChat refuses bodies past 64 KiB; a genuine push's text stays well inside.
WECHAT_TEXT_CHARS = 12_000
AGENT_CUSTOMERS = 4
# the web chat's socket.io packet limit, less room for the packet around the text
SOCKETIO_PACKET_BYTES = MAX_PACKET_BYTES - 100_000


# ---------------------------------------------------------------------- REST


def rest_case(rng: random.Random) -> Dict[str, Any]:
    """One REST input: a customer message with a hostile text, or a hostile request."""
    sender = "fuzz-" + gen.ascii_token(rng, 16)
    roll = rng.random()
    if roll < 0.5:
        shape, text = gen.hostile_text(rng, past_limits=True)
        body: Dict[str, Any] = {"sender": sender, "message": text}
        if rng.random() < 0.3:
            label, metadata = gen.metadata_variant(rng)
            shape += f"/{label}"
            body["metadata"] = metadata
        return dict(shape=f"message:{shape}", body=gen.to_json_bytes(body), text=text, sender=sender, customer=True)
    if roll < 0.7:
        field = rng.choice(("sender", "message", "metadata", "input_channel"))
        label, value = gen.wrong_type(rng)
        body = {"sender": sender, "message": gen.hostile_text(rng, huge=False)[1], field: value}
        if rng.random() < 0.2:
            del body[rng.choice(("sender", "message"))]
        return dict(shape=f"field:{field}={label}", body=gen.to_json_bytes(body), text=body.get("message"))
    if roll < 0.8:
        label, raw = gen.malformed_json(rng)
        return dict(shape=f"body:{label}", body=raw, text=raw)
    if roll < 0.87:
        label, raw = rng.choice((gen.invalid_utf8, gen.binary, gen.padded))(rng)
        if label.startswith("invalid-utf8"):
            raw = b'{"sender": "' + sender.encode() + b'", "message": "' + raw + b'"}'
        return dict(shape=f"body:{label}", body=raw, text=raw)
    if roll < 0.94:
        depth = rng.choice(gen.DEEP_DUMPABLE)
        body = {"sender": sender, "message": gen.nested(depth, kind=rng.choice(("list", "dict")))}
        return dict(shape=f"field:message=nested-{depth}", body=gen.to_json_bytes(body), text="")
    # the request around the body: content types, methods, query strings, headers
    variants = [
        ("content-type-form", "POST", {"Content-Type": "application/x-www-form-urlencoded"}, {}),
        ("content-type-xml", "POST", {"Content-Type": "text/xml"}, {}),
        ("stream-true", "POST", {}, {"stream": "true"}),
        ("stream-junk", "POST", {}, {"stream": "\u00ff\x00"}),
        ("get", "GET", {}, {}),
        ("put", "PUT", {}, {}),
        ("auth-junk", "POST", {"Authorization": "Bearer " + "x" * 8_000}, {}),
        ("auth-none", "POST", {"Authorization": ""}, {}),
        ("auth-wrong", "POST", {"Authorization": "Bearer not-the-token"}, {}),
    ]
    label, method, headers, params = rng.choice(variants)
    body = {"sender": sender, "message": gen.hostile_text(rng, huge=False)[1]}
    return dict(
        shape=f"request:{label}", body=gen.to_json_bytes(body), method=method, headers=headers, params=params, text=""
    )


def run_rest(stack: Stack, index: int, case: Dict[str, Any]) -> Outcome:
    headers = {"Content-Type": "application/json", **stack.rest_headers(), **case.get("headers", {})}
    response, seconds, error = timed_request(
        case.get("method", "POST"),
        f"{stack.rasa_url}/webhooks/rest/webhook",
        data=case["body"],
        headers=headers,
        params=case.get("params"),
    )
    outcome = Outcome(index, case["shape"], preview(case.get("text")), status_of(response), seconds)
    outcome.note = error
    if case.get("customer"):
        outcome.customer_message = True
        if response is not None and response.status_code == 200:
            try:
                outcome.answered = bool(response.json())
            except ValueError:
                outcome.answered, outcome.note = False, "not JSON"
        elif response is not None and 400 <= response.status_code < 500:
            outcome.answered = bool(response.content)  # a clear refusal
        else:
            outcome.answered = False
        if not outcome.answered and response is not None:
            outcome.held = stack.paused(case["sender"])
            outcome.note = outcome.note or "no reply"
    return outcome


# ------------------------------------------------------------------ socket.io


def socketio_case(rng: random.Random) -> Dict[str, Any]:
    roll = rng.random()
    if roll < 0.5:
        shape, text = gen.hostile_text(rng, past_limits=False)
        metadata = None
        if rng.random() < 0.3:
            label, metadata = gen.metadata_variant(rng)
            shape += f"/{label}"
        # past engine.io's packet limit, or with an integer of over 100 digits (engine.io's JSON
        # refuses those against CPU exhaustion), the transport drops it: a probe, not a customer message
        fits = len(gen.to_json_bytes([text, metadata])) < SOCKETIO_PACKET_BYTES and not _transport_refuses(metadata)
        return dict(kind="message", shape=f"message:{shape}", text=text, metadata=metadata, customer=fits)
    if roll < 0.62:
        # the widget's events with wrong shapes ("SESSION" becomes the confirmed session id)
        event = rng.choice(("user_uttered", "session_request", "user_uttered", "no_such_event", "x" * 5_000))
        shapes: List[Callable[[], gen.Labelled]] = [
            lambda: gen.wrong_type(rng),
            lambda: ("no-session", {"message": gen.hostile_text(rng, huge=False)[1]}),
            lambda: ("junk-session", {"message": "你好", "session_id": gen.hostile_text(rng, huge=False)[1]}),
            lambda: ("message-type", {"message": gen.wrong_type(rng)[1], "session_id": "SESSION"}),
            lambda: ("nested", {"message": "你好", "session_id": "SESSION", "metadata": gen.nested(200, kind="dict")}),
            lambda: ("metadata-json-string", {"message": "你好", "session_id": "SESSION", "metadata": '{"a": [1, 2'}),
            lambda: ("huge-message", {"message": "我" * gen.HUGE_CHARS_PAST_LIMITS[0], "session_id": "SESSION"}),
        ]
        label, data = shapes[rng.randrange(len(shapes))]()
        return dict(kind="event", shape=f"event:{event[:20]}:{label}", event=event, data=data, text=data)
    # raw engine.io / socket.io packets over the polling transport
    packets: List[Callable[[], Tuple[str, bytes]]] = [
        lambda: ("eio-unknown-type", b"9hello"),
        lambda: ("eio-empty", b""),
        lambda: ("eio-binary", gen.binary(rng)[1]),
        lambda: ("eio-invalid-utf8", b"4" + gen.invalid_utf8(rng)[1]),
        lambda: ("eio-huge", b"4" + b"a" * rng.choice(gen.PAST_LIMIT_BYTES)),
        lambda: ("sio-truncated", b'42["user_uttered", {"message": "'),
        lambda: ("sio-not-a-list", b'42{"message": "hi"}'),
        lambda: ("sio-empty-list", b"42[]"),
        lambda: ("sio-event-not-string", b'42[1, {"message": "hi"}]'),
        lambda: _deep_packet(rng.choice(gen.DEEP)),
        lambda: ("sio-surrogate", b'42["user_uttered", {"message": "\\ud800", "session_id": "\\udfff"}]'),
        lambda: ("sio-binary-placeholder", b'451-["user_uttered", {"_placeholder": true, "num": 0}]'),
        lambda: ("sio-bad-namespace", b"40/admin,"),
        lambda: ("sio-ack-junk", b"43999999999999999999999[]"),
        lambda: ("sio-bad-type", b"49junk"),
        lambda: ("sio-long-int-id", b"42" + b"9" * 5_000 + b'["x"]'),
        lambda: ("sio-records", b"\x1e".join([b'42["x"]'] * 1_000)),
    ]
    label, body = packets[rng.randrange(len(packets))]()
    queries: List[Tuple[str, Dict[str, str]]] = [
        ("eio3", {"EIO": "3"}),
        ("eio-junk", {"EIO": "\u00ff\x00"}),
        ("transport-websocket", {"transport": "websocket"}),
        ("sid-junk", {"sid": "x" * rng.choice((1, 100, 10_000))}),
    ]
    query_label, query = ("", {}) if rng.random() < 0.8 else queries[rng.randrange(len(queries))]
    return dict(kind="raw", shape=f"raw:{label}{'/' + query_label if query_label else ''}", body=body, query=query)


ENGINEIO_MAX_INT_DIGITS = 100  # engineio/json.py: _safe_int


def _transport_refuses(value: Any) -> bool:
    try:
        return _has_huge_int(value)
    except RecursionError:  # nested past Python's limit: engine.io's parser refuses it too
        return True


def _has_huge_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return len(str(abs(value))) > ENGINEIO_MAX_INT_DIGITS
    if isinstance(value, dict):
        return any(_has_huge_int(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_huge_int(v) for v in value)
    return False


def _deep_packet(depth: int) -> Tuple[str, bytes]:
    return f"sio-deep-{depth}", b'42["user_uttered", ' + gen.deep_json_text(depth).encode() + b"]"


def _raw_polling(stack: Stack, body: bytes, query: Dict[str, str]) -> Tuple[Optional[requests.Response], float, str]:
    url = f"{stack.rasa_url}/socket.io/"
    base = {"EIO": "4", "transport": "polling"}
    handshake, _, error = timed_request("GET", url, params=base)
    if handshake is None or not handshake.ok:
        return handshake, 0.0, error or "handshake failed"
    try:
        sid = json.loads(handshake.text[1:])["sid"]
    except (ValueError, KeyError):
        return handshake, 0.0, "handshake unreadable"
    params = {**base, "sid": sid, **query}
    timed_request("POST", url, params=dict(base, sid=sid), data=b"40")
    response, seconds, error = timed_request("POST", url, params=params, data=body)
    with contextlib.suppress(requests.RequestException):
        requests.post(url, params=dict(base, sid=sid), data=b"1", timeout=5)
    return response, seconds, error


def run_socketio(stack: Stack, index: int, case: Dict[str, Any], reply_timeout_s: float) -> Outcome:
    if case["kind"] == "raw":
        response, seconds, error = _raw_polling(stack, case["body"], case["query"])
        return Outcome(index, case["shape"], preview(case["body"]), status_of(response), seconds, note=error)
    customer = WebChatCustomer(stack.rasa_url, reply_timeout_s)
    outcome = Outcome(index, case["shape"], preview(case.get("text")), None, 0.0)
    started = time.perf_counter()
    try:
        if not customer.connect():
            outcome.note = "no session_confirm"
            outcome.customer_message = bool(case.get("customer"))
            outcome.answered = False
            return outcome
        outcome.status = 200  # connected: the transport answered
        if case["kind"] == "event":
            data = case["data"]
            if isinstance(data, dict) and data.get("session_id") == "SESSION":
                data = dict(data, session_id=customer.session_id)
            started = time.perf_counter()
            customer.client.emit(case["event"], data)
            customer.next_reply(0.2)  # whatever comes; the server must stay up
            outcome.seconds = time.perf_counter() - started
            return outcome
        started = time.perf_counter()
        customer.say(case["text"], case.get("metadata"))
        reply = customer.next_reply()
        outcome.seconds = time.perf_counter() - started
        outcome.customer_message, outcome.answered = bool(case.get("customer")), reply is not None
        if reply is None:
            outcome.note = "no bot_uttered"
            outcome.held = stack.paused(str(customer.session_id))
    except socketio.exceptions.SocketIOError as error:
        outcome.seconds = time.perf_counter() - started
        outcome.note = f"socket.io: {type(error).__name__}"
        if case.get("customer"):
            outcome.customer_message, outcome.answered = True, False
    finally:
        customer.close()
    return outcome


# --------------------------------------------------------------------- WeChat


def _wechat_message_xml(rng: random.Random, account: str, openid: str, kind: str, content: str = "") -> str:
    now, msg_id = int(time.time()), rng.randrange(10**17, 10**18)
    head = (
        f"<xml><ToUserName><![CDATA[{account}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{now}</CreateTime>"
    )
    if kind == "text":
        cdata = content.replace("]]>", "]]]]><![CDATA[>")
        return (
            head
            + f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{cdata}]]></Content><MsgId>{msg_id}</MsgId></xml>"
        )
    if kind in ("subscribe", "unsubscribe", "CLICK", "VIEW"):
        return (
            head
            + f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{kind}]]></Event>"
            + "<EventKey><![CDATA[k]]></EventKey></xml>"
        )
    extra = {
        "image": "<PicUrl><![CDATA[http://127.0.0.1:9/a.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId>",
        "voice": "<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format>",
        "location": "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>20</Scale>",
        "link": "<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[http://x]]></Url>",
    }[kind]
    return head + f"<MsgType><![CDATA[{kind}]]></MsgType>{extra}<MsgId>{msg_id}</MsgId></xml>"


def wechat_case(rng: random.Random) -> Dict[str, Any]:
    openid = "oFuzz" + gen.ascii_token(rng, 23)
    nonce = str(rng.randrange(10**11, 10**12))
    roll = rng.random()
    if roll < 0.45:
        shape, text = gen.hostile_text(rng, past_limits=False)
        content = gen.xml_safe(text)[:WECHAT_TEXT_CHARS]
        return dict(
            kind="message",
            shape=f"text:{shape}",
            openid=openid,
            nonce=nonce,
            xml_kind="text",
            content=content,
            customer=True,
            text=content,
        )
    if roll < 0.52:
        kind = rng.choice(("subscribe", "image", "voice", "location", "link", "CLICK"))
        return dict(
            kind="message",
            shape=f"{kind}",
            openid=openid,
            nonce=nonce,
            xml_kind=kind,
            content="",
            customer=True,
            text=kind,
        )
    if roll < 0.55:
        kind = rng.choice(("unsubscribe", "VIEW"))
        return dict(kind="message", shape=f"{kind}", openid=openid, nonce=nonce, xml_kind=kind, content="", text=kind)
    if roll < 0.68:
        # forged or broken signatures around a well-formed message
        forgery = rng.choice(
            (
                "wrong-signature",
                "no-signature",
                "stale-timestamp",
                "future-timestamp",
                "junk-timestamp",
                "huge-timestamp",
                "no-nonce",
                "wrong-msg-signature",
                "encrypt-type-junk",
                "plaintext-downgrade",
                "replayed-nonce",
            )
        )
        content = gen.xml_safe(gen.hostile_text(rng, huge=False)[1])
        return dict(
            kind="forged",
            shape=f"forged:{forgery}",
            openid=openid,
            nonce=nonce,
            forgery=forgery,
            content=content,
            text=content,
        )
    if roll < 0.84:
        # signed bodies that are not WeChat XML (the outer body)
        label, body = rng.choice((gen.malformed_xml, gen.xml_bomb, gen.invalid_utf8, gen.binary, gen.padded))(rng)
        raw = body.encode("utf-8", errors="surrogatepass") if isinstance(body, str) else body
        return dict(kind="outer", shape=f"outer:{label}", nonce=nonce, body=raw, text=raw)
    # encrypted with the right key, but the inside is hostile
    choice = rng.randrange(6)
    if choice == 0:
        label, inner = gen.malformed_xml(rng)
    elif choice == 1:
        label, inner = gen.xml_bomb(rng)
    elif choice == 2:
        label, inner_bytes = gen.invalid_utf8(rng)
        inner = inner_bytes
    elif choice == 3:
        label = "control-chars-in-content"
        inner = _wechat_message_xml(rng, "gh_fake0000000", openid, "text", "你好\x01\x02\x1b[31m")
    elif choice == 4:
        label = "msgtype-junk"
        inner = _wechat_message_xml(rng, "gh_fake0000000", openid, "text", "hi").replace(
            "<![CDATA[text]]>", "<![CDATA[" + rng.choice(("", "TEXT", "\ufffd", "x" * 3000, "event")) + "]]>"
        )
    else:
        label = rng.choice(("no-from", "empty-from", "huge-from"))
        from_user = {"no-from": None, "empty-from": "", "huge-from": "o" * 30_000}[label]
        inner = _wechat_message_xml(rng, "gh_fake0000000", openid, "text", "你好")
        inner = inner.replace(
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
            "" if from_user is None else f"<FromUserName><![CDATA[{from_user}]]></FromUserName>",
        )
    if isinstance(inner, str):
        inner = inner.encode("utf-8", errors="surrogatepass")
    wrapper = rng.choice(("right-key", "right-key", "right-key", "bad-base64", "empty-encrypt", "wrong-appid"))
    return dict(kind="inner", shape=f"inner:{label}/{wrapper}", nonce=nonce, inner=inner, wrapper=wrapper, text=inner)


def _signed_params(fake: FakeWeChat, nonce: str, timestamp: Optional[str] = None) -> Dict[str, str]:
    ts = timestamp or str(int(time.time()))
    return {"signature": sign(fake.token, ts, nonce), "timestamp": ts, "nonce": nonce}


def _encrypted(fake: FakeWeChat, inner: bytes, nonce: str, wrapper: str = "right-key") -> Tuple[Dict[str, str], bytes]:
    params = _signed_params(fake, nonce)
    crypto = fake.crypto
    if wrapper == "wrong-appid":
        crypto = WeChatCrypto(fake.token, fake.encoding_aes_key, "wx0000000000000000")
    encrypted = crypto.encrypt_message(inner, nonce, params["timestamp"])
    encrypt = encrypted.split("<Encrypt><![CDATA[", 1)[1].split("]]></Encrypt>", 1)[0]
    if wrapper == "bad-base64":
        encrypt = encrypt[:-7] + "!!*@#$%"
    elif wrapper == "empty-encrypt":
        encrypt = ""
    params.update(encrypt_type="aes", msg_signature=sign(fake.token, params["timestamp"], nonce, encrypt))
    body = f"<xml><ToUserName><![CDATA[{fake.account}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    return params, body.encode()


class WeChatWatch:
    """Counts the customer-service messages the fake WeChat received per OpenID."""

    def __init__(self, fake: FakeWeChat) -> None:
        self.fake = fake

    def sent(self, openid: str) -> List[str]:
        with self.fake.api.lock:
            return [s.content for s in self.fake.api.sends if s.touser == openid]

    def wait(self, openid: str, timeout_s: float) -> List[str]:
        deadline = time.monotonic() + timeout_s
        with self.fake.api.lock:
            while True:
                sent = [s.content for s in self.fake.api.sends if s.touser == openid]
                remaining = deadline - time.monotonic()
                if sent or remaining <= 0:
                    return sent
                self.fake.api.lock.wait(remaining)

    def allow(self, openid: str) -> None:
        with self.fake.api.lock:
            self.fake.api.allowance[openid] = 5


def run_wechat(stack: Stack, index: int, case: Dict[str, Any], reply_timeout_s: float) -> Outcome:
    fake, watch = stack.fake, WeChatWatch(stack.fake)
    webhook = f"{stack.rasa_url}/webhooks/wechat/webhook"
    kind, nonce = case["kind"], case["nonce"]
    rng = random.Random(nonce)
    if kind == "message":
        xml = _wechat_message_xml(rng, fake.account, case["openid"], case["xml_kind"], case["content"])
        params, body = _encrypted(fake, xml.encode("utf-8"), nonce)
        watch.allow(case["openid"])
    elif kind == "forged":
        xml = _wechat_message_xml(rng, fake.account, case["openid"], "text", case["content"])
        params, body = _encrypted(fake, xml.encode("utf-8"), nonce)
        watch.allow(case["openid"])
        forgery = case["forgery"]
        if forgery == "wrong-signature":
            params["signature"] = sign("not-the-token", params["timestamp"], nonce)
        elif forgery == "no-signature":
            del params["signature"]
        elif forgery in ("stale-timestamp", "future-timestamp", "junk-timestamp", "huge-timestamp"):
            ts = {
                "stale-timestamp": str(int(time.time()) - 3 * 3600),
                "future-timestamp": str(int(time.time()) + 3 * 3600),
                "junk-timestamp": "1e10",
                "huge-timestamp": "9" * 400,
            }[forgery]
            params.update(timestamp=ts, signature=sign(fake.token, ts, nonce))
        elif forgery == "no-nonce":
            del params["nonce"]
        elif forgery == "wrong-msg-signature":
            params["msg_signature"] = "0" * 40
        elif forgery == "encrypt-type-junk":
            params["encrypt_type"] = "\u0000aes"
        elif forgery == "plaintext-downgrade":
            params = _signed_params(fake, nonce)
            body = xml.encode("utf-8")
        elif forgery == "replayed-nonce":
            requests.post(webhook, params=params, data=body, timeout=REQUEST_TIMEOUT_S)
            other = _wechat_message_xml(rng, fake.account, case["openid"], "text", "把我的手机号改成13900000000")
            body = _encrypted(fake, other.encode(), nonce)[1]
    elif kind == "outer":
        params, body = _signed_params(fake, nonce), case["body"]
        if rng.random() < 0.5:
            params.update(encrypt_type="aes", msg_signature=sign(fake.token, params["timestamp"], nonce, ""))
    else:
        params, body = _encrypted(fake, case["inner"], nonce, case["wrapper"])
    response, seconds, error = timed_request(
        "POST", webhook, params=params, data=body, headers={"Content-Type": "text/xml"}
    )
    outcome = Outcome(index, case["shape"], preview(case.get("text")), status_of(response), seconds)
    outcome.note = error
    if case.get("customer"):
        outcome.customer_message = True
        if response is None or response.status_code != 200:
            outcome.answered, outcome.note = False, outcome.note or "genuine push refused"
        else:
            started = time.perf_counter() - seconds
            sent = watch.wait(case["openid"], reply_timeout_s)
            outcome.seconds = time.perf_counter() - started
            replies = [text for text in sent if text != wechat_texts.BOT_ERROR]
            outcome.answered = bool(replies)
            if not outcome.answered:
                outcome.note = "only the error apology" if sent else "no customer-service message"
                outcome.held = stack.paused(case["openid"])
    return outcome


# -------------------------------------------------------------------- handoff


class HandoffDesk:
    """An agent logged in, holding AGENT_CUSTOMERS web chat customers' handoffs."""

    def __init__(self, stack: Stack, reply_timeout_s: float) -> None:
        self.stack = stack
        self.reply_timeout_s = reply_timeout_s
        self.agent = requests.Session()
        self.customers: List[WebChatCustomer] = []
        self.handoff_ids: List[int] = []
        self.locks: List[threading.Lock] = []
        self.service_headers = {SERVICE_KEY_HEADER: HANDOFF_SERVICE_KEY}

    def open(self) -> None:
        url = self.stack.handoff_url
        login = self.agent.post(
            f"{url}/api/auth/login", json={"username": "wang", "password": HANDOFF_DEMO_PASSWORD}, timeout=30
        )
        login.raise_for_status()
        for number in range(AGENT_CUSTOMERS):
            customer = WebChatCustomer(self.stack.rasa_url, self.reply_timeout_s)
            if not customer.connect():
                raise RuntimeError("web chat customer got no session")
            customer.say("你好")
            customer.next_reply(120)  # the first turn loads the models
            time.sleep(1.0)
            while customer.next_reply(0.2) is not None:
                pass
            package = handoff_package(str(customer.session_id), channel="socketio", summary=f"fuzz customer {number}")
            opened = requests.post(f"{url}/api/handoffs", json=package, headers=self.service_headers, timeout=30)
            opened.raise_for_status()
            handoff_id = opened.json()["id"]
            self.agent.post(f"{url}/api/handoffs/{handoff_id}/accept", timeout=30).raise_for_status()
            while customer.next_reply(1.0) is not None:  # queue notes
                pass
            self.customers.append(customer)
            self.handoff_ids.append(handoff_id)
            self.locks.append(threading.Lock())

    def close(self) -> None:
        for customer in self.customers:
            customer.close()


def handoff_package(sender_id: str, channel: str = "rest", summary: str = "客户要求人工") -> Dict[str, Any]:
    return {
        "sender_id": sender_id,
        "channel": channel,
        "customer": {"id": None, "name": None, "phone_masked": None, "level": None, "verified": False},
        "reason": "request_human",
        "trigger": {},
        "priority": 0,
        "summary": summary,
        "transcript": [],
        "slots": {},
        "orders": [],
    }


def handoff_case(rng: random.Random) -> Dict[str, Any]:
    roll = rng.random()
    if roll < 0.35:
        shape, text = gen.hostile_text(rng, past_limits=True)
        return dict(kind="reply", shape=f"reply:{shape}", customer_index=rng.randrange(AGENT_CUSTOMERS), text=text)
    if roll < 0.42:
        shape, text = gen.hostile_text(rng)
        return dict(kind="note", shape=f"note:{shape}", customer_index=rng.randrange(AGENT_CUSTOMERS), text=text)
    if roll < 0.55:
        username = rng.choice(("wang", "zhou", "nobody", gen.hostile_text(rng, huge=False)[1]))
        password = rng.choice((gen.hostile_text(rng)[1], gen.wrong_type(rng)[1], "", "x" * 100_000))
        body: Any = {"username": username, "password": password}
        if rng.random() < 0.3:
            body = {"username": gen.wrong_type(rng)[1], "password": password}
        return dict(
            kind="login", shape="login:" + ("known" if username in ("wang", "zhou") else "other"), body=body, text=body
        )
    if roll < 0.72:
        return _service_key_case(rng)
    if roll < 0.84:
        return _agent_path_case(rng)
    if roll < 0.93:
        path = rng.choice(
            (
                "/api/auth/login",
                "/api/handoffs",
                "/api/rasa-events",
                "/api/handoffs/1/messages",
                "/api/tickets/1/messages",
            )
        )
        label, raw = rng.choice((gen.malformed_json, gen.invalid_utf8, gen.binary, gen.padded))(rng)
        return dict(kind="raw", shape=f"raw:{path}:{label}", path=path, body=raw, text=raw)
    # who is calling: junk keys and cookies
    path = rng.choice(("/api/handoffs", "/api/rasa-events", "/api/queue", "/api/handoffs/1", "/api/labels"))
    label, headers = rng.choice(
        (
            ("key-wrong", {SERVICE_KEY_HEADER: "dev-service-key"}),
            ("key-empty", {SERVICE_KEY_HEADER: ""}),
            ("key-huge", {SERVICE_KEY_HEADER: "k" * 50_000}),
            ("key-latin1", {SERVICE_KEY_HEADER: "ключ".encode().decode("latin-1")}),
            ("cookie-junk", {"Cookie": "handoff_session=" + gen.ascii_token(rng, 64)}),
            ("cookie-huge", {"Cookie": "handoff_session=" + "a" * 20_000}),
            ("cookie-many", {"Cookie": "; ".join(f"c{i}=v" for i in range(2_000))}),
        )
    )
    method = "GET" if path in ("/api/queue", "/api/handoffs/1", "/api/labels") else "POST"
    return dict(kind="auth", shape=f"auth:{label}:{path}", method=method, path=path, headers=headers, text=label)


def _mutated(rng: random.Random, value: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    field = rng.choice(sorted(value))
    roll = rng.random()
    if roll < 0.4:
        label, replacement = gen.wrong_type(rng)
    elif roll < 0.7:
        label, replacement = gen.hostile_text(rng)
    elif roll < 0.85:
        depth = rng.choice(gen.DEEP_DUMPABLE)
        label, replacement = f"nested-{depth}", gen.nested(depth, kind=rng.choice(("list", "dict")))
    else:
        label, replacement = "missing", None
    mutated = dict(value)
    if label == "missing":
        del mutated[field]
    else:
        mutated[field] = replacement
    return f"{field}={label}", mutated


def _service_key_case(rng: random.Random) -> Dict[str, Any]:
    sender = "fuzz-" + gen.ascii_token(rng, 16)
    which = rng.random()
    if which < 0.45:
        package = handoff_package(sender)
        if rng.random() < 0.15:  # a well-formed package with hostile words (opens a handoff)
            package["summary"] = gen.hostile_text(rng, huge=False)[1][:500]
            return dict(
                kind="service",
                shape="open-handoff:hostile-summary",
                path="/api/handoffs",
                body=package,
                text=package["summary"],
            )
        label, body = _mutated(rng, package)
        return dict(kind="service", shape=f"open-handoff:{label}", path="/api/handoffs", body=body, text=body)
    if which < 0.8:
        # a third of them for a conversation an agent holds ("DESK:n" becomes its sender id)
        event = {
            "sender_id": f"DESK:{rng.randrange(AGENT_CUSTOMERS)}" if rng.random() < 0.33 else sender,
            "event": "user",
            "timestamp": 1_780_000_000 + rng.random() * 10_000_000,
            "text": gen.hostile_text(rng)[1],
            "parse_data": {"intent": {"name": "greet", "confidence": 0.9}},
            "input_channel": "socketio",
            "metadata": {},
        }
        label, body = _mutated(rng, event)
        return dict(kind="service", shape=f"rasa-event:{label}", path="/api/rasa-events", body=body, text=body)
    if which < 0.9:
        handoff_id = rng.choice(("1", "0", "-1", "99999999999999999999", "abc", "%F0%9F%98%80", "1.5"))
        label, rating = gen.wrong_type(rng) if rng.random() < 0.7 else ("int", rng.randint(-10, 10))
        return dict(
            kind="service",
            shape=f"rating:{label}",
            path=f"/api/handoffs/{handoff_id}/rating",
            body={"rating": rating},
            text=rating,
        )
    ticket_id = rng.choice(("1", "0", "abc", "99999999999999999999"))
    label, text = gen.hostile_text(rng)
    return dict(
        kind="service",
        shape=f"ticket-message:{label}",
        path=f"/api/tickets/{ticket_id}/messages",
        body={"text": text},
        text=text,
    )


def _agent_path_case(rng: random.Random) -> Dict[str, Any]:
    junk_id = rng.choice(("0", "-1", "abc", "1e3", "99999999999999999999", "%00", "..%2F..%2Fetc", "1;DROP"))
    action, method, body = rng.choice(
        (
            ("", "GET", None),
            ("/accept", "POST", None),
            ("/messages", "POST", {"text": "您好"}),
            ("/notes", "POST", {"text": "备注"}),
            ("/transfer", "POST", {"agent_id": gen.wrong_type(rng)[1]}),
            ("/return", "POST", None),
            ("/close", "POST", {"disposition": gen.hostile_text(rng, huge=False)[1]}),
        )
    )
    if rng.random() < 0.5:
        return dict(
            kind="agent",
            shape=f"path:handoffs/<junk>{action}",
            method=method,
            path=f"/api/handoffs/{junk_id}{action}",
            body=body,
            text=junk_id,
        )
    query = rng.choice(
        (
            ("/api/handoffs", {"state": gen.hostile_text(rng, huge=False)[1]}),
            ("/api/tickets", {"status": gen.hostile_text(rng, huge=False)[1]}),
            ("/api/queue", {"limit": "-1"}),
        )
    )
    return dict(kind="agent", shape=f"query:{query[0]}", method="GET", path=query[0], params=query[1], text=query[1])


def _agent_writes(stack: Stack, desk: HandoffDesk, index: int, case: Dict[str, Any]) -> Outcome:
    """An agent's reply (it must reach the customer's widget, marked as the agent's) or note."""
    number = case["customer_index"]
    handoff_id, customer = desk.handoff_ids[number], desk.customers[number]
    path = f"/api/handoffs/{handoff_id}/{'messages' if case['kind'] == 'reply' else 'notes'}"
    with desk.locks[number]:
        started = time.perf_counter()
        response, seconds, error = timed_request(
            "POST",
            stack.handoff_url + path,
            data=gen.to_json_bytes({"text": case["text"]}),
            headers={"Content-Type": "application/json"},
            cookies=desk.agent.cookies,
        )
        outcome = Outcome(index, case["shape"], preview(case["text"]), status_of(response), seconds, note=error)
        if case["kind"] == "reply" and outcome.status == 201:
            outcome.customer_message = True
            reply = customer.next_reply()
            outcome.seconds = time.perf_counter() - started
            outcome.answered = reply is not None and reply.get("sender") == "agent"
            if not outcome.answered:
                outcome.note = "accepted but not delivered" if reply is None else "delivered unmarked"
            while customer.next_reply(0.05) is not None:  # a long reply may arrive in parts
                pass
        return outcome


def run_handoff(stack: Stack, desk: HandoffDesk, index: int, case: Dict[str, Any]) -> Outcome:
    url = stack.handoff_url
    kind = case["kind"]
    if kind in ("reply", "note"):
        return _agent_writes(stack, desk, index, case)
    response: Optional[requests.Response]
    if kind == "login":
        response, seconds, error = timed_request(
            "POST",
            f"{url}/api/auth/login",
            data=gen.to_json_bytes(case["body"]),
            headers={"Content-Type": "application/json"},
        )
    elif kind == "service":
        body = case["body"]
        if isinstance(body, dict) and str(body.get("sender_id", "")).startswith("DESK:"):
            body = dict(body, sender_id=desk.customers[int(body["sender_id"][5:])].session_id)
        response, seconds, error = timed_request(
            "POST",
            url + case["path"],
            data=gen.to_json_bytes(body),
            headers={"Content-Type": "application/json", **desk.service_headers},
        )
    elif kind == "agent":
        body = case.get("body")
        response, seconds, error = timed_request(
            case["method"],
            url + case["path"],
            cookies=desk.agent.cookies,
            params=case.get("params"),
            data=None if body is None else gen.to_json_bytes(body),
            headers={"Content-Type": "application/json"},
        )
    elif kind == "raw":
        headers = {"Content-Type": "application/json", **desk.service_headers}
        response, seconds, error = timed_request(
            "POST", url + case["path"], data=case["body"], headers=headers, cookies=desk.agent.cookies
        )
    else:
        response, seconds, error = timed_request(case["method"], url + case["path"], headers=case["headers"], json={})
    return Outcome(index, case["shape"], preview(case.get("text")), status_of(response), seconds, note=error)


MAKERS: Dict[str, Callable[[random.Random], Dict[str, Any]]] = {
    "rest": rest_case,
    "socketio": socketio_case,
    "wechat": wechat_case,
    "handoff": handoff_case,
}
