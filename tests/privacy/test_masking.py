"""The one masking function (privacy.mask_text): what each kind of personal data becomes.

Tables: customer text → what may be shown, stored or logged.
"""

import pytest

from bot.text_normalization import normalize
from privacy import mask_text
from privacy.masking import find_personal_data

# Every phone form the normaliser turns into 13800138000.
PHONES = [
    "13800138000",
    "138 0013 8000",
    "138-0013-8000",
    "138  0013\t8000",
    "+86 138 0013 8000",
    "+86-138-0013-8000",
    "+8613800138000",
    "0086-13800138000",
    "0086 138 0013 8000",
    "１３８００１３８０００",
    "１３８ ００１３ ８０００",
    "＋８６ １３８－００１３－８０００",
    "138 0013８０００",
    "138\u200b0013\u200b8000",
    "13８0０1３8０0０",
]


@pytest.mark.parametrize("phone", PHONES)
def test_every_phone_form_the_normaliser_accepts_is_masked(phone):
    assert "13800138000" in normalize(f"手机{phone}谢谢").text  # the normaliser reads it as this phone
    assert mask_text(f"手机{phone}谢谢") == "手机138****8000谢谢"


MASKED = {
    # phones among other numbers
    "13800138000 13912345678": "138****8000 139****5678",
    "新号13655556666，旧号138 0013 8000": "新号136****6666，旧号138****8000",
    "8613800138000": "138****8000",
    "订单20261101000001，手机13800138000": "订单20261101000001，手机138****8000",
    "用户 2026 13800138000": "用户 2026 138****8000",
    # landlines with their area code
    "010-12345678": "010-****5678",
    "0571 8888 6666": "0571-****6666",
    # codes: alone, named, in groups
    "482913": "******",
    "验证码 482913 已发送": "验证码 ****** 已发送",
    "verification code for 138****8000: 482913": "verification code for 138****8000: ******",
    "验证码是 482 913": "验证码是 ******",
    "验证码：4829": "验证码：******",
    "code=482913&state=x": "code=******&state=x",
    "13800138000 482913": "138****8000 ******",
    "４８２９１３": "******",
    # ID card numbers (18 with X, 18 digits, old 15)
    "身份证 11010519491231002X": "身份证 1****************X",
    "身份证110105194912310021号": "身份证1****************1号",
    "440524880101010": "4*************0",
    # e-mail
    "发票发到 zhangwei@example.com 谢谢": "发票发到 zh***@example.com 谢谢",
    "13800138000@163.com": "13***@163.com",
    "a@b.cn": "a***@b.cn",
    # street addresses: the region stays, the street-level part goes
    "北京市朝阳区建国路88号SOHO现代城A座1201，收件人李四": "北京市朝阳区****，收件人李四",
    "上海浦东新区阳光小区3栋2单元502室 张三": "上海浦东新区**** 张三",
    "寄到杭州市西湖区文三路477号华星科技大厦8楼": "寄到杭州市西湖区****",
    "广州天河区体育西路103号维多利广场B塔3201": "广州天河区****",
    "我在幸福里小区5号楼": "我在****",
    "南京路步行街一百号": "****",
    # lone surrogates become U+FFFD: the result always encodes
    "\ud800 13800138000 \udfff": "\ufffd 138****8000 \ufffd",
}


@pytest.mark.parametrize("text, masked", MASKED.items())
def test_personal_data_is_masked(text, masked):
    assert mask_text(text) == masked


KEPT = [
    # order and tracking numbers stay exactly as written (not a misleading half-masked number)
    "单号 2026 1101 0000 01 到哪了",
    "订单20261101000001",
    "订单 2026-1101-0000-01",
    "订单202610290012458830",  # 18 digits, but no ID card (no province 20)
    "2026 1385 5555 12",  # an order number with a phone-like middle
    "SF1234567890123",
    "JDV202611010001",
    # ordinary numbers
    "退款 399.00 元",
    "¥123456",
    "积分 100000元",
    "123456.78",
    "买了 2 3 件",
    "2026-11-01 下的单",
    "iPhone 15 Pro",
    "10:30 到 12:00",
    # words that look like parts of an address
    "我知道了",
    "逛街去了",
    "一路顺风",
    "道歉有用吗",
    # already masked text stays as it is
    "138****8000",
    "zh***@example.com",
    "验证码 ******",
    "",
]


@pytest.mark.parametrize("text", KEPT)
def test_what_is_not_personal_data_stays(text):
    assert mask_text(text) == text


def test_masked_text_is_masked_already():
    for text in list(MASKED) + PHONES:
        once = mask_text(text)
        assert mask_text(once) == once


def test_none_is_the_empty_text():
    assert mask_text(None) == ""


def test_findings_say_what_they_are():
    kinds = [
        f.kind for f in find_personal_data("手机138 0013 8000，验证码482913，邮箱a@b.cn，身份证11010519491231002X")
    ]
    assert kinds == ["phone", "code", "email", "id_card"]


@pytest.mark.parametrize(
    "hostile",
    ["1 " * 60_000, "路1号" * 40_000, "a" * 120_000, "验证码1 " * 20_000, "a@" * 60_000, "\ud800" * 100_000],
)
def test_huge_hostile_text_is_masked_whole(hostile):
    masked = mask_text(hostile)
    assert masked.encode("utf-8") and len(masked) <= len(hostile)
