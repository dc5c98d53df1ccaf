"""The generic errand actions run in this process against trackers built here (no servers).

Only paths that do not reach the backend: what the form asks for, the confirmation
questions, the slot resets of action_start_errand, the validators that check text,
and action_do_errand on a blocked or declined errand. Everything that calls the
backend is in ../test_errand_actions.py, against the real backend.
"""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.errand_actions import ActionDoErrand, ActionStartErrand, AskConfirmed, ValidateErrandForm
from actions.errands import ERRAND_INTENTS, errand_named, modify_address
from actions.errands import invoice_request as invoice
from tests.actions.inprocess.trackers import VERIFIED, call, run, slot_events, tracker

ORDER = "100120261101001"
SUMMARY = {"id": ORDER, "status": "paid", "status_text": "待发货", "items": "纯棉T恤等2件商品", "total": "199.00"}
# Every per-errand slot: what action_start_errand and action_do_errand clear.
ERRAND_STATE = {
    "confirmed",
    "new_address",
    "return_reason",
    "exchange_for",
    "invoice_title",
    "invoice_email",
    "new_phone",
    "new_phone_code",
    "errand_blocked",
    "order_summary",
    "invoice_reissue",
    "invoice_previous",
}
REQUIRED = {
    "order_status": ["order_id"],
    "logistics_track": ["order_id"],
    "urge_delivery": ["order_id"],
    "cancel_order": ["order_id", "confirmed"],
    "modify_address": ["order_id", "new_address", "confirmed"],
    "return_goods": ["order_id", "return_reason", "confirmed"],
    "exchange_goods": ["order_id", "exchange_for", "confirmed"],
    "refund_status": ["order_id"],
    "invoice_request": ["order_id", "invoice_title", "invoice_email", "confirmed"],
    "payment_issue": ["order_id"],
    "account_points": [],
    "membership_benefits": [],
    "reset_password": ["confirmed"],
    "change_phone": ["new_phone", "new_phone_code"],
}


def required(**slots):
    form = ValidateErrandForm()
    return call(form.required_slots([], CollectingDispatcher(), tracker(**slots), {}))


# ---------------------------------------------------------------- the form
def test_the_table_names_only_errands():
    assert set(REQUIRED) <= set(ERRAND_INTENTS)


@pytest.mark.parametrize("errand", sorted(REQUIRED))
def test_required_slots_of_each_errand(errand):
    assert required(errand=errand) == REQUIRED[errand]


@pytest.mark.parametrize(
    "slots, needed",
    [
        ({"errand": "logistics_track", "tracking_no": "SF1234567890"}, []),
        ({"errand": "logistics_track", "tracking_no": "SF1234567890", "order_id": ORDER}, ["order_id"]),
        ({"errand": "invoice_request", "invoice_previous": {"id": "INV1", "email": "a@b.cn"}}, invoice.REISSUE_SLOTS),
        ({"errand": "cancel_order", "errand_blocked": "order_already_shipped"}, []),
        ({"errand": "return_goods", "errand_blocked": "backend_down"}, []),
        ({"errand": "nothing_we_do"}, []),
        ({}, []),
    ],
)
def test_required_slots_depend_on_the_conversation(slots, needed):
    assert required(**slots) == needed


def validate(slot, value, **slots):
    method = getattr(ValidateErrandForm(), f"validate_{slot}")
    dispatcher = CollectingDispatcher()
    result = call(method(value, dispatcher, tracker(text=str(value), **slots), {}))
    return result, " ".join(m["text"] for m in dispatcher.messages)


@pytest.mark.parametrize("slot", ["return_reason", "exchange_for"])
def test_free_text_slots(slot):
    assert validate(slot, "/affirm") == ({slot: None}, "")
    assert validate(slot, "  尺码不合适  ") == ({slot: "尺码不合适"}, "")
    assert validate(slot, "大" * 300)[0] == {slot: "大" * 200}
    assert validate(slot, "   ")[0] == {slot: None}


def test_invoice_title_is_cut_at_120():
    assert validate("invoice_title", "公" * 130)[0] == {"invoice_title": "公" * 120}


def test_an_address_without_region_is_asked_again():
    assert validate("new_address", "88号") == ({"new_address": None}, modify_address.ADDRESS_MISSING["region"])
    assert validate("new_address", "/deny") == ({"new_address": None}, "")


