"""The action server masks with privacy.mask_text: replies, the handoff package, its log lines."""

import logging

from rasa_sdk.executor import CollectingDispatcher

import actions  # noqa: F401  (installs the log redaction, as `rasa run actions` does)
from actions import handoff_package
from actions.common import say
from tests.actions.inprocess.trackers import tracker


def test_replies_mask_phones_and_codes_in_every_form_but_echo_a_typed_address():
    dispatcher = CollectingDispatcher()
    say(
        dispatcher,
        "已向 +86 138 0013 8000 发送验证码 482913，新地址：北京市朝阳区建国路88号",
        buttons=[{"title": "换成 139-1234-5678", "payload": "/affirm"}],
    )
    (message,) = dispatcher.messages
    assert message["text"] == "已向 138****8000 发送验证码 ******，新地址：北京市朝阳区建国路88号"
    assert message["buttons"][0]["title"] == "换成 139****5678"


def test_the_handoff_package_masks_transcript_and_slots():
    state = tracker(
        "手机138 0013 8000，发票发到 zhangwei@example.com",
        new_address="上海浦东新区阳光小区3栋2单元502室",
        invoice_email="zhangwei@example.com",
        new_phone="13912345678",
        order_id="20261101000001",
    )
    turns = handoff_package.transcript(state)
    assert turns[0]["text"] == "手机138****8000，发票发到 zh***@example.com"
    slots = handoff_package.slots(state)
    assert slots["new_address"] == "上海浦东新区****"
    assert slots.get("invoice_email", "zh***@example.com") == "zh***@example.com"
    assert slots["new_phone"] == "139****5678"
    assert slots["order_id"] == "20261101000001"


def test_log_lines_of_the_action_server_lose_phones_and_codes(caplog):
    with caplog.at_level(logging.INFO, logger="actions.identity"):
        logging.getLogger("actions.identity").info("verification code for %s: %s", "138 0013 8000", "482913")
    assert caplog.records[-1].getMessage() == "verification code for 138****8000: ******"
