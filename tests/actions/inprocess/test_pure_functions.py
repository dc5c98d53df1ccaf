"""Pure functions of the errands: prechecks, explanations, masks, invoice titles (milliseconds, no servers)."""

from __future__ import annotations

import datetime as dt

import pytest

from actions import texts
from actions.errands import ERRAND_INTENTS, errand_named
from actions.errands.base import explain
from actions.errands.invoice_request import title_and_tax, wants_reissue
from privacy import mask_text

STATUSES = ("pending_payment", "paid", "shipped", "delivered", "completed", "cancelled", "refunding", "refunded")
SHIPPED, CANCEL, MODIFY = "order_already_shipped", "order_not_cancellable", "order_not_modifiable"
UNDELIVERED, NOT_RETURNABLE = "order_not_delivered", "order_not_returnable"
# What the errand meets on an order in each status (STATUSES order); errands not named meet nothing.
PRECHECKS = {
    "cancel_order": (None, None, SHIPPED, SHIPPED, CANCEL, CANCEL, CANCEL, CANCEL),
    "modify_address": (None, None, SHIPPED, SHIPPED, SHIPPED, MODIFY, MODIFY, MODIFY),
    "return_goods": (UNDELIVERED, UNDELIVERED, UNDELIVERED, None, None, NOT_RETURNABLE, NOT_RETURNABLE, NOT_RETURNABLE),
    "exchange_goods": (
        UNDELIVERED,
        UNDELIVERED,
        UNDELIVERED,
        None,
        None,
        NOT_RETURNABLE,
        NOT_RETURNABLE,
        NOT_RETURNABLE,
    ),
}


@pytest.mark.parametrize("errand", ERRAND_INTENTS)
@pytest.mark.parametrize("status", STATUSES)
def test_precheck_by_errand_and_status(errand, status):
    expected = PRECHECKS.get(errand, (None,) * len(STATUSES))[STATUSES.index(status)]
    assert errand_named(errand).precheck({"id": "100120261101001", "status": status}) == expected


def _days_ago(days: int) -> str:
    return (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize("errand", ["return_goods", "exchange_goods"])
@pytest.mark.parametrize(
    "delivered_at, expected",
    [(_days_ago(2), None), (_days_ago(8), "return_window_expired"), ("not a time", None), (None, None)],
)
def test_returns_within_seven_days_of_delivery(errand, delivered_at, expected):
    order = {"status": "delivered", "delivered_at": delivered_at}
    assert errand_named(errand).precheck(order) == expected


@pytest.mark.parametrize(
    "code, errand, summary, expected",
    [
        (
            SHIPPED,
            "cancel_order",
            None,
            "订单 100120261101001 已经发货，无法取消。您可以在签收后申请退货，或者拒收，款项会原路退回。",
        ),
        (
            SHIPPED,
            "modify_address",
            None,
            "订单 100120261101001 已经发货，无法修改地址。可以联系快递改派，或者回复「转人工」帮您处理。",
        ),
        (SHIPPED, "urge_delivery", None, "订单 100120261101001 已经发货，无法催发货。"),
        (SHIPPED, None, None, "订单 100120261101001 已经发货，无法办理。"),
        (
            CANCEL,
            "cancel_order",
            {"status_text": "已完成"},
            "订单 100120261101001 当前状态是「已完成」，无法取消。如需帮助，回复「转人工」。",
        ),
        (CANCEL, "cancel_order", None, "订单 100120261101001 无法取消。如需帮助，回复「转人工」。"),
        (
            MODIFY,
            "modify_address",
            {"status_text": "已取消"},
            "订单 100120261101001 当前状态是「已取消」，无法修改地址。",
        ),
        (
            NOT_RETURNABLE,
            "return_goods",
            {"status_text": "退款中"},
            "订单 100120261101001 当前状态是「退款中」，暂时不能申请退货。",
        ),
        (NOT_RETURNABLE, "exchange_goods", None, "订单 100120261101001 暂时不能申请换货。"),
        (
            UNDELIVERED,
            "exchange_goods",
            None,
            "订单 100120261101001 还没有签收，暂时不能申请换货。签收后7天内都可以申请。",
        ),
        (
            UNDELIVERED,
            "return_goods",
            None,
            "订单 100120261101001 还没有签收，暂时不能申请退货。签收后7天内都可以申请。",
        ),
        ("order_not_found", "order_status", None, "抱歉，您的账户下没有查到订单 100120261101001。"),
        ("no_refund", "refund_status", None, texts.ERRORS["no_refund"].format(order_id="100120261101001")),
        ("phone_in_use", "change_phone", None, texts.ERRORS["phone_in_use"]),
        ("something_new", "cancel_order", None, texts.UNKNOWN_ERROR),
    ],
)
def test_explain(code, errand, summary, expected):
    assert explain(code, errand_named(errand), "100120261101001", summary) == expected


def test_explain_without_an_order():
    assert explain("same_phone", errand_named("change_phone")) == texts.ERRORS["same_phone"]


@pytest.mark.parametrize(
    "email, masked",
    [
        ("zhangwei@example.com", "zh***@example.com"),
        ("ab@example.cn", "a***@example.cn"),
        ("a@example.cn", "a***@example.cn"),
        ("not-an-email", "not-an-email"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_email(email, masked):
    assert mask_text(email) == masked


@pytest.mark.parametrize(
    "raw, title, tax",
    [
        ("个人", "个人", None),
        ("  张伟  ", "张伟", None),
        ("上海某某科技有限公司 税号 91310000MA1FL0000X", "上海某某科技有限公司", "91310000MA1FL0000X"),
        ("上海某某科技有限公司，纳税人识别号：91310000ma1fl0000x", "上海某某科技有限公司", "91310000MA1FL0000X"),
        ("91310000MA1FL0000X", "91310000MA1FL0000X", "91310000MA1FL0000X"),
        (None, "", None),
    ],
)
def test_title_and_tax(raw, title, tax):
    assert title_and_tax(raw) == (title, tax)


@pytest.mark.parametrize(
    "text, reissue",
    [("发票没收到", True), ("帮我重开一下发票", True), ("補發發票", True), ("开个发票", False), (None, False)],
)
def test_wants_reissue(text, reissue):
    assert wants_reissue(text) is reissue
