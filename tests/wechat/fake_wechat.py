"""A fake WeChat on loopback that speaks the real protocol.

- `FakeWeChat.push(...)` is WeChat's message push: it signs the request (and in
  safe mode, the default, encrypts it and signs `Encrypt` with msg_signature;
  `safe=False` is plaintext mode), POSTs it to the
  connector, and resends the identical request when no answer comes within
  `timeout_s` (5 s in production), three deliveries in all. Passive replies are
  decrypted and checked the way WeChat would.
- An HTTP server serves `/cgi-bin/token` and `/cgi-bin/message/custom/send`:
  it issues access_tokens, refuses tokens it did not issue or that were
  replaced, can expire the current token (40001/42001) to make the connector
  refresh, enforces the 2048-byte text limit, the 5 messages per customer
  message (45047) and the 48-hour window after it (45015; `set_last_message_age`
  or the fake's clock, `clock_offset_s`, move time), can fail sends with an HTTP
  error status (`send_http_status`), can be slow (`token_delay_s`, `send_delay_s`),
  and records every call.
- `/cgi-bin/message/template/send` (template messages, outside the 48-hour window and
  the 5 messages): accepts only templates added with `add_template` (else 40037) and
  customers who follow the account (`unfollow` makes it answer 43004 until the customer
  follows again: a `subscribe` event), sends a repeat
  of a `client_msg_id` once, and records every call (`template_sends`).
"""

from __future__ import annotations

import json
import random
import string
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional
from urllib.parse import parse_qs, urlparse

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

MAX_DELIVERIES = 3
MAX_REPLIES_PER_MESSAGE = 5
WINDOW_S = 48 * 3600
MAX_TEXT_BYTES = 2048


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def cdata(value: str) -> str:
    return value.replace("]]>", "]]]]><![CDATA[>")


def nonce() -> str:
    return "".join(random.choices(string.digits, k=9))


@dataclass
class Delivery:
    status: Optional[int]  # None: no answer within the timeout
    body: str
    seconds: float


@dataclass
class PushResult:
    deliveries: List[Delivery]
    reply: Optional[str] = None  # the passive reply's Content, if any
    reply_xml: Optional[dict] = None

    @property
    def answered(self) -> Optional[Delivery]:
        return next((d for d in self.deliveries if d.status is not None), None)


@dataclass
class Send:
    touser: str
    msgtype: str
    content: str
    access_token: str
    errcode: int


@dataclass
class TemplateSend:
    touser: str
    template_id: str
    data: dict
    client_msg_id: str
    errcode: int


@dataclass
class ApiState:
    appid: str
    secret: str
    token_expires_in: int = 7200
    tokens_issued: List[str] = field(default_factory=list)
    # token -> errcode it now gets (replaced or expired tokens)
    dead_tokens: Dict[str, int] = field(default_factory=dict)
    sends: List[Send] = field(default_factory=list)
    # replies allowed per OpenID since its last message
    allowance: Dict[str, int] = field(default_factory=dict)
    # when each OpenID last wrote (the fake's clock)
    last_message_at: Dict[str, float] = field(default_factory=dict)
    # added to the real clock: moves the fake's time forward
    clock_offset_s: float = 0.0
    # seconds the token endpoint / custom/send take before answering
    token_delay_s: float = 0.0
    send_delay_s: float = 0.0
    token_requests: int = 0
    sends_started: int = 0
    # not 200: custom/send fails with this HTTP status (a WeChat outage)
    send_http_status: int = 200
    # template ids added to the account; customers who unfollowed it
    template_ids: set = field(default_factory=set)
    unfollowed: set = field(default_factory=set)
    template_sends: List[TemplateSend] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    def now(self) -> float:
        return time.time() + self.clock_offset_s


def _sleep(state: ApiState, delay: str) -> None:
    """Waits while the delay named `delay` lasts (setting it to 0 ends the wait early)."""
    started = time.monotonic()
    while time.monotonic() - started < getattr(state, delay):
        time.sleep(0.05)


