"""A real Rasa server, a short Chinese conversation over the REST channel, bad input."""
import uuid

import pytest
import requests


def say(url, sender, message):
    response = requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def texts(replies):
    return " ".join(reply.get("text", "") for reply in replies)


def bot_actions(url, sender):
    tracker = requests.get(f"{url}/conversations/{sender}/tracker", timeout=30).json()
    return [e["name"] for e in tracker["events"] if e["event"] == "action" and e["name"].startswith("utter_")]


def test_short_conversation_in_chinese(rasa_url):
    sender = f"customer-{uuid.uuid4().hex[:8]}"
    greeting = texts(say(rasa_url, sender, "你好，在吗"))
    assert "您好" in greeting

    order = texts(say(rasa_url, sender, "帮我查一下订单２０２６１１０１０００００１的状态"))
    assert "20261101000001" in order

    policy = texts(say(rasa_url, sender, "請問你們支持七天無理由退貨嗎"))
    assert "七天无理由" in policy

    assert texts(say(rasa_url, sender, "好的谢谢"))
    assert bot_actions(rasa_url, sender) == [
        "utter_greet", "utter_order_status", "utter_faq_return_policy", "utter_thank"
    ]

    tracker = requests.get(f"{rasa_url}/conversations/{sender}/tracker", timeout=30).json()
    user_turns = [e for e in tracker["events"] if e["event"] == "user"]
    assert [e["text"] for e in user_turns][:2] == ["你好，在吗", "帮我查一下订单２０２６１１０１０００００１的状态"]
    assert tracker["slots"]["order_id"] == "20261101000001"


def test_parse_result_shows_normalized_text_entities_and_original(rasa_url):
    parsed = requests.post(
        f"{rasa_url}/model/parse", json={"text": "我手機號是 １３８-００１３-８０００"}, timeout=30
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
    ids=["empty", "whitespace", "5000-chars", "emoji", "punctuation", "control-bytes",
         "binary-looking", "mixed-english", "html", "sql"],
)
def test_bad_input_gets_an_answer_and_is_kept(rasa_url, message):
    sender = f"bad-{uuid.uuid4().hex[:8]}"
    replies = say(rasa_url, sender, message)
    assert texts(replies), "every message gets an answer (a fallback is fine)"
    parsed = requests.post(f"{rasa_url}/model/parse", json={"text": message}, timeout=30)
    assert parsed.status_code == 200
    assert parsed.json()["intent"]["name"]
    tracker = requests.get(f"{rasa_url}/conversations/{sender}/tracker", timeout=30).json()
    user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    # Rasa's UserMessage strips surrounding whitespace; everything else is kept.
    assert user_texts[-1] == message.strip()


def test_sentiment_reading_is_in_parse_result_and_tracker(rasa_url):
    def parse(text):
        return requests.post(f"{rasa_url}/model/parse", json={"text": text}, timeout=30).json()

    angry = parse("你们这什么破服务，等了一个星期还不发货，气死我了，我要投诉！！！")
    calm = parse("请问这件外套有没有L码")
    assert angry["sentiment"]["label"] == "negative"
    assert calm["sentiment"]["label"] != "negative"
    assert angry["sentiment"]["score"] > calm["sentiment"]["score"]
    assert parse("")["sentiment"] == {"label": "neutral", "score": 0.0}

    sender = f"mood-{uuid.uuid4().hex[:8]}"
    say(rasa_url, sender, "三天了还没发货，你们到底管不管？？？")
    tracker = requests.get(f"{rasa_url}/conversations/{sender}/tracker", timeout=30).json()
    reading = [e for e in tracker["events"] if e["event"] == "user"][-1]["parse_data"]["sentiment"]
    assert set(reading) == {"label", "score"} and 0.0 <= reading["score"] <= 1.0
