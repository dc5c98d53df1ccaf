"""The connector over real HTTP with the fake WeChat, a scripted bot standing in for Rasa.

These cover what a real model cannot be made to do on demand: a slow bot, more
than five replies, very long replies, buttons, expired tokens, retries.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest
import redis
import requests
from wechatpy.crypto import WeChatCrypto

from bot import identity_token, rate_limit
from bot.channels.wechat import texts
from bot.channels.wechat.render import MAX_TEXT_BYTES
from contract.messages import RATE_LIMITED_TEXT
from tests.wechat.conftest import FAKE_TIMEOUT_S, config_for, mode_settings
from tests.wechat.harness import ScriptedBot, ServedChannel, echo


def redis_available() -> bool:
    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


STORES = [
    "memory",
    pytest.param("redis", marks=pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")),
]


def store_settings(store: str) -> dict:
    return {"redis_url": "redis://127.0.0.1:6379/0"} if store == "redis" else {}


def slow(seconds: float, answer: str = "慢慢来的回复"):
    async def script(message):
        await asyncio.sleep(seconds)
        await message.output_channel.send_text_message(message.sender_id, answer)

    return script


def many(count: int):
    async def script(message):
        for n in range(1, count + 1):
            await message.output_channel.send_text_message(message.sender_id, f"第{n}条回复")

    return script


# ------------------------------------------------------------------ URL check
def test_url_verification_echoes_echostr_and_refuses_a_wrong_signature(fake):
    with ServedChannel(config_for(fake), ScriptedBot()) as served:
        good = fake.verify_url(served.webhook, "4375120948345356249")
        assert good.status_code == 200 and good.text == "4375120948345356249"
        assert good.headers["content-type"] == "text/plain"
        forged = fake.verify_url(served.webhook, "4375120948345356249", forge=True)
        assert forged.status_code == 403 and "4375120948345356249" not in forged.text


# ------------------------------------------------------------- message flow
@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_text_reaches_the_bot_as_the_openid_signed_identity_only_for_a_signed_body(fake, safe):
    bot = ScriptedBot()
    with ServedChannel(config_for(fake, **mode_settings(safe)), bot) as served:
        result = fake.push(served.webhook, fake.text_xml("oAlice", "你好，查订单"), safe=safe)
        assert [d.status for d in result.deliveries] == [200]
        assert result.deliveries[0].body == "success"  # unencrypted also in safe mode
        assert fake.wait_for_sends("oAlice", 1) == ["您说的是：你好，查订单"]
    [message] = bot.received
    assert message.sender_id == "oAlice" and message.input_channel == "wechat"
    assert message.metadata["channel"] == "wechat" and message.metadata["external_id"] == "oAlice"
    if not safe:
        # plaintext mode: `signature` covers only timestamp and nonce, not FromUserName
        assert "identity_token" not in message.metadata
        return
    claims = identity_token.verify(message.metadata["identity_token"])
    assert claims["channel"] == "wechat" and claims["external_id"] == "oAlice"


def test_the_demo_token_vouches_for_nobody(fake):
    from bot.channels.wechat.config import DEMO_TOKEN

    fake.token = DEMO_TOKEN
    fake.crypto = WeChatCrypto(DEMO_TOKEN, fake.encoding_aes_key, fake.appid)
    bot = ScriptedBot()
    with ServedChannel(config_for(fake), bot) as served:
        fake.push(served.webhook, fake.text_xml("oAlice", "你好"))
        fake.wait_for_sends("oAlice", 1)
    assert "identity_token" not in bot.received[0].metadata


@pytest.mark.parametrize("forgery", ["forge_signature", "forge_msg_signature"])
def test_forged_signatures_are_refused_and_change_nothing(fake, forgery):
    bot = ScriptedBot()
    with ServedChannel(config_for(fake), bot) as served:
        xml = fake.text_xml("oMallory", "帮我查张伟的订单", msg_id=42)
        result = fake.push(served.webhook, xml, safe=True, **{forgery: True})
        assert [d.status for d in result.deliveries] == [403]
        # and the same MsgId, genuinely signed, is still new: the forgery stored nothing
        genuine = fake.push(served.webhook, xml, safe=True)
        assert genuine.deliveries[0].body == "success"
        fake.wait_for_sends("oMallory", 1)
    assert bot.texts == ["帮我查张伟的订单"]


def test_tampered_or_stale_pushes_are_refused(fake):
    bot = ScriptedBot()
    with ServedChannel(config_for(fake), bot) as served:
        params, body = fake.signed_request(fake.text_xml("oMallory", "你好"), safe=True)
        tampered = body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[AAAA")
        assert fake.deliver(served.webhook, params, tampered).deliveries[0].status == 403
        old = fake.signed_request(fake.text_xml("oMallory", "你好"), safe=True, timestamp=int(time.time()) - 3600)
        assert fake.deliver(served.webhook, *old).deliveries[0].status == 403
        garbage = fake.deliver(served.webhook, fake.signed_request("<xml/>", safe=False)[0], b"not xml")
        assert garbage.deliveries[0].status in (400, 403)
    assert bot.received == []


def test_a_signed_query_cannot_carry_another_body(fake):
    """Plaintext mode signs only token, timestamp and nonce: a seen query with a new body is a replay."""
    bot = ScriptedBot()
    with ServedChannel(config_for(fake, encoding_aes_key=""), bot) as served:
        params, body = fake.signed_request(fake.text_xml("oAlice", "你好"), safe=False)
        fake._new_customer_message(fake.text_xml("oAlice", "你好"))
        assert fake.deliver(served.webhook, params, body).deliveries[0].status == 200
        forged = fake.text_xml("oWECHAT_ZHANGWEI", "查一下我的订单").encode()
        assert fake.deliver(served.webhook, params, forged).deliveries[0].status == 403
        fake.wait_for_sends("oAlice", 1)
    assert [m.sender_id for m in bot.received] == ["oAlice"]


@pytest.mark.parametrize("store", STORES)
def test_a_slow_bot_is_answered_success_at_once_and_a_retry_starts_no_second_turn(fake, store):
    bot = ScriptedBot(slow(FAKE_TIMEOUT_S + 1.5))
    with ServedChannel(config_for(fake, **store_settings(store)), bot) as served:
        params, body = fake.signed_request(fake.text_xml("oSlow", "在吗"), safe=True)
        fake._new_customer_message(fake.text_xml("oSlow", "在吗"))
        first = fake.deliver(served.webhook, params, body)
        # answered within WeChat's timeout although the bot needs longer: one delivery
        assert [d.status for d in first.deliveries] == [200]
        # WeChat's resend of the same request while the turn still runs
        again = fake.deliver(served.webhook, params, body)
        assert again.deliveries[0].body == "success"
        assert fake.wait_for_sends("oSlow", 1) == ["慢慢来的回复"]
        time.sleep(0.5)
        assert len(fake.sends_to("oSlow", ok_only=False)) == 1
    assert bot.texts == ["在吗"]


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("errcode", [40001, 42001])
def test_an_expired_token_is_refreshed_once_and_the_send_retried(fake, store, errcode):
    with ServedChannel(config_for(fake, **store_settings(store)), ScriptedBot()) as served:
        fake.push(served.webhook, fake.text_xml("oToken", "一"))
        fake.wait_for_sends("oToken", 1)
        old = fake.expire_current_token(errcode)
        fake.push(served.webhook, fake.text_xml("oToken", "二"))
        sent = fake.wait_for_sends("oToken", 2)
    assert sent == ["您说的是：一", "您说的是：二"]
    attempts = fake.sends_to("oToken", ok_only=False)
    assert [(a.access_token == old, a.errcode) for a in attempts] == [(True, 0), (True, errcode), (False, 0)]
    assert len(fake.api.tokens_issued) == 2


@pytest.mark.parametrize("store", STORES)
def test_concurrent_turns_fetch_the_token_once(fake, store):
    users = [f"oCrowd{n}" for n in range(6)]
    with ServedChannel(config_for(fake, **store_settings(store)), ScriptedBot()) as served:
        threads = [threading.Thread(target=fake.push, args=(served.webhook, fake.text_xml(u, "你好"))) for u in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for user in users:
            fake.wait_for_sends(user, 1)
    assert len(fake.api.tokens_issued) == 1


def test_a_token_near_expiry_is_refreshed_before_it_fails(fake):
    fake.api.token_expires_in = 301  # refreshed 300 s early: usable for 1 s
    with ServedChannel(config_for(fake), ScriptedBot()) as served:
        fake.push(served.webhook, fake.text_xml("oEarly", "一"))
        fake.wait_for_sends("oEarly", 1)
        time.sleep(1.2)
        fake.push(served.webhook, fake.text_xml("oEarly", "二"))
        fake.wait_for_sends("oEarly", 2)
    assert len(fake.api.tokens_issued) == 2
    assert all(a.errcode == 0 for a in fake.sends_to("oEarly", ok_only=False))


# ---------------------------------------------------------- reply rendering
def test_more_than_five_replies_go_out_as_at_most_five_messages(fake):
    with ServedChannel(config_for(fake), ScriptedBot(many(8))) as served:
        fake.push(served.webhook, fake.text_xml("oMany", "你好"))
        sent = fake.settle("oMany")
    assert 1 <= len(sent) <= 5
    assert all(a.errcode == 0 for a in fake.sends_to("oMany", ok_only=False)), "no 45047"
    merged = "\n\n".join(sent)
    positions = [merged.index(f"第{n}条回复") for n in range(1, 9)]
    assert positions == sorted(positions)


def test_up_to_five_replies_go_out_as_the_bot_wrote_them(fake):
    with ServedChannel(config_for(fake), ScriptedBot(many(3))) as served:
        fake.push(served.webhook, fake.text_xml("oThree", "你好"))
        assert fake.wait_for_sends("oThree", 3) == ["第1条回复", "第2条回复", "第3条回复"]


def test_a_long_reply_is_split_to_fit_wechats_limit(fake):
    long_text = "\n".join(f"第{n}行：" + "您的订单正在配送中，请耐心等待。" * 5 for n in range(40))

    async def script(message):
        await message.output_channel.send_text_message(message.sender_id, long_text)

    with ServedChannel(config_for(fake), ScriptedBot(script)) as served:
        fake.push(served.webhook, fake.text_xml("oLong", "物流"))
        sent = fake.settle("oLong")
    assert len(sent) > 1 and len(sent) <= 5
    assert all(len(s.encode("utf-8")) <= MAX_TEXT_BYTES for s in sent)
    assert "\n".join(sent) == long_text


def test_buttons_become_numbered_choices_and_a_digit_picks_one(fake):
    async def script(message):
        if message.text.startswith("/"):
            await message.output_channel.send_text_message(message.sender_id, f"收到选择 {message.text}")
            return
        await message.output_channel.send_text_with_buttons(
            message.sender_id,
            "请问您想办理哪一项？",
            [{"title": "查物流", "payload": "/logistics_track"}, {"title": "催发货", "payload": "/urge_shipping"}],
        )

    bot = ScriptedBot(script)
    with ServedChannel(config_for(fake), bot) as served:
        fake.push(served.webhook, fake.text_xml("oButtons", "帮帮我"))
        [offer] = fake.wait_for_sends("oButtons", 1)
        assert offer == "请问您想办理哪一项？\n回复数字选择：\n1. 查物流\n2. 催发货"
        fake.push(served.webhook, fake.text_xml("oButtons", "２"))  # full-width digit
        assert fake.wait_for_sends("oButtons", 2)[1] == "收到选择 /urge_shipping"
        # the choices were answered: a digit now is just text
        fake.push(served.webhook, fake.text_xml("oButtons", "1"))
        fake.wait_for_sends("oButtons", 3)
    assert bot.texts == ["帮帮我", "/urge_shipping", "1"]


@pytest.mark.parametrize(
    "msg_type,extra",
    [
        ("image", "<PicUrl><![CDATA[http://example.com/a.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>"),
        ("voice", "<MediaId><![CDATA[m2]]></MediaId><Format><![CDATA[amr]]></Format>"),
        ("video", "<MediaId><![CDATA[m3]]></MediaId><ThumbMediaId><![CDATA[t3]]></ThumbMediaId>"),
        (
            "location",
            "<Location_X>31.2</Location_X><Location_Y>121.4</Location_Y><Scale>15</Scale>"
            "<Label><![CDATA[上海]]></Label>",
        ),
        ("link", "<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[http://x]]></Url>"),
    ],
)
def test_unsupported_types_get_a_polite_note_without_the_bot(fake, msg_type, extra):
    bot = ScriptedBot()
    with ServedChannel(config_for(fake), bot) as served:
        fake.push(served.webhook, fake.media_xml("oMedia", msg_type, extra), safe=True)
        assert fake.wait_for_sends("oMedia", 1) == [texts.UNSUPPORTED]
    assert bot.received == []


def test_recognised_voice_is_read_as_text(fake):
    bot = ScriptedBot()
    with ServedChannel(config_for(fake), bot) as served:
        fake.push(
            served.webhook,
            fake.media_xml(
                "oVoice",
                "voice",
                "<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format>"
                "<Recognition><![CDATA[查一下物流]]></Recognition>",
            ),
        )
        fake.wait_for_sends("oVoice", 1)
    assert bot.texts == ["查一下物流"]


def test_subscribe_greets_once_and_unsubscribe_is_quiet(fake):
    async def script(message):
        await message.output_channel.send_text_message(message.sender_id, "您好，欢迎！")

    bot = ScriptedBot(script)
    with ServedChannel(config_for(fake), bot) as served:
        event = fake.event_xml("oFan", "subscribe", create_time=int(time.time()))
        params, body = fake.signed_request(event, safe=True)
        fake._new_customer_message(event)
        fake.deliver(served.webhook, params, body)
        fake.deliver(served.webhook, params, body)  # WeChat's retry of the same event
        assert fake.settle("oFan") == ["您好，欢迎！"]
        quiet = fake.push(served.webhook, fake.event_xml("oFan", "unsubscribe"))
        assert quiet.deliveries[0].body == "success"
        time.sleep(0.5)
    assert bot.texts == ["/greet"]
    assert len(fake.sends_to("oFan", ok_only=False)) == 1


async def silent(message):
    """A turn in which the bot says nothing: a person holds the conversation (handoff)."""


def test_a_silent_turn_sends_nothing_and_is_no_failure(fake):
    with ServedChannel(config_for(fake), ScriptedBot(silent)) as served:
        result = fake.push(served.webhook, fake.text_xml("oQuiet", "还在吗"))
        assert result.deliveries[0].body == "success"
        time.sleep(1.0)  # the turn has run by then (and would have sent an apology)
    assert fake.sends_to("oQuiet", ok_only=False) == []


def test_a_silent_turn_in_passive_mode_answers_success(fake):
    with ServedChannel(config_for(fake, mode="passive"), ScriptedBot(silent)) as served:
        result = fake.push(served.webhook, fake.text_xml("oQuiet2", "还在吗"))
        assert [d.body for d in result.deliveries] == ["success"]


def test_a_bot_failure_still_gets_a_polite_answer(fake):
    async def script(message):
        raise RuntimeError("tracker store down")

    with ServedChannel(config_for(fake), ScriptedBot(script)) as served:
        fake.push(served.webhook, fake.text_xml("oOops", "你好"))
        assert fake.wait_for_sends("oOops", 1) == [texts.BOT_ERROR]


# -------------------------------------------------- pushes outside a turn
def test_an_agents_reply_goes_out_prefixed_through_the_output_channel(fake):
    with ServedChannel(config_for(fake), ScriptedBot()) as served:
        fake.push(served.webhook, fake.text_xml("oHandoff", "转人工"))
        fake.wait_for_sends("oHandoff", 1)
        output = served.channel.get_output_channel()
        served.call(
            output.send_custom_json(
                "oHandoff",
                {"text": "您好，我是客服小王，您的订单已为您加急。", "sender": "agent", "agent_name": "小王"},
            )
        )
        served.call(output.send_response("oHandoff", {"text": "第一段\n\n第二段"}))
        sent = fake.wait_for_sends("oHandoff", 3)
    assert sent[1] == "【人工客服 小王】您好，我是客服小王，您的订单已为您加急。"
    assert sent[2] == "第一段\n\n第二段"


# ------------------------------------------------------------ passive mode
@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_passive_mode_answers_in_the_response(fake, safe):
    bot = ScriptedBot()
    with ServedChannel(config_for(fake, mode="passive", **mode_settings(safe)), bot) as served:
        result = fake.push(served.webhook, fake.text_xml("oPassive", "a]]>b 你好"), safe=safe)
    assert [d.status for d in result.deliveries] == [200]
    assert result.reply == "您说的是：a]]>b 你好"
    assert result.reply_xml["ToUserName"] == "oPassive" and result.reply_xml["MsgType"] == "text"
    assert fake.api.sends == [] and fake.api.tokens_issued == []


def test_passive_mode_a_slow_bot_answers_the_retry(fake):
    bot = ScriptedBot(slow(FAKE_TIMEOUT_S + 0.5))
    with ServedChannel(config_for(fake, mode="passive"), bot) as served:
        result = fake.push(served.webhook, fake.text_xml("oPassiveSlow", "查物流"), safe=True)
    assert [d.status for d in result.deliveries] == [None, 200]
    assert result.reply == "慢慢来的回复"
    assert bot.texts == ["查物流"]


def test_passive_mode_too_slow_for_every_retry_delivers_with_the_next_message(fake):
    bot = ScriptedBot(slow(3 * FAKE_TIMEOUT_S + 0.5, "很慢的回复"))
    with ServedChannel(config_for(fake, mode="passive"), bot) as served:
        result = fake.push(served.webhook, fake.text_xml("oVerySlow", "查物流"))
        assert [d.status for d in result.deliveries] == [None, None, 200]
        assert result.reply == texts.PASSIVE_STILL_WORKING
        time.sleep(1.5)  # the slow turn finishes
        bot.script = echo
        later = fake.push(served.webhook, fake.text_xml("oVerySlow", "还在吗"))
    assert later.reply == texts.PASSIVE_EARLIER + "\n很慢的回复\n\n您说的是：还在吗"
    assert bot.texts == ["查物流", "还在吗"]


# ------------------------------------------------------------------- attacks
def test_a_plaintext_push_to_a_safe_mode_account_is_refused_and_stores_nothing(fake):
    """Downgrade: drop encrypt_type and send a body nobody signed; the key is configured."""
    bot = ScriptedBot()
    with ServedChannel(config_for(fake), bot) as served:
        xml = fake.text_xml("oWECHAT_ZHANGWEI", "帮我把手机号换成13900000000", msg_id=4242)
        result = fake.push(served.webhook, xml, safe=False)
        assert [d.status for d in result.deliveries] == [403]
        time.sleep(0.5)
        assert bot.received == [] and fake.sends_to("oWECHAT_ZHANGWEI", ok_only=False) == []
        # the refusal remembered nothing: the same MsgId, encrypted by WeChat, is new
        assert fake.push(served.webhook, xml).deliveries[0].body == "success"
        fake.wait_for_sends("oWECHAT_ZHANGWEI", 1)
    assert len(bot.received) == 1 and "identity_token" in bot.received[0].metadata


@pytest.mark.parametrize("store", STORES)
def test_a_replayed_push_is_answered_and_not_processed_again(fake, store):
    bot = ScriptedBot()
    with ServedChannel(config_for(fake, **store_settings(store)), bot) as served:
        xml = fake.text_xml("oReplay", "取消我的订单")
        params, body = fake.signed_request(xml, safe=True)
        fake._new_customer_message(xml)
        assert fake.deliver(served.webhook, params, body).deliveries[0].body == "success"
        fake.wait_for_sends("oReplay", 1)
        # the captured request, replayed after the turn has run (timestamp still fresh)
        fake._new_customer_message(xml)
        for _ in range(3):
            replay = fake.deliver(served.webhook, params, body)
            assert [(d.status, d.body) for d in replay.deliveries] == [(200, "success")]
        time.sleep(0.5)
    assert bot.texts == ["取消我的订单"]
    assert len(fake.sends_to("oReplay", ok_only=False)) == 1


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_a_push_taken_by_one_instance_is_not_processed_by_another(fake):
    one, two = ScriptedBot(), ScriptedBot()
    config = config_for(fake, **store_settings("redis"))
    with ServedChannel(config, one) as first, ServedChannel(config, two) as second:
        xml = fake.text_xml("oTwoInstances", "你好")
        params, body = fake.signed_request(xml, safe=True)
        fake._new_customer_message(xml)
        assert fake.deliver(first.webhook, params, body).deliveries[0].body == "success"
        fake.wait_for_sends("oTwoInstances", 1)
        assert fake.deliver(second.webhook, params, body).deliveries[0].body == "success"
        time.sleep(0.5)
    assert one.texts == ["你好"] and two.received == []


def test_huge_and_hostile_bodies_get_a_clear_refusal_and_the_channel_keeps_serving(fake):
    bot = ScriptedBot()
    with ServedChannel(config_for(fake), bot) as served:
        params, _ = fake.signed_request(fake.text_xml("oBig", "你好"), safe=True)
        huge = b"<xml><Encrypt>" + b"A" * (8 * 1024 * 1024) + b"</Encrypt></xml>"
        assert fake.deliver(served.webhook, params, huge).deliveries[0].status == 413

        def chunked():  # no Content-Length: refused while it streams
            for _ in range(64):
                yield b"A" * 65536

        streamed = requests.post(served.webhook, params=params, data=chunked(), timeout=30)
        assert streamed.status_code == 413
        laughs = (
            b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">'.encode() for n in range(8))
            + b"]><xml><Encrypt>&i;</Encrypt></xml>"
        )
        assert fake.deliver(served.webhook, params, laughs).deliveries[0].status == 400
        assert fake.deliver(served.webhook, params, b"\x00\xff<xml").deliveries[0].status == 400
        assert fake.push(served.webhook, fake.text_xml("oBig", "还在吗")).deliveries[0].body == "success"
        fake.wait_for_sends("oBig", 1)
    assert bot.texts == ["还在吗"]


def test_the_appsecret_and_access_token_stay_out_of_the_logs(fake, caplog):
    caplog.set_level(logging.DEBUG)
    with ServedChannel(config_for(fake), ScriptedBot()) as served:
        fake.push(served.webhook, fake.text_xml("oLogs", "一"))
        fake.wait_for_sends("oLogs", 1)  # a token fetched (secret in the URL) and used
        fake.api.send_http_status = 500  # WeChat fails: the error carries the URL
        fake.push(served.webhook, fake.text_xml("oLogs", "二"))
        deadline = time.monotonic() + 10
        while "not sent" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.1)
    with ServedChannel(config_for(fake, api_base_url=fake.api_base_url + "/gone"), ScriptedBot()) as served:
        fake.api.send_http_status = 200
        fake.push(served.webhook, fake.text_xml("oLogs2", "三"))  # the token request fails: 404
        deadline = time.monotonic() + 10
        while caplog.text.count("not sent") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert caplog.text.count("not sent") == 2, caplog.text
    assert "HTTPStatusError" in caplog.text
    assert fake.api.tokens_issued
    for secret in [fake.secret, *fake.api.tokens_issued]:
        assert secret not in caplog.text


@pytest.mark.parametrize("mode", ["customer_service", "passive"])
def test_a_flood_is_told_once_to_slow_down_and_does_not_reach_the_bot(fake, monkeypatch, mode):
    monkeypatch.setattr(rate_limit, "MESSAGE_RATE_LIMITER", rate_limit.MessageRateLimiter(limit=2, window_s=60))
    bot = ScriptedBot()
    with ServedChannel(config_for(fake, mode=mode), bot) as served:
        results = [fake.push(served.webhook, fake.text_xml("oFlood", f"第{n}条")) for n in range(1, 6)]
        fake.push(served.webhook, fake.text_xml("oCalm", "你好"))  # another customer is not slowed down
        if mode == "passive":
            answers = [r.reply or r.deliveries[-1].body for r in results]
        else:
            fake.wait_for_sends("oCalm", 1)
            time.sleep(0.5)
            answers = [s.content for s in fake.sends_to("oFlood", ok_only=False)]
    assert answers[:3] == ["您说的是：第1条", "您说的是：第2条", RATE_LIMITED_TEXT]
    assert answers[3:] == (["success", "success"] if mode == "passive" else [])
    assert [(m.sender_id, m.text) for m in bot.received if m.sender_id == "oFlood"] == [
        ("oFlood", "第1条"),
        ("oFlood", "第2条"),
    ]
    assert "你好" in bot.texts
