"""Rendering the bot's messages for WeChat: limits, choices, agent prefix, settings."""

import pytest

from bot.channels.wechat import texts
from bot.channels.wechat.config import WeChatConfig
from bot.channels.wechat.render import (
    MAX_MESSAGES_PER_TURN,
    MAX_TEXT_BYTES,
    choice_number,
    fit_messages,
    merge_into_one,
    render_turn,
    split_text,
    utf8_len,
)


def test_split_keeps_every_character_and_never_cuts_one():
    text = "😊订单" * 1000  # 4-byte and 3-byte characters, no line breaks
    pieces = split_text(text)
    assert len(pieces) > 1 and "".join(pieces) == text
    assert all(utf8_len(p) <= MAX_TEXT_BYTES for p in pieces)


def test_split_prefers_line_ends():
    lines = [f"第{n}行" + "好" * 100 for n in range(30)]
    pieces = split_text("\n".join(lines))
    assert all(p.split("\n")[0].startswith("第") for p in pieces)


def test_fit_packs_more_than_five_and_cuts_with_a_note_only_when_it_must():
    assert fit_messages(["一", "二", "三"]) == ["一", "二", "三"]
    packed = fit_messages([f"回复{n}" for n in range(12)])
    assert len(packed) == 1 and packed[0].startswith("回复0\n\n回复1")
    huge = fit_messages(["长" * 700] * 7)  # 2100 bytes each: 7 pieces of > 1 message each
    assert len(huge) == MAX_MESSAGES_PER_TURN and huge[-1].endswith(texts.TRUNCATED)
    assert all(utf8_len(p) <= MAX_TEXT_BYTES for p in huge)


def test_merge_into_one_keeps_the_rest_for_later():
    reply, rest = merge_into_one(["短回复", "好" * 800])
    assert reply.startswith("短回复") and reply.endswith(texts.PASSIVE_MORE)
    assert utf8_len(reply) <= MAX_TEXT_BYTES and rest
    assert merge_into_one(["一", "二"]) == ("一\n\n二", [])


# What a customer types → the choice it picks (None: not a choice).
CHOICE_NUMBERS = {"1": 1, "２": 2, " 3 ": 3, "12": 12, "4。": 4, "123456": None, "一": None, "1个": None, "": None}


@pytest.mark.parametrize("text,number", CHOICE_NUMBERS.items())
def test_choice_numbers(text, number):
    assert choice_number(text) == number


def test_render_numbers_buttons_across_messages_and_prefixes_agents():
    rendered = render_turn(
        [
            {"text": "请选择", "buttons": [{"title": "查物流", "payload": "/a"}, {"title": "催发货", "payload": "/b"}]},
            {"text": "或者", "buttons": [{"title": "转人工", "payload": "/c"}]},
            {"custom": {"text": "稍等，我看一下", "sender": "agent", "agent_name": "小王"}},
            {"custom": {"text": "匿名客服", "sender": "agent"}},
            {"image": "https://shop.example/p.png"},
        ]
    )
    assert rendered.texts == [
        "请选择\n回复数字选择：\n1. 查物流\n2. 催发货",
        "或者\n回复数字选择：\n3. 转人工",
        "【人工客服 小王】稍等，我看一下",
        "【人工客服】匿名客服",
        "图片：https://shop.example/p.png",
    ]
    assert [p for _, p in rendered.choices] == ["/a", "/b", "/c"]


def test_settings_env_overrides_and_checks():
    base = {"token": "t", "appid": "wx1", "secret": "s", "mode": "customer_service"}
    config = WeChatConfig.from_credentials(
        base, environ={"WECHAT_TOKEN": "from-env", "WECHAT_MODE": "", "WECHAT_REPLY_TIMEOUT_S": "5"}
    )
    assert config.token == "from-env" and config.mode == "customer_service" and config.reply_timeout_s == 5.0
    for bad in ({"mode": "push"}, {"encoding_aes_key": "short"}, {"secret": ""}, {"passive_budget_s": 6}):
        with pytest.raises(ValueError):
            WeChatConfig.from_credentials(dict(base, **bad), environ={})
    # passive accounts have no AppSecret to give
    assert WeChatConfig.from_credentials(dict(base, secret="", mode="passive"), environ={}).mode == "passive"
