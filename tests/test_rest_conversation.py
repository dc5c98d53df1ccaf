"""Rasa + action server + shop backend, all running for real: Chinese conversations over
the REST channel, the errands end to end, bad input."""

import re
import uuid

import pytest
import requests

from bot import identity_token
from tests.services import dev_code, rasa_headers, rest_headers


def say(url, sender, message, metadata=None):
    body = {"sender": sender, "message": message}
    if metadata is not None:
        body["metadata"] = metadata
    response = requests.post(f"{url}/webhooks/rest/webhook", json=body, headers=rest_headers(), timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def texts(replies):
    return " ".join(reply.get("text", "") for reply in replies)


def buttons(replies):
    return [b for reply in replies for b in reply.get("buttons") or []]


def bot_actions(url, sender, prefix="utter_"):
    tracker = requests.get(f"{url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=30).json()
    return [e["name"] for e in tracker["events"] if e["event"] == "action" and e["name"].startswith(prefix)]


def tracker_of(url, sender):
    return requests.get(f"{url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=30).json()


def no_full_phone(text):
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text), text
    return text


def verify(rasa_url, backend_url, sender, phone):
    """The identity step as a customer does it; the code is read as the SMS would bring it."""
    asked = texts(say(rasa_url, sender, f"我的手机号是 {phone[:3]} {phone[3:7]} {phone[7:]}"))
    assert f"{phone[:3]}****{phone[7:]}" in no_full_phone(asked) and "验证码" in asked
    code = dev_code(backend_url, phone)
    return no_full_phone(texts(say(rasa_url, sender, code)))


def test_short_conversation_in_chinese(rasa_url):
    sender = f"customer-{uuid.uuid4().hex[:8]}"
    greeting = texts(say(rasa_url, sender, "你好，在吗"))
    assert "您好" in greeting

    # A customer the web channel knows (a signed identity token): no identity questions.
    order = texts(
        say(
            rasa_url,
            sender,
            "帮我查一下订单２０２６１１０１０００００１的状态",
            metadata={"identity_token": identity_token.sign({"shop_customer_id": "C0001"})},
        )
    )
    assert "20261101000001" in order and "已发货" in order and "SF1234567890123" in order

    policy = texts(say(rasa_url, sender, "請問你們支持七天無理由退貨嗎"))
    assert "七天无理由" in policy

    assert texts(say(rasa_url, sender, "好的谢谢"))
    assert bot_actions(rasa_url, sender) == ["utter_greet", "utter_thank"]
    assert bot_actions(rasa_url, sender, "action_") == [
        "action_session_start",
        "action_listen",
        "action_listen",
        "action_start_errand",
        "action_do_errand",
        "action_listen",
        "action_answer_faq",
        "action_listen",
        "action_listen",
    ]

    tracker = tracker_of(rasa_url, sender)
    user_turns = [e for e in tracker["events"] if e["event"] == "user"]
    assert [e["text"] for e in user_turns][:2] == ["你好，在吗", "帮我查一下订单２０２６１１０１０００００１的状态"]
    assert tracker["slots"]["order_id"] == "20261101000001"


def test_errands_end_to_end_with_identity_and_someone_elses_order(rasa_url, backend_url):
    zhang = f"zhang-{uuid.uuid4().hex[:8]}"
    asked = texts(say(rasa_url, zhang, "你好，帮我看看订单 2026 1101 0000 01 到哪了"))
    assert "手机号" in asked
    status = verify(rasa_url, backend_url, zhang, "13800138000")
    assert "张伟" in status
    assert "SF1234567890123" in status and "已发货" in status
    assert "北京" in status, "the latest logistics event"

    cancel = no_full_phone(texts(say(rasa_url, zhang, "那帮我把这个订单取消掉吧")))
    assert "已经发货" in cancel and "无法取消" in cancel
    assert tracker_of(rasa_url, zhang)["slots"]["verified"] is True

    li = f"lina-{uuid.uuid4().hex[:8]}"
    say(rasa_url, li, "查一下订单20261101000001")
    answer = verify(rasa_url, backend_url, li, "13912345678")
    assert "没有查到订单 20261101000001" in answer
    assert "SF1234567890123" not in answer and "张伟" not in answer
    # her own orders are offered as buttons; the button payload is accepted
    offered = buttons(say(rasa_url, li, "查一下订单20269999999999")) or []
    payloads = [b["payload"] for b in offered]
    assert '/inform{"order_id":"20261101000002"}' in payloads, offered
    own = texts(say(rasa_url, li, '/inform{"order_id":"20261101000002"}'))
    assert "20261101000002" in own and "已签收" in own


def test_parse_result_shows_normalized_text_entities_and_original(rasa_url):
    parsed = requests.post(
        f"{rasa_url}/model/parse",
        json={"text": "我手機號是 １３８-００１３-８０００"},
        headers=rasa_headers(),
        timeout=30,
    ).json()
    assert parsed["text"] == "我手机号是 13800138000"
    assert parsed["original_text"] == "我手機號是 １３８-００１３-８０００"
    assert {"entity": "phone", "value": "13800138000"}.items() <= parsed["entities"][0].items()


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   \n\t  ",
        "好" * 5000,
        "😊😊😊🙏🙏",
        "？？？！！！。。。",
        "\x00\x01\x02\ufffd\ufffdÿþ",
        "0x7f454c46 02010100 00000000",
        "hello 我要 refund 订单",
        "<script>alert('x')</script>",
        "' OR 1=1; DROP TABLE events; --",
    ],
    ids=[
        "empty",
        "whitespace",
        "5000-chars",
        "emoji",
        "punctuation",
        "control-bytes",
        "binary-looking",
        "mixed-english",
        "html",
        "sql",
    ],
)
def test_bad_input_gets_an_answer_and_is_kept(rasa_url, message):
    sender = f"bad-{uuid.uuid4().hex[:8]}"
    replies = say(rasa_url, sender, message)
    assert texts(replies), "every message gets an answer (a fallback is fine)"
    parsed = requests.post(f"{rasa_url}/model/parse", json={"text": message}, headers=rasa_headers(), timeout=30)
    assert parsed.status_code == 200
    assert parsed.json()["intent"]["name"]
    tracker = requests.get(f"{rasa_url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=30).json()
    user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    # Rasa's UserMessage strips surrounding whitespace; everything else is kept.
    assert user_texts[-1] == message.strip()


def test_sentiment_reading_is_in_parse_result_and_tracker(rasa_url):
    def parse(text):
        return requests.post(f"{rasa_url}/model/parse", json={"text": text}, headers=rasa_headers(), timeout=30).json()

    angry = parse("你们这什么破服务，等了一个星期还不发货，气死我了，我要投诉！！！")
    calm = parse("请问这件外套有没有L码")
    assert angry["sentiment"]["label"] == "negative"
    assert calm["sentiment"]["label"] != "negative"
    assert angry["sentiment"]["score"] > calm["sentiment"]["score"]
    assert parse("")["sentiment"] == {"label": "neutral", "score": 0.0}

    sender = f"mood-{uuid.uuid4().hex[:8]}"
    say(rasa_url, sender, "三天了还没发货，你们到底管不管？？？")
    tracker = requests.get(f"{rasa_url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=30).json()
    reading = [e for e in tracker["events"] if e["event"] == "user"][-1]["parse_data"]["sentiment"]
    assert set(reading) == {"label", "score"} and 0.0 <= reading["score"] <= 1.0
