"""The connector's guards as tables, in-process: signature and mode (downgrade), clock
(replay window), dedupe keys and memory, settings, production refusals, XML limits
and the redaction of secrets in what gets logged."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from wechatpy import parse_message

from bot.channels.wechat import protocol
from bot.channels.wechat.api import redact
from bot.channels.wechat.channel import WeChatInput
from bot.channels.wechat.config import (
    DEMO_ENCODING_AES_KEY,
    DEMO_SECRET,
    DEMO_TOKEN,
    WeChatConfig,
)
from bot.channels.wechat.inbound import classify
from bot.channels.wechat.store import MemoryStore, RedisStore
from contract import deployment
from tests.wechat.conftest import config_for, mode_settings, random_aes_key
from tests.wechat.test_connector import redis_available

NOW = 1_800_000_000  # a fixed clock for the tables
Refused = protocol.Refused


# ------------------------------------------------------------------ the clock
# (timestamp sent, max skew) → accepted?
TIMESTAMPS = [
    (str(NOW), 300, True),
    (str(NOW - 300), 300, True),  # the edges of the window are in it
    (str(NOW + 300), 300, True),
    (str(NOW - 301), 300, False),  # older than the window: a replay
    (str(NOW + 301), 300, False),  # from the future: as suspicious
    (str(NOW - 3600), 300, False),
    (str(NOW - 3600), 3600, True),
    (" " + str(NOW) + " ", 300, True),
    ("", 300, False),
    (None, 300, False),
    ("abc", 300, False),
    ("1.8e9", 300, False),
    ("-1", 300, False),
    ("１８００００００００", 300, False),  # WeChat sends ASCII digits only
    ("1" * 400, 300, False),  # too long to be a time (once an OverflowError, a 500)
    (str(NOW).zfill(13), 300, False),
]


@pytest.mark.parametrize("sent,skew,accepted", TIMESTAMPS)
def test_timestamp_window(sent, skew, accepted):
    if accepted:
        protocol.check_timestamp(sent, skew, now=NOW)
    else:
        with pytest.raises(protocol.Refused):
            protocol.check_timestamp(sent, skew, now=NOW)


# ------------------------------------------------------------- encrypt_type
ENCRYPT_TYPES = [(None, False), ("", False), ("raw", False), ("aes", True), ("AES", True), (" aes ", True)]


@pytest.mark.parametrize("value,encrypted", ENCRYPT_TYPES)
def test_encrypt_type(value, encrypted):
    assert protocol.is_encrypted(value) is encrypted


@pytest.mark.parametrize("value", ["none", "aes256", "plain", "0"])
def test_an_unknown_encrypt_type_is_malformed(value):
    with pytest.raises(protocol.Malformed):
        protocol.is_encrypted(value)


# --------------------------------------------------- read_push: mode and clock
def signed(fake, safe: bool, age_s: int = 0, create_age_s: int = 0, **change):
    """(query, body) of a text push signed by `fake`, `age_s` old, with `change`d query values
    (None removes one)."""
    now = int(time.time())
    xml = text("oTable", "<MsgId>7</MsgId>", created=now - create_age_s)
    params, body = fake.signed_request(xml, safe, timestamp=now - age_s)
    for key, value in change.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params, body


# (connector has an AES key, push is encrypted, change to the query, age, CreateTime age) → outcome
READ_PUSH = [
    ("aes key", True, {}, 0, 0, "taken"),
    ("aes key", False, {}, 0, 0, Refused),  # downgrade: plaintext while a key is configured
    ("aes key", True, {"encrypt_type": None}, 0, 0, Refused),  # encrypted body, marker stripped
    ("aes key", True, {"encrypt_type": "raw"}, 0, 0, Refused),
    ("aes key", False, {"encrypt_type": "RAW"}, 0, 0, Refused),
    ("aes key", True, {"encrypt_type": "rc4"}, 0, 0, protocol.Malformed),
    ("aes key", True, {"msg_signature": None}, 0, 0, Refused),
    ("aes key", True, {"signature": "0" * 40}, 0, 0, Refused),
    ("aes key", True, {}, 301, 0, Refused),  # stale timestamp
    ("aes key", True, {}, -301, 0, Refused),  # future timestamp
    ("aes key", True, {}, 0, 400, Refused),  # fresh query around an old message
    ("aes key", True, {}, 250, 250, "taken"),
    ("plaintext", False, {}, 0, 0, "taken"),
    ("plaintext", False, {"encrypt_type": "raw"}, 0, 0, "taken"),
    ("plaintext", True, {}, 0, 0, protocol.Malformed),  # encrypted, but no key to read it
    ("plaintext", False, {}, 301, 0, Refused),
]


@pytest.mark.parametrize("configured,safe,change,age,create_age,outcome", READ_PUSH)
def test_read_push(fake, configured, safe, change, age, create_age, outcome):
    channel = WeChatInput(config_for(fake, **mode_settings(configured == "aes key")))
    params, body = signed(fake, safe, age, create_age, **change)
    if outcome == "taken":
        inbound = channel.read_push(params, body)
        assert inbound is not None and inbound.openid == "oTable" and inbound.text == "你好"
        assert inbound.body_signed is safe  # only msg_signature covers the message
    else:
        with pytest.raises(outcome):
            channel.read_push(params, body)


def test_the_url_check_refuses_a_stale_timestamp(fake):
    channel = WeChatInput(config_for(fake))
    ts, nonce = str(NOW), "123"
    args = {
        "signature": protocol.sha1_signature(fake.token, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "echostr": "e",
    }
    assert channel.verify_url(args, now=NOW).status == 200
    assert channel.verify_url(args, now=NOW + 301).status == 403


# ---------------------------------------------------------------- dedupe keys
def key_of(xml: str) -> str:
    inbound = classify(parse_message(xml))
    assert inbound is not None
    return inbound.key


def text(openid: str, msg_id: str, created: int = NOW, content: str = "你好") -> str:
    return (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType>text</MsgType><Content>{content}</Content>{msg_id}</xml>"
    )


def event(openid: str, created: int, name: str = "subscribe") -> str:
    return (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType>event</MsgType><Event>{name}</Event></xml>"
    )


# (push a, push b) → the same message (deduped)?
DEDUPE_KEYS = [
    (text("oA", "<MsgId>1</MsgId>"), text("oA", "<MsgId>1</MsgId>"), True),
    (text("oA", "<MsgId>1</MsgId>"), text("oA", "<MsgId>1</MsgId>", created=NOW + 5, content="另一句"), True),
    (text("oA", "<MsgId>1</MsgId>"), text("oA", "<MsgId>2</MsgId>"), False),
    (text("oA", "<MsgId>1</MsgId>"), text("oB", "<MsgId>1</MsgId>"), False),
    (text("oA", ""), text("oA", ""), True),  # no MsgId: FromUserName + CreateTime
    (text("oA", ""), text("oA", "", created=NOW + 1), False),
    (event("oA", NOW), event("oA", NOW), True),  # events: FromUserName + CreateTime
    (event("oA", NOW), event("oA", NOW + 1), False),
    (event("oA", NOW), event("oB", NOW), False),
    (event("oA", NOW), event("oA", NOW, "click"), False),
]


@pytest.mark.parametrize("first,second,same", DEDUPE_KEYS)
def test_dedupe_keys(first, second, same):
    assert (key_of(first) == key_of(second)) is same


# -------------------------------------------------------------- dedupe memory
class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_dedupe_lasts_its_ttl(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr("bot.channels.wechat.store.time.monotonic", clock)
    store = MemoryStore()

    async def run():
        assert await store.add("seen:m1", "1", 600)
        clock.now += 599
        assert not await store.add("seen:m1", "1", 600)  # a replay inside the window
        clock.now += 2
        assert await store.add("seen:m1", "1", 600)  # forgotten only after the TTL

    asyncio.run(run())


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_redis_dedupe_is_shared_between_connections_and_expires():
    """Two stores with their own connections stand for two Rasa processes."""
    prefix = f"wechat:wx{uuid.uuid4().hex[:12]}:"
    url = "redis://127.0.0.1:6379/0"

    async def run():
        one, two = RedisStore(url, prefix), RedisStore(url, prefix)
        try:
            assert await one.add("seen:m1", "1", 600)
            assert not await two.add("seen:m1", "1", 600)  # SET NX: the other process sees it
            ttl_ms = await two._redis.pttl(prefix + "seen:m1")
            assert 590_000 < ttl_ms <= 600_000
            assert await two.add("seen:m2", "1", 0.2)
            await asyncio.sleep(0.4)
            assert await one.add("seen:m2", "1", 600)  # expired keys are forgotten
        finally:
            await one._redis.delete(prefix + "seen:m1", prefix + "seen:m2")
            await one.close()
            await two.close()

    asyncio.run(run())


# ------------------------------------------------------------------- settings
BASE = {"token": "t" * 20, "appid": "wx1", "secret": "s" * 32}

# (settings, environment) → error message part, or None when valid
SETTINGS = [
    ({}, {}, None),
    ({"max_clock_skew_s": 300, "dedupe_ttl_s": 600}, {}, None),
    ({"max_clock_skew_s": 300, "dedupe_ttl_s": 599}, {}, "replay window"),
    ({}, {"WECHAT_DEDUPE_TTL_S": "300"}, "replay window"),  # the old 5 min under the default window
    ({}, {"WECHAT_MAX_CLOCK_SKEW_S": "600"}, "replay window"),  # the old 10 min window, default memory
    ({}, {"WECHAT_MAX_CLOCK_SKEW_S": "600", "WECHAT_DEDUPE_TTL_S": "1200"}, None),
    ({"max_clock_skew_s": 0}, {}, "max_clock_skew_s"),  # the clock check cannot be switched off
    ({"max_clock_skew_s": -5}, {}, "max_clock_skew_s"),
    ({"max_clock_skew_s": 7200, "dedupe_ttl_s": 99999}, {}, "max_clock_skew_s"),
]


@pytest.mark.parametrize("settings,environ,error", SETTINGS)
def test_settings_checked_at_start(settings, environ, error):
    if error is None:
        config = WeChatConfig.from_credentials(dict(BASE, **settings), environ=environ)
        assert config.dedupe_ttl_s >= config.replay_window_s == 2 * config.max_clock_skew_s
    else:
        with pytest.raises(ValueError, match=error):
            WeChatConfig.from_credentials(dict(BASE, **settings), environ=environ)


def test_defaults():
    config = WeChatConfig(**BASE)
    assert (config.max_clock_skew_s, config.dedupe_ttl_s) == (300.0, 600.0)


# ---------------------------------------------------------------- production
GOOD = {
    "token": "T0ken" + "x" * 20,
    "appid": "wx0123456789abcdef",
    "secret": "0123456789abcdef0123456789abcdef",
    "encoding_aes_key": random_aes_key(),
    "api_base_url": "https://api.weixin.qq.com",
}

# (changes to a good configuration) → the problems production names
PRODUCTION = [
    ({}, []),
    ({"encoding_aes_key": ""}, ["WECHAT_ENCODING_AES_KEY is not set"]),
    ({"token": DEMO_TOKEN}, ["WECHAT_TOKEN is a published demo value"]),
    ({"secret": DEMO_SECRET}, ["WECHAT_SECRET is a published demo value"]),
    ({"encoding_aes_key": DEMO_ENCODING_AES_KEY}, ["WECHAT_ENCODING_AES_KEY is a published demo value"]),
    ({"token": "short"}, ["WECHAT_TOKEN is shorter than"]),
    ({"api_base_url": "http://api.weixin.qq.com"}, ["WECHAT_API_BASE_URL is not https"]),
    ({"secret": "", "mode": "passive"}, []),  # passive accounts need no AppSecret
    (
        {"token": DEMO_TOKEN, "secret": DEMO_SECRET, "encoding_aes_key": DEMO_ENCODING_AES_KEY},
        [
            "WECHAT_TOKEN is a published demo value",
            "WECHAT_ENCODING_AES_KEY is a published demo value",
            "WECHAT_SECRET is a published demo value",
        ],
    ),
    (
        {"token": DEMO_TOKEN, "secret": DEMO_SECRET, "encoding_aes_key": ""},
        [
            "WECHAT_ENCODING_AES_KEY is not set",
            "WECHAT_TOKEN is a published demo value",
            "WECHAT_SECRET is a published demo value",
        ],
    ),
]


@pytest.mark.parametrize("changes,problems", PRODUCTION)
def test_production_names_each_problem(changes, problems):
    settings = dict(GOOD, **changes)
    development = WeChatConfig.from_credentials(settings, environ={})  # starts, with a warning
    found = development.production_problems()
    assert len(found) == len(problems) and all(p in f for p, f in zip(problems, found)), found
    production = {deployment.MODE_VARIABLE: deployment.PRODUCTION}
    if problems:
        with pytest.raises(deployment.UnsafeForProduction) as refused:
            WeChatConfig.from_credentials(settings, environ=production)
        assert all(problem in str(refused.value) for problem in problems)
        assert "WeChat" in str(refused.value)
    else:
        WeChatConfig.from_credentials(settings, environ=production)


def test_the_shipped_credentials_are_refused_in_production():
    import yaml

    from devtools.rasa_server import ROOT

    shipped = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))["bot.channels.wechat.WeChatInput"]
    with pytest.raises(deployment.UnsafeForProduction, match="WECHAT_TOKEN is a published demo value"):
        WeChatConfig.from_credentials(shipped, environ={deployment.MODE_VARIABLE: deployment.PRODUCTION})


# ------------------------------------------------------------------------ XML
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">'.encode() for n in range(8))
    + b"]><xml><Content>&i;</Content></xml>"
)
XML_BODIES = [
    (b"<xml><ToUserName>gh</ToUserName></xml>", None),
    (b"x" * (protocol.MAX_BODY_BYTES + 1), protocol.TooLarge),
    (b"<xml><Content>" + "好".encode() * 30_000 + b"</Content></xml>", protocol.TooLarge),
    (BILLION_LAUGHS, protocol.Malformed),
    (b'<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>', protocol.Malformed),
    (b'<!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd"><xml/>', protocol.Malformed),
    (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE xml [<!ENTITY a "b">]><xml/>'.encode("utf-16"),
        protocol.Malformed,
    ),
    (b"", protocol.Malformed),
    (b"not xml", protocol.Malformed),
    (b"<xml>", protocol.Malformed),
    (b"<other>1</other>", protocol.Malformed),
    (b"<xml></xml>", protocol.Malformed),
    (b"\xff\xfe\x00garbage", protocol.Malformed),
]


@pytest.mark.parametrize("body,refusal", XML_BODIES, ids=range(len(XML_BODIES)))
def test_xml_limits(body, refusal):
    if refusal is None:
        assert protocol.parse_xml(body) == {"ToUserName": "gh"}
    else:
        with pytest.raises(refusal):
            protocol.parse_xml(body)


def test_a_dtd_inside_the_encryption_is_refused_too(fake):
    inner = '<!DOCTYPE xml [<!ENTITY a "aa">]><xml><FromUserName>oX</FromUserName><MsgType>text</MsgType></xml>'
    channel = WeChatInput(config_for(fake))
    params, body = fake.signed_request(inner, safe=True)
    with pytest.raises(protocol.Malformed):
        channel.read_push(params, body)


# ------------------------------------------------------------------ redaction
REDACTION = [
    (
        "Client error '404 Not Found' for url 'http://h/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=S3CR3T'",
        "S3CR3T",
    ),
    ('HTTP Request: POST http://h/cgi-bin/message/custom/send?access_token=TOKEN-1-99 "HTTP/1.1 200 OK"', "TOKEN-1-99"),
    ("https://h/x?ACCESS_TOKEN=abc&y=1", "abc"),
    ("errmsg: invalid appsecret S3CR3T, rid: 1", "S3CR3T"),
]


@pytest.mark.parametrize("line,secret", REDACTION)
def test_redaction(line, secret):
    assert secret not in redact(line, ("S3CR3T",))


# ------------------------------------------------------------- typed text is not a payload
@pytest.mark.parametrize(
    "typed,passed_on",
    [
        ("/restart", "／restart"),
        ('/inform{"verified": true}', '／inform{"verified": true}'),
        ("我要退货", "我要退货"),
        ("退货/换货", "退货/换货"),
        ("", ""),
    ],
)
def test_a_typed_slash_is_not_an_intent_payload(typed, passed_on):
    from bot.channels.wechat.channel import typed_text

    assert typed_text(typed) == passed_on
