"""The normalisation that every message gets before jieba sees it."""

import pytest

from bot.text_normalization import MAX_INPUT_CHARS, normalize


@pytest.mark.parametrize(
    "raw, expected",
    [
        # Traditional becomes Simplified
        ("我要退貨，請幫我查詢訂單狀態", "我要退货,请帮我查询订单状态"),
        ("請問有人在嗎", "请问有人在吗"),
        ("這件衣服太鬆了", "这件衣服太松了"),
        ("已经是简体的句子不变", "已经是简体的句子不变"),
        # grouped numbers are joined
        ("手机 138 0013 8000", "手机 13800138000"),
        ("手机138-0013-8000谢谢", "手机13800138000谢谢"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086-13800138000", "13800138000"),
        ("单号 2026 1101 0000 01 到哪了", "单号 20261101000001 到哪了"),
        ("１３８ ００１３ ８０００", "13800138000"),
    ],
)
def test_traditional_becomes_simplified_and_grouped_numbers_are_joined(raw, expected):
    assert normalize(raw).text == expected


def test_full_width_digits_letters_and_spaces_become_half_width():
    assert normalize("订单号：２０２６１１０１０００００１").text == "订单号:20261101000001"
    assert normalize("ＳＦ１２３４５６７８９０１２３").text == "SF1234567890123"
    assert normalize("你好\u3000在吗").text == "你好 在吗"


@pytest.mark.parametrize(
    "raw",
    [
        "买了 2 3 件",  # too short to be a phone or order number
        "13800138000 13912345678",  # two whole numbers stay two
        "20261101000001 20261101000003",
        "2026-11-01 下的单",  # a date
    ],
)
def test_unrelated_digits_stay_apart(raw):
    assert normalize(raw).text == raw


def test_mixed_script_emoji_and_invisible_characters():
    text = normalize("\u200b  親，我的sf1234567890123快遞😭😭  在哪\t\t呢？ ").text
    assert text == "亲,我的SF1234567890123快递😭😭 在哪 呢?"


def test_empty_whitespace_and_control_input():
    assert normalize("").text == ""
    assert normalize("   \n\t ").text == ""
    assert normalize(None).text == ""
    assert normalize("\x00\x01\x02").text == ""


def test_long_input_is_cut_before_it_is_normalised():
    long_text = "我要退货" * 30_000  # 120,000 characters
    assert len(normalize(long_text).text) == MAX_INPUT_CHARS
    assert len(normalize(long_text, max_chars=500).text) == 500
    assert len(normalize(long_text, max_input_chars=0).text) == 120_000
    # only what was read is worked on: the offset map never reaches past the limit
    assert max(normalize("退貨 " * 60_000).source_index) < MAX_INPUT_CHARS


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("\ud800", ""),
        ("退貨\ud800了\udfff", "退货了"),
        ("\udfff\ud800 １３８ ００１３ ８０００", "13800138000"),
        ("😀\ud83d", "😀"),
        ("\U0010ffff\ufffe退款", "\U0010ffff\ufffe退款"),
    ],
)
def test_lone_surrogates_are_dropped_and_the_rest_is_read(raw, expected):
    assert normalize(raw).text == expected


def test_traditional_conversion_can_be_switched_off():
    assert normalize("退貨", traditional_to_simplified=False).text == "退貨"


def test_spans_follow_the_text():
    raw = "手机 １３８ ００１３ ８０００ 谢谢"
    normalized = normalize(raw)
    start, end = raw.index("１"), raw.index("谢") - 1
    span = normalized.span(start, end)
    assert normalized.text[span[0] : span[1]] == "13800138000"
    assert normalized.span(raw.index("谢"), len(raw)) == (len(normalized.text) - 2, len(normalized.text))


def test_span_of_removed_text_is_none():
    normalized = normalize("\u200b你好")
    assert normalized.span(0, 1) is None
