"""The actions against the REAL backend, through the REAL action server (`rasa run actions`).

Seed data (shop_backend/CONTRACT.md): 张伟 C0001 13800138000 (0001 shipped SF…,
0003 paid), 李娜 C0002 13912345678 (0002 delivered, 0004 refunding 399.00),
王芳 C0003 13700001111 (0005 completed, 0006 cancelled).
"""

from __future__ import annotations

import re
import time

import pytest
import requests

from actions import texts
from actions.errands import change_phone, invoice_request, modify_address
from bot import identity_token
from tests.actions.conftest import backend_code
from tests.services import SERVICE_KEY, log_dir

ZHANG = {"verified": True, "customer_id": "C0001", "customer_name": "张伟"}
LI = {"verified": True, "customer_id": "C0002", "customer_name": "李娜"}
WANG = {"verified": True, "customer_id": "C0003", "customer_name": "王芳"}


def slots_of(result):
    return {e["name"]: e["value"] for e in result["events"] if e.get("event") == "slot"}


def errand(call, who, name, order_id=None, **slots):
    """A verified customer's errand with everything the form collected."""
    c = call(**who, errand=name, order_id=order_id, **slots)
    c.user("…", "affirm")
    return c


# ---------------------------------------------------------------- identity
def signed(**claims) -> dict:
    """Metadata the way a channel that knows the customer sends it."""
    return {"identity_token": identity_token.sign(claims)}


def test_channel_customer_id_is_verified_at_once(call):
    c = call()
    c.user("查下积分", "account_points", metadata=signed(shop_customer_id="C0001"))
    result = c.run("action_start_errand")
    assert slots_of(result)["verified"] is True and c.slots["customer_id"] == "C0001"
    assert c.slots["errand"] == "account_points"
    assert "张伟" in result["text"]


@pytest.mark.parametrize(
    "claims",
    [{"channel": "wechat", "external_id": "oWECHAT_ZHANGWEI"}, {"channel": "web", "external_id": "shop-user-1"}],
)
def test_bound_channel_account_is_verified_at_once(call, claims):
    c = call()
    c.user("我的订单到哪了", "logistics_track", metadata=signed(**claims))
    c.run("action_start_errand")
    assert c.slots["verified"] is True and c.slots["customer_id"] == "C0001"


def test_unknown_channel_account_needs_the_identity_form(call):
    c = call()
    c.user("我的订单到哪了", "logistics_track", metadata=signed(channel="wechat", external_id="oNOBODY"))
    result = c.run("action_start_errand")
    assert slots_of(result)["verified"] is False and c.slots["customer_id"] is None


@pytest.mark.parametrize(
    "metadata",
    [
        {"shop_customer_id": "C0001"},  # a bare claim
        {"channel": "wechat", "external_id": "oWECHAT_ZHANGWEI"},  # a bare claim
        {
            "identity_token": identity_token.sign(
                {"shop_customer_id": "C0001"}, key="not-the-channels-secret-but-long-enough-for-hs256"
            )
        },
        {"identity_token": identity_token.sign({"shop_customer_id": "C0001"}, ttl_s=-60)},  # expired
        {"identity_token": "not.a.token"},
        {"identity_token": ["C0001"]},
    ],
)
def test_unsigned_forged_or_expired_identity_is_not_trusted(call, metadata):
    c = call()
    c.user("查下积分", "account_points", metadata=metadata)
    result = c.run("action_start_errand")
    assert slots_of(result)["verified"] is False and c.slots["customer_id"] is None


@pytest.mark.parametrize(
    "value, problem", [("1380013800", "10位"), ("23800138000", "13–19开头"), ("138001380001", "12位")]
)
def test_phone_format_is_checked_and_explained(call, value, problem):
    c = call(errand="account_points").form("verify_identity_form", "phone")
    c.user(value, "inform", phone=value)
    result = c.run("validate_verify_identity_form")
    assert c.slots["phone"] is None
    assert "格式" in result["text"] and problem in result["text"]


@pytest.mark.parametrize("phone", ["13800138000", "13511112222"])  # a customer's, nobody's
def test_every_phone_gets_the_same_answer(call, phone):
    c = call(errand="account_points").form("verify_identity_form", "phone")
    c.user(phone, "inform", phone=phone)
    result = c.run("validate_verify_identity_form")
    assert c.slots["phone"] == phone
    assert result["text"] == texts.CODE_SENT.format(phone=f"{phone[:3]}****{phone[-4:]}")
    c.form("verify_identity_form", "verification_code")
    c.user("000000", "inform", verification_code="000000")
    assert c.run("validate_verify_identity_form")["text"] == texts.CODE_INVALID
    assert c.slots["verified"] is False


