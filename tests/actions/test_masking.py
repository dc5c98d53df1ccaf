"""Phones and codes never appear in full in replies or logs."""

import logging

from actions.masking import MaskingFilter, mask_phone, mask_secrets


def test_phone_numbers_are_masked_in_text():
    assert mask_phone("手机 13800138000，新号13655556666") == "手机 138****8000，新号136****6666"
    assert mask_phone("订单 20261101000001") == "订单 20261101000001"


def test_log_records_lose_phones_and_codes():
    record = logging.LogRecord(
        "actions.identity", logging.INFO, __file__, 1, "verification code for %s: %s", ("13800138000", "482913"), None
    )
    MaskingFilter().filter(record)
    assert record.getMessage() == "verification code for 138****8000: ******"
    assert mask_secrets("验证码 482913 已发送") == "验证码 ****** 已发送"