@pytest.mark.parametrize(
    "value, previous, email, said",
    [
        ("wang@example.com", None, "wang@example.com", ""),
        ("发到 wang.fang+inv@example.com.cn 吧", None, "wang.fang+inv@example.com.cn", ""),
        ("wang at example", None, None, invoice.EMAIL_BAD),
        ("原邮箱", {"id": "INV1", "email": "wangfang@example.com"}, "wangfang@example.com", ""),
        ("原邮箱", None, None, invoice.EMAIL_BAD),
        ("new@example.com", {"id": "INV1", "email": "wangfang@example.com"}, "new@example.com", ""),
    ],
)
def test_invoice_email(value, previous, email, said):
    assert validate("invoice_email", value, invoice_previous=previous) == ({"invoice_email": email}, said)


def test_confirmed_none_asks_again():
    assert validate("confirmed", None) == ({"confirmed": None}, texts.ASK_CONFIRM_AGAIN)
    assert validate("confirmed", True) == ({"confirmed": True}, "")


def test_the_form_has_no_validator_for_slots_nobody_owns():
    with pytest.raises(AttributeError):
        ValidateErrandForm().validate_tracking_no  # noqa: B018


# ---------------------------------------------------------------- confirmation questions
@pytest.mark.parametrize(
    "slots, question",
    [
        (
            {"errand": "cancel_order"},
            "确认要取消订单 100120261101001（纯棉T恤等2件商品，¥199.00）吗？取消后款项会原路退回。",
        ),
        (
            {"errand": "modify_address", "new_address": "上海市浦东新区张江路88号"},
            "确认把订单 100120261101001 的收货地址改为：上海市浦东新区张江路88号？",
        ),
        (
            {"errand": "return_goods", "return_reason": "尺码不合适"},
            "确认为订单 100120261101001 申请退货吗？退货原因：尺码不合适。",
        ),
        (
            {"errand": "exchange_goods", "exchange_for": "换成L码"},
            "确认为订单 100120261101001 申请换货吗？换成：换成L码。",
        ),
        (
            {"errand": "invoice_request", "invoice_title": "个人", "invoice_email": "zw@example.com"},
            "确认为订单 100120261101001 开具电子发票吗？抬头：个人，发送到邮箱 zw@example.com。",
        ),
        (
            {
                "errand": "invoice_request",
                "invoice_title": "上海某某科技有限公司 税号 91310000MA1FL0000X",
                "invoice_email": "cw@example.com",
            },
            "确认为订单 100120261101001 开具电子发票吗？抬头：上海某某科技有限公司（税号 91310000MA1FL0000X），"
            "发送到邮箱 cw@example.com。",
        ),
        (
            {
                "errand": "invoice_request",
                "invoice_previous": {"id": "INV9", "email": "wangfang@example.com"},
                "invoice_email": "wangfang@example.com",
            },
            "确认把订单 100120261101001 的电子发票（发票号 INV9）重新发送到邮箱 wa***@example.com 吗？",
        ),
        (
            {
                "errand": "invoice_request",
                "invoice_previous": {"id": "INV9", "email": "wangfang@example.com"},
                "invoice_email": "new@example.com",
            },
            "确认把订单 100120261101001 的电子发票（发票号 INV9）重新发送到邮箱 new@example.com 吗？",
        ),
        (
            {"errand": "reset_password", "phone": "13800138000"},
            "确认向您绑定的手机 138****8000 发送重置密码的短信吗？",
        ),
        ({"errand": "order_status"}, texts.ASK_CONFIRM_AGAIN),
    ],
)
def test_confirmation_question(slots, question):
    result = run(AskConfirmed(), tracker(order_id=ORDER, order_summary=SUMMARY, **VERIFIED, **slots))
    assert result["text"] == question
    assert result["messages"][0]["buttons"] == [
        {"title": "确认", "payload": "/affirm"},
        {"title": "不用了", "payload": "/deny"},
    ]


def test_every_confirming_errand_has_its_question():
    confirming = [name for name in ERRAND_INTENTS if errand_named(name).confirms]
    assert confirming == sorted(
        ["cancel_order", "modify_address", "return_goods", "exchange_goods", "invoice_request", "reset_password"]
    )
    for name in confirming:
        state = tracker(errand=name, order_id=ORDER, order_summary=SUMMARY, phone="13800138000", invoice_title="个人")
        assert call(errand_named(name).confirmation(state)) not in (None, texts.ASK_CONFIRM_AGAIN)