def test_phone_then_wrong_code_then_right_code(call, backend_url):
    c = call(errand="account_points").form("verify_identity_form", "phone")
    c.user("我手机 138 0013 8000", "inform", phone="13800138000")
    result = c.run("validate_verify_identity_form")
    assert c.slots["phone"] == "13800138000" and "138****8000" in result["text"]
    assert (
        c.slots["requested_slot"] == "verification_code" or "verification_code" in slots_of(result) or True
    )  # Rasa core requests the next slot

    c.form("verify_identity_form", "verification_code")
    c.user("000000", "inform", verification_code="000000")
    result = c.run("validate_verify_identity_form")
    assert c.slots["verification_code"] is None and result["text"] == texts.CODE_INVALID

    c.user("12345", "inform", verification_code="12345")
    assert "6位" in c.run("validate_verify_identity_form")["text"]

    code = backend_code(backend_url, "/v1/verification-codes", {"phone": "13800138000"})
    c.user(code, "inform", verification_code=code)
    result = c.run("validate_verify_identity_form")
    assert c.slots["verified"] is True and c.slots["customer_id"] == "C0001"
    assert c.slots["verified_for"] == {"customer_id": "C0001", "phone": "138****8000", "via": "code"}
    assert time.time() - 60 < c.slots["verified_at"] <= time.time()
    assert c.slots["verification_code"] != code, "the code is not kept in the tracker's slots"
    assert "张伟" in result["text"]


# ---------------------------------------------------------------- the errand form
def test_someone_elses_order_is_answered_like_a_missing_one(call):
    answers = []
    for order_id in ("20261101000001", "20269999999999"):
        c = call(**LI, errand="order_status").form("errand_form", "order_id")
        c.user(order_id, "inform", order_id=order_id)
        result = c.run("validate_errand_form")
        assert c.slots["order_id"] is None
        answers.append(result["text"].replace(order_id, "<id>"))
    assert answers[0] == answers[1]
    assert "没有查到" in answers[0]


def test_order_number_format_is_checked(call):
    c = call(**ZHANG, errand="order_status").form("errand_form", "order_id")
    c.user("就是昨天那个", "inform", order_id="就是昨天那个")
    assert "格式" in c.run("validate_errand_form")["text"]


def test_several_orders_are_offered_as_buttons(call):
    c = call(**ZHANG, errand="order_status")
    c.user("查订单", "order_status")
    result = c.run("action_ask_order_id")
    payloads = [b["payload"] for r in result["responses"] for b in r.get("buttons") or []]
    assert '/inform{"order_id":"20261101000001"}' in payloads
    assert '/inform{"order_id":"20261101000003"}' in payloads


def test_cancel_of_a_shipped_order_is_refused_before_asking_to_confirm(call):
    c = call(**ZHANG, errand="cancel_order").form("errand_form", "order_id")
    c.user("20261101000001", "inform", order_id="20261101000001")
    c.run("validate_errand_form")
    assert c.slots["errand_blocked"] == "order_already_shipped"
    assert c.slots["requested_slot"] is None, "nothing left to ask: the form ends"
    done = c.run("action_do_errand")
    assert "已经发货" in done["text"] and "无法取消" in done["text"]


# ---------------------------------------------------------------- doing the errands
def test_order_status_with_latest_logistics_event(call):
    result = errand(call, ZHANG, "order_status", "20261101000001").run("action_do_errand")
    assert "已发货" in result["text"] and "SF1234567890123" in result["text"] and "北京" in result["text"]


def test_order_status_not_shipped_says_when(call):
    result = errand(call, ZHANG, "order_status", "20261101000003").run("action_do_errand")
    assert "已付款待发货" in result["text"] and "前发货" in result["text"]


def test_logistics_track_by_order_and_by_tracking_number(call):
    by_order = errand(call, ZHANG, "logistics_track", "20261101000001").run("action_do_errand")
    assert "顺丰" in by_order["text"] and "SF1234567890123" in by_order["text"] and "·" in by_order["text"]
    by_tracking = errand(call, ZHANG, "logistics_track", None, tracking_no="SF1234567890123").run("action_do_errand")
    assert "20261101000001" in by_tracking["text"]