class _ApiHandler(BaseHTTPRequestHandler):
    state: ApiState  # set on the subclass

    def log_message(self, *args) -> None:  # quiet
        pass

    def _json(self, payload: dict, status: int = 200) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path != "/cgi-bin/token":
            return self._json({"errcode": 404, "errmsg": "not found"}, 404)
        state = self.state
        if query.get("grant_type") != "client_credential" or query.get("appid") != state.appid:
            return self._json({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("secret") != state.secret:
            return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
        with state.lock:
            state.token_requests += 1
            state.lock.notify_all()
        _sleep(state, "token_delay_s")
        with state.lock:
            token = f"TOKEN-{len(state.tokens_issued) + 1}-{nonce()}"
            # A new token replaces the old one (WeChat keeps a short overlap; none here).
            for old in state.tokens_issued:
                state.dead_tokens.setdefault(old, 40001)
            state.tokens_issued.append(token)
        self._json({"access_token": token, "expires_in": state.token_expires_in})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path not in ("/cgi-bin/message/custom/send", "/cgi-bin/message/template/send"):
            return self._json({"errcode": 404, "errmsg": "not found"}, 404)
        length = int(self.headers.get("Content-Length") or 0)
        data = json.loads(self.rfile.read(length).decode("utf-8"))
        token = query.get("access_token", "")
        if url.path == "/cgi-bin/message/template/send":
            return self._template_send(data, token)
        state = self.state
        with state.lock:
            state.sends_started += 1
            state.lock.notify_all()
        _sleep(state, "send_delay_s")
        with state.lock:
            touser, msgtype = data.get("touser", ""), data.get("msgtype", "")
            content = (data.get("text") or {}).get("content", "")
            status = state.send_http_status
            if status != 200:
                errcode = -1  # system busy
            elif token not in state.tokens_issued:
                errcode = 40014
            elif token in state.dead_tokens:
                errcode = state.dead_tokens[token]
            elif msgtype != "text" or not touser:
                errcode = 40008
            elif len(content.encode("utf-8")) > MAX_TEXT_BYTES:
                errcode = 45002
            elif state.now() - state.last_message_at.get(touser, float("-inf")) > WINDOW_S:
                errcode = 45015  # response out of time limit
            elif state.allowance.get(touser, 0) <= 0:
                errcode = 45047  # out of response count limit
            else:
                errcode = 0
                state.allowance[touser] -= 1
            state.sends.append(Send(touser, msgtype, content, token, errcode))
            state.lock.notify_all()
        self._json({"errcode": errcode, "errmsg": "ok" if errcode == 0 else "refused"}, status)

    def _template_send(self, data: dict, token: str) -> None:
        state = self.state
        with state.lock:
            touser, template_id = data.get("touser", ""), data.get("template_id", "")
            fields = data.get("data")
            client_msg_id = str(data.get("client_msg_id") or "")
            accepted = [t for t in state.template_sends if t.errcode == 0 and t.touser == touser]
            if token not in state.tokens_issued:
                errcode = 40014
            elif token in state.dead_tokens:
                errcode = state.dead_tokens[token]
            elif not touser:
                errcode = 40003  # invalid openid
            elif template_id not in state.template_ids:
                errcode = 40037  # invalid template_id
            elif not isinstance(fields, dict) or not all(
                isinstance(v, dict) and isinstance(v.get("value"), str) for v in fields.values()
            ):
                errcode = 47001  # data format error
            elif touser in state.unfollowed:
                errcode = 43004  # require subscribe
            else:
                errcode = 0
            repeat = errcode == 0 and client_msg_id and any(t.client_msg_id == client_msg_id for t in accepted)
            if not repeat:
                state.template_sends.append(TemplateSend(touser, template_id, fields or {}, client_msg_id, errcode))
            state.lock.notify_all()
        payload = {"errcode": errcode, "errmsg": "ok" if errcode == 0 else "refused"}
        if errcode == 0:
            payload["msgid"] = random.randrange(10**8, 10**9)
        self._json(payload)


class FakeWeChat:
    def __init__(
        self,
        token: str,
        appid: str,
        secret: str,
        encoding_aes_key: str,
        timeout_s: float = 5.0,
        account: str = "gh_fake0000000",
    ) -> None:
        self.token, self.appid, self.secret = token, appid, secret
        self.encoding_aes_key = encoding_aes_key
        self.crypto = WeChatCrypto(token, encoding_aes_key, appid)
        self.timeout_s = timeout_s
        self.account = account
        self.api = ApiState(appid, secret)
        handler = type("Handler", (_ApiHandler,), {"state": self.api})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._msg_ids = random.randrange(10**18, 9 * 10**18)

    # ------------------------------------------------------------- lifecycle
    def __enter__(self) -> FakeWeChat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def api_base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ------------------------------------------------------------- API side
    def expire_current_token(self, errcode: int = 42001) -> str:
        """The token in use stops working with `errcode` (42001 expired, 40001 invalid)."""
        with self.api.lock:
            token = self.api.tokens_issued[-1]
            self.api.dead_tokens[token] = errcode
            return token

    def add_template(self, template_id: str) -> None:
        """The account adds a template from WeChat's library (its id is then accepted)."""
        with self.api.lock:
            self.api.template_ids.add(template_id)

    def unfollow(self, openid: str) -> None:
        """The customer no longer follows the account: template messages get 43004."""
        with self.api.lock:
            self.api.unfollowed.add(openid)

    def templates_to(self, openid: str, ok_only: bool = True) -> List[TemplateSend]:
        with self.api.lock:
            return [t for t in self.api.template_sends if t.touser == openid and (t.errcode == 0 or not ok_only)]

    def sends_to(self, openid: str, ok_only: bool = True) -> List[Send]:
        with self.api.lock:
            return [s for s in self.api.sends if s.touser == openid and (s.errcode == 0 or not ok_only)]

    def wait_for_sends(self, openid: str, count: int, timeout: float = 90.0) -> List[str]:
        """Contents of the first `count` accepted messages to `openid` (waits for them)."""
        deadline = time.monotonic() + timeout
        with self.api.lock:
            while True:
                sent = [s.content for s in self.api.sends if s.touser == openid and s.errcode == 0]
                if len(sent) >= count:
                    return sent
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{len(sent)} of {count} messages to {openid} arrived: {sent}")
                self.api.lock.wait(remaining)

    def settle(self, openid: str, quiet_s: float = 1.5, timeout: float = 90.0) -> List[str]:
        """All accepted messages to `openid` once none came for `quiet_s` (at least one)."""
        self.wait_for_sends(openid, 1, timeout)
        last = None
        while True:
            current = len(self.sends_to(openid))
            if current == last:
                return [s.content for s in self.sends_to(openid)]
            last = current
            time.sleep(quiet_s)

    # ------------------------------------------------------------ push side
    def text_xml(self, openid: str, content: str, msg_id: Optional[int] = None) -> str:
        if msg_id is None:
            self._msg_ids += 1
            msg_id = self._msg_ids
        return (
            f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{cdata(content)}]]></Content><MsgId>{msg_id}</MsgId></xml>"
        )

    def media_xml(self, openid: str, msg_type: str, extra: str = "") -> str:
        self._msg_ids += 1
        return (
            f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
            f"{extra}<MsgId>{self._msg_ids}</MsgId></xml>"
        )

    def event_xml(self, openid: str, event: str, key: str = "", create_time: Optional[int] = None) -> str:
        return (
            f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
            f"<EventKey><![CDATA[{key}]]></EventKey></xml>"
        )

    def signed_request(
        self,
        xml: str,
        safe: bool,
        forge_signature: bool = False,
        forge_msg_signature: bool = False,
        timestamp: Optional[int] = None,
    ):
        """(query params, body) exactly as WeChat would send them."""
        ts, nc = str(timestamp or int(time.time())), nonce()
        openid = (xmltodict.parse(xml)["xml"] or {}).get("FromUserName", "")
        params = {"signature": sign(self.token, ts, nc), "timestamp": ts, "nonce": nc, "openid": openid}
        body = xml
        if safe:
            encrypted = xmltodict.parse(self.crypto.encrypt_message(xml, nc, ts))["xml"]
            # Safe mode: the body holds only ToUserName and Encrypt.
            body = (
                f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypted['Encrypt']}]]></Encrypt></xml>"
            )
            params.update(encrypt_type="aes", msg_signature=encrypted["MsgSignature"])
            if forge_msg_signature:
                params["msg_signature"] = sign("not-the-token", ts, nc, encrypted["Encrypt"])
        if forge_signature:
            params["signature"] = sign("not-the-token", ts, nc)
        return params, body.encode("utf-8")

    def _new_customer_message(self, xml: str) -> None:
        doc = xmltodict.parse(xml)["xml"]
        if doc.get("MsgType") == "event" and doc.get("Event") == "subscribe":
            with self.api.lock:
                self.api.unfollowed.discard(doc.get("FromUserName", ""))
        self.customer_wrote(doc.get("FromUserName", ""))

    def customer_wrote(self, openid: str) -> None:
        """What WeChat does on a customer message: up to 5 messages may answer it, for 48 hours."""
        with self.api.lock:
            self.api.allowance[openid] = MAX_REPLIES_PER_MESSAGE
            self.api.last_message_at[openid] = self.api.now()

    def set_last_message_age(self, openid: str, seconds: float) -> None:
        """The customer last wrote `seconds` ago (by the fake's clock)."""
        with self.api.lock:
            self.api.last_message_at[openid] = self.api.now() - seconds

    def wait_until(self, condition, timeout: float = 90.0) -> None:
        """Waits until `condition(api_state)` holds (checked whenever the API is called)."""
        deadline = time.monotonic() + timeout
        with self.api.lock:
            while not condition(self.api):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("the fake WeChat never saw the expected calls")
                self.api.lock.wait(remaining)

    def push(self, webhook_url: str, xml: str, safe: bool = True, **forgery) -> PushResult:
        params, body = self.signed_request(xml, safe, **forgery)
        self._new_customer_message(xml)
        return self.deliver(webhook_url, params, body)

    def deliver(self, webhook_url: str, params: dict, body: bytes) -> PushResult:
        """Sends the identical request until it is answered within the timeout without a
        server error (3 tries)."""
        result = PushResult([])
        for _ in range(MAX_DELIVERIES):
            started = time.monotonic()
            try:
                response = requests.post(
                    webhook_url, params=params, data=body, timeout=self.timeout_s, headers={"Content-Type": "text/xml"}
                )
            except requests.exceptions.Timeout:  # WeChat cuts the connection and resends
                result.deliveries.append(Delivery(None, "", time.monotonic() - started))
                continue
            result.deliveries.append(Delivery(response.status_code, response.text, time.monotonic() - started))
            if response.status_code >= 500:  # a failed delivery: WeChat tries again
                continue
            if response.status_code == 200 and response.text not in ("", "success"):
                result.reply_xml = self.read_reply(response.text, params.get("encrypt_type") == "aes")
                result.reply = result.reply_xml.get("Content")
            break
        return result

    def read_reply(self, text: str, encrypted: bool) -> dict:
        """A passive reply as WeChat reads it; encrypted replies must carry a valid MsgSignature."""
        doc = xmltodict.parse(text)["xml"]
        if encrypted:
            assert "Encrypt" in doc, f"an encrypted request needs an encrypted reply: {text}"
            plain = self.crypto.decrypt_message(doc, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"])
            doc = xmltodict.parse(plain)["xml"]
        return doc

    def verify_url(self, webhook_url: str, echostr: str, forge: bool = False) -> requests.Response:
        ts, nc = str(int(time.time())), nonce()
        signature = sign("not-the-token" if forge else self.token, ts, nc)
        return requests.get(
            webhook_url, params={"signature": signature, "timestamp": ts, "nonce": nc, "echostr": echostr}, timeout=10
        )