# ---------------------------------------------------------------- action_start_errand
def test_start_clears_the_previous_errand():
    state = tracker("我要取消订单", "cancel_order", **VERIFIED, errand="return_goods", order_id=ORDER, confirmed=True)
    events = run(ActionStartErrand(), state)["events"]
    slots = slot_events(events)
    assert slots["errand"] == "cancel_order" and slots["requested_slot"] is None
    assert {name for name, value in slots.items() if value is None} == ERRAND_STATE | {"requested_slot", "order_id"}
    assert slots["verified"] is True
    assert not [e for e in events if e["event"] == "active_loop"]


def test_start_inside_a_form_ends_it():
    events = run(ActionStartErrand(), tracker("查下积分", "account_points", active_loop="errand_form", **VERIFIED))[
        "events"
    ]
    assert events[0] == {"event": "active_loop", "name": None, "timestamp": None}


@pytest.mark.parametrize(
    "text, entities, keeps_order",
    [
        ("取消订单", [], False),
        ("这个订单取消吧", [], True),
        ("取消 100120261101001", [{"entity": "order_id", "value": ORDER}], True),
        ("刚才那个取消", [], True),
    ],
)
def test_start_keeps_the_order_only_when_pointed_at(text, entities, keeps_order):
    state = tracker(text, "cancel_order", entities=entities, **VERIFIED, order_id=ORDER)
    slots = slot_events(run(ActionStartErrand(), state)["events"])
    assert ("order_id" not in slots) is keeps_order


def test_start_of_a_reissue():
    slots = slot_events(
        run(ActionStartErrand(), tracker("发票没收到，补发一下", "invoice_request", **VERIFIED))["events"]
    )
    assert slots["invoice_reissue"] is True and slots["errand"] == "invoice_request"
    slots = slot_events(run(ActionStartErrand(), tracker("开个发票", "invoice_request", **VERIFIED))["events"])
    assert slots["invoice_reissue"] is None


def test_an_order_number_alone_is_an_order_status():
    state = tracker(ORDER, "inform", entities=[{"entity": "order_id", "value": ORDER}], **VERIFIED)
    assert slot_events(run(ActionStartErrand(), state)["events"])["errand"] == "order_status"


def test_start_without_identity_asks_for_it():
    result = run(ActionStartErrand(), tracker("查下积分", "account_points"))
    slots = slot_events(result["events"])
    assert slots["verified"] is False and slots["phone"] is None and slots["verification_code"] is None
    assert result["text"] == ""


# ---------------------------------------------------------------- action_do_errand without the backend
def test_do_explains_a_blocked_errand_and_counts_the_failure():
    state = tracker(
        errand="cancel_order",
        order_id=ORDER,
        order_summary={**SUMMARY, "status_text": "已完成"},
        errand_blocked="order_not_cancellable",
        errand_failures=1,
        **VERIFIED,
    )
    result = run(ActionDoErrand(), state)
    assert result["text"] == "订单 100120261101001 当前状态是「已完成」，无法取消。如需帮助，回复「转人工」。"
    slots = slot_events(result["events"])
    assert slots["errand_outcome"] == "failed" and slots["errand_failures"] == 2
    assert slots["errand"] is None and ERRAND_STATE <= {name for name, value in slots.items() if value is None}


def test_do_after_a_no_changes_nothing():
    state = tracker(errand="return_goods", order_id=ORDER, return_reason="不想要了", confirmed=False, **VERIFIED)
    result = run(ActionDoErrand(), state)
    assert result["text"] == texts.DECLINED
    assert slot_events(result["events"])["errand_outcome"] == "done"


def test_do_when_the_form_met_a_down_backend():
    state = tracker(errand="order_status", order_id=ORDER, errand_blocked="backend_down", **VERIFIED)
    result = run(ActionDoErrand(), state)
    assert result["text"] == texts.BACKEND_DOWN_APOLOGY
    slots = slot_events(result["events"])
    assert slots["errand_outcome"] == "backend_down" and slots["errand_failures"] == 1


def test_do_for_a_stranger_only_resets():
    result = run(ActionDoErrand(), tracker(errand="account_points"))
    assert result["text"] == "" and "errand_outcome" not in slot_events(result["events"])