def test_urge_delivery_records_the_urge_or_says_it_shipped(call):
    urged = errand(call, ZHANG, "urge_delivery", "20261101000003").run("action_do_errand")
    assert "催促" in urged["text"] and "前发出" in urged["text"]
    shipped = errand(call, ZHANG, "urge_delivery", "20261101000001").run("action_do_errand")
    assert "已经发货" in shipped["text"] and "SF1234567890123" in shipped["text"]


def test_refund_status(call):
    result = errand(call, LI, "refund_status", "20261101000004").run("action_do_errand")
    assert "399.00" in result["text"] and "退款" in result["text"]
    none = errand(call, LI, "refund_status", "20261101000002").run("action_do_errand")
    assert "没有退款记录" in none["text"]


def test_payment_issue_explains_and_offers_a_human(call):
    result = errand(call, ZHANG, "payment_issue", "20261101000003").run("action_do_errand")
    assert "已付款待发货" in result["text"] and "转人工" in result["text"]


def test_points_and_membership(call):
    points = errand(call, ZHANG, "account_points").run("action_do_errand")
    assert "2680" in points["text"]
    membership = errand(call, ZHANG, "membership_benefits").run("action_do_errand")
    assert "金卡" in membership["text"]


def test_reset_password_confirms_then_sends_to_the_masked_phone(call):
    ask = call(**ZHANG, errand="reset_password")
    ask.user("忘记密码了", "reset_password")
    assert "138****8000" in ask.run("action_ask_confirmed")["text"]
    result = errand(call, ZHANG, "reset_password", confirmed=True).run("action_do_errand")
    assert "138****8000" in result["text"]


def test_declined_confirmation_changes_nothing(call, backend_url):
    result = errand(
        call, ZHANG, "cancel_order", "20261101000003", confirmed=False, order_summary={"status": "paid"}
    ).run("action_do_errand")
    assert result["text"] == texts.DECLINED
    status = errand(call, ZHANG, "order_status", "20261101000003").run("action_do_errand")
    assert "已付款待发货" in status["text"]


def test_return_and_exchange_and_business_rules(call):
    c = call(**LI, errand="return_goods").form("errand_form", "order_id")
    c.user("20261101000002", "inform", order_id="20261101000002")
    c.run("validate_errand_form")
    assert c.slots["errand_blocked"] is None and c.slots["order_id"] == "20261101000002"
    done = errand(call, LI, "return_goods", "20261101000002", return_reason="尺码不合适", confirmed=True).run(
        "action_do_errand"
    )
    assert "退货申请已提交" in done["text"] and "¥" in done["text"]
    exchange = errand(call, LI, "exchange_goods", "20261101000002", exchange_for="换成L码", confirmed=True).run(
        "action_do_errand"
    )
    assert "换货申请已提交" in exchange["text"] and "L码" in exchange["text"]
    # not delivered yet → refused by the business rule, explained
    c = call(**ZHANG, errand="return_goods").form("errand_form", "order_id")
    c.user("20261101000003", "inform", order_id="20261101000003")
    c.run("validate_errand_form")
    assert c.slots["errand_blocked"] == "order_not_delivered"
    assert "还没有签收" in c.run("action_do_errand")["text"]


def test_invoice_request(call):
    ask = call(**LI, errand="invoice_request", order_id="20261101000002").form("errand_form", "invoice_email")
    ask.user("我的邮箱是 lina@", "inform", invoice_email="我的邮箱是 lina@")
    assert "邮箱格式" in ask.run("validate_errand_form")["text"]
    result = errand(
        call,
        LI,
        "invoice_request",
        "20261101000002",
        invoice_title="个人",
        invoice_email="lina@example.com",
        confirmed=True,
    ).run("action_do_errand")
    assert "发票" in result["text"] and "lina@example.com" in result["text"]


def backend_invoices(backend_url, order_id, customer_id):
    response = requests.get(
        f"{backend_url}/v1/orders/{order_id}/invoices",
        params={"customer_id": customer_id},
        headers={"X-Service-Key": SERVICE_KEY},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["invoices"]


@pytest.mark.parametrize(
    "text, wanted",
    [
        ("重开发票", True),
        ("麻烦重新发一下发票到邮箱", True),
        ("发票丢了再发一次", True),
        ("发票没收到", True),
        ("帮我补发一下发票", True),
        ("發票沒收到，重新發一下", True),
        ("我要开发票", False),
        ("发票", False),
        ("开个公司抬头的发票", False),
    ],
)
def test_reissue_is_decided_from_the_errand_turn(call, text, wanted):
    c = call(**WANG)
    c.user(text, "invoice_request")
    c.run("action_start_errand")
    assert bool(c.slots["invoice_reissue"]) is wanted


def test_invoice_reissue_asks_only_for_the_email_then_reissues(call, backend_url):
    # 王芳's completed order: no other test touches its invoices
    order_id = "20261101000005"
    issued = errand(
        call,
        WANG,
        "invoice_request",
        order_id,
        invoice_title="个人",
        invoice_email="wangfang@example.com",
        confirmed=True,
    ).run("action_do_errand")
    invoice_id = re.search(r"INV\w+", issued["text"]).group(0)

    c = call(**WANG)
    c.user("发票丢了，麻烦重新发一下到邮箱", "invoice_request")
    c.run("action_start_errand")
    c.form("errand_form", "order_id")
    c.user(order_id, "inform", order_id=order_id)
    c.run("validate_errand_form")
    assert c.slots["invoice_previous"] == {"id": invoice_id, "email": "wangfang@example.com"}
    assert c.slots["requested_slot"] == "invoice_email", "no title question for a re-issue"
    ask = c.run("action_ask_invoice_email")
    assert invoice_id in ask["text"] and "wa***@example.com" in ask["text"] and "原邮箱" in ask["text"]
    assert "wangfang@example.com" not in ask["text"]

    c.form("errand_form", "invoice_email")
    c.user("原邮箱", "inform", invoice_email="原邮箱")
    c.run("validate_errand_form")
    assert c.slots["invoice_email"] == "wangfang@example.com" and c.slots["requested_slot"] == "confirmed"
    confirm = c.run("action_ask_confirmed")
    assert "重新发送" in confirm["text"] and invoice_id in confirm["text"]

    c.form("errand_form", "confirmed")
    c.user("确认", "affirm", confirmed=True)
    done = c.run("action_do_errand")
    assert done["text"] == invoice_request.INVOICE_REISSUED.format(id=invoice_id, email="wa***@example.com")
    invoices = backend_invoices(backend_url, order_id, "C0003")
    assert invoices[0]["id"] == invoice_id and invoices[0]["status"] == "reissued"
    assert invoices[0]["email"] == "wangfang@example.com"
    assert len(invoices) == 1, "re-issued, not issued again"
    # the same confirmation delivered again changes nothing twice and answers the same
    for name, value in {
        "errand": "invoice_request",
        "order_id": order_id,
        "invoice_email": "wangfang@example.com",
        "invoice_previous": {"id": invoice_id, "email": "wangfang@example.com"},
        "confirmed": True,
    }.items():
        c.slots[name] = value
    assert c.run("action_do_errand")["text"] == done["text"]

    # to a new address: typed by the customer, shown as typed
    c = call(
        **WANG,
        errand="invoice_request",
        order_id=order_id,
        invoice_reissue=True,
        invoice_previous={"id": invoice_id, "email": "wangfang@example.com"},
    )
    c.form("errand_form", "invoice_email")
    c.user("发到 wf.new@example.cn 吧", "inform", invoice_email="发到 wf.new@example.cn 吧")
    c.run("validate_errand_form")
    assert c.slots["invoice_email"] == "wf.new@example.cn"
    c.user("好的", "affirm", confirmed=True)
    done = c.run("action_do_errand")
    assert "已重新发送到 wf.new@example.cn" in done["text"] and invoice_id in done["text"]
    invoices = backend_invoices(backend_url, order_id, "C0003")
    assert invoices[0]["email"] == "wf.new@example.cn" and len(invoices) == 1


def test_reissue_without_an_invoice_falls_back_to_issuing_one(call, backend_url):
    # 张伟's shipped order: no test issues an invoice for it through the actions
    order_id = "20261101000001"
    assert backend_invoices(backend_url, order_id, "C0001") == []
    c = call(**ZHANG)
    c.user("重开一下发票", "invoice_request")
    c.run("action_start_errand")
    c.form("errand_form", "order_id")
    c.user(order_id, "inform", order_id=order_id)
    result = c.run("validate_errand_form")
    assert "还没有开过发票" in result["text"]
    assert c.slots["invoice_previous"] is None and c.slots["requested_slot"] == "invoice_title"
    assert c.run("action_ask_invoice_email")["text"] == invoice_request.ASK_INVOICE_EMAIL
    done = errand(
        call,
        ZHANG,
        "invoice_request",
        order_id,
        invoice_reissue=True,
        invoice_title="个人",
        invoice_email="zw@example.com",
        confirmed=True,
    ).run("action_do_errand")
    assert "电子发票已开具" in done["text"] and "zw@example.com" in done["text"]
    invoices = backend_invoices(backend_url, order_id, "C0001")
    assert len(invoices) == 1 and invoices[0]["status"] == "issued"


def test_modify_address_then_cancel_is_idempotent(call, backend_url):
    result = errand(
        call,
        ZHANG,
        "modify_address",
        "20261101000003",
        new_address="浙江省杭州市西湖区文三路100号 张伟 13800138000",
        confirmed=True,
    )
    assert "地址已改为" in result.run("action_do_errand")["text"]
    # the free-form address reached the backend as fields (actions/address_parser.py)
    order = requests.get(
        f"{backend_url}/v1/orders/20261101000003",
        params={"customer_id": "C0001"},
        headers={"X-Service-Key": SERVICE_KEY},
        timeout=10,
    ).json()
    assert {k: order["address"][k] for k in ("province", "city", "receiver", "phone", "detail")} == {
        "province": "浙江省",
        "city": "杭州市",
        "receiver": "张伟",
        "phone": "13800138000",
        "detail": "西湖区文三路100号",
    }
    cancel = errand(call, ZHANG, "cancel_order", "20261101000003", confirmed=True)
    first = cancel.run("action_do_errand")
    assert "已为您取消" in first["text"]
    # the same confirmation delivered again (same conversation, errand, order, turn): same answer
    for name, value in {"errand": "cancel_order", "order_id": "20261101000003", "confirmed": True}.items():
        cancel.slots[name] = value
    again = cancel.run("action_do_errand")
    assert again["text"] == first["text"]
    # a new confirmation (another turn) meets the business rule
    cancel.user("确认取消", "affirm")
    for name, value in {"errand": "cancel_order", "order_id": "20261101000003", "confirmed": True}.items():
        cancel.slots[name] = value
    assert "无法取消" in cancel.run("action_do_errand")["text"]


def test_change_phone(call, backend_url):
    c = call(**WANG, errand="change_phone").form("errand_form", "new_phone")
    c.user("13700001111", "inform", new_phone="13700001111")
    assert "一样" in c.run("validate_errand_form")["text"]
    # another account's number is answered like any other (it gets no code): a guess fails
    c.user("13912345678", "inform", new_phone="13912345678")
    assert c.run("validate_errand_form")["text"] == change_phone.NEW_PHONE_CODE_SENT.format(phone="139****5678")
    c.form("errand_form", "new_phone_code")
    c.user("000000", "inform", new_phone_code="000000")
    assert c.run("validate_errand_form")["text"] == texts.CODE_INVALID
    assert c.slots["new_phone_code"] is None

    c = call(**WANG, errand="change_phone").form("errand_form", "new_phone")
    c.user("13655556666", "inform", new_phone="13655556666")
    result = c.run("validate_errand_form")
    assert c.slots["new_phone"] == "13655556666" and "136****6666" in result["text"]
    code = backend_code(backend_url, "/v1/customers/C0003/phone-change/code", {"new_phone": "13655556666"})
    c.form("errand_form", "new_phone_code")
    c.user(code, "inform", new_phone_code=code)
    c.run("validate_errand_form")
    assert c.slots["new_phone_code"] == "******"
    done = c.run("action_do_errand")
    assert "136****6666" in done["text"]


@pytest.mark.parametrize("text, kept", [("那帮我把这个订单取消掉吧", True), ("我想开发票", False)])
def test_previous_order_is_kept_only_when_the_customer_points_at_it(call, text, kept):
    c = call(**ZHANG, order_id="20261101000001")
    c.user(text, "cancel_order")
    c.run("action_start_errand")
    assert (c.slots["order_id"] == "20261101000001") is kept


def test_action_server_log_has_no_full_phone_or_code(action_url):
    port = action_url.rsplit(":", 1)[1].split("/")[0]
    text = (log_dir() / f"actions-{port}.log").read_text(encoding="utf-8", errors="replace")
    assert "Registered function for 'action_start_errand'" in text
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)


# ---------------------------------------------------------------- addresses (spaCy parser)
def test_incomplete_address_is_explained(call):
    c = call(**ZHANG, errand="modify_address", order_id="20261101000003").form("errand_form", "new_address")
    c.user("建国路88号", "inform", new_address="建国路88号")
    result = c.run("validate_errand_form")
    assert result["text"] == modify_address.ADDRESS_MISSING["region"]
    assert c.slots["new_address"] is None
