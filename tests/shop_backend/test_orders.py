"""Every order endpoint: happy paths and each business rule."""

from __future__ import annotations

from sqlalchemy import func, select

from shop_backend.models import Refund, Urge

SHIPPED, PAID, DELIVERED, REFUNDING, COMPLETED, CANCELLED = (
    "20261101000001",
    "20261101000003",
    "20261101000002",
    "20261101000004",
    "20261101000005",
    "20261101000006",
)
OWNER = {
    SHIPPED: "C0001",
    PAID: "C0001",
    DELIVERED: "C0002",
    REFUNDING: "C0002",
    COMPLETED: "C0003",
    CANCELLED: "C0003",
}


def post(client, order_id, action, **body):
    body.setdefault("customer_id", OWNER[order_id])
    return client.post(f"/v1/orders/{order_id}/{action}", json=body)


def error(resp):
    return resp.status_code, resp.json()["error"]["code"]


def test_get_order(client):
    body = client.get(f"/v1/orders/{SHIPPED}", params={"customer_id": "C0001"}).json()
    assert body["id"] == SHIPPED and body["customer_id"] == "C0001"
    assert body["total"] == "599.00" and body["items"] == [
        {"name": "李宁 超轻20 男款跑步鞋 42码", "quantity": 1, "price": "599.00"}
    ]
    assert body["address"]["receiver"] == "张伟" and body["address"]["city"] == "北京市"
    for key in ("created_at", "paid_at", "shipped_at", "expected_ship_by"):
        assert body[key].endswith("+08:00"), key
    assert body["delivered_at"] is None


def test_someone_elses_order_is_the_same_as_a_missing_one(client):
    theirs = client.get(f"/v1/orders/{DELIVERED}", params={"customer_id": "C0001"})
    missing = client.get("/v1/orders/20990101000000", params={"customer_id": "C0001"})
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == {"error": {"code": "order_not_found", "message": "order not found"}}
    for action in ("cancel", "urge"):
        resp = client.post(f"/v1/orders/{DELIVERED}/{action}", json={"customer_id": "C0001"})
        assert resp.json() == missing.json()
    resp = client.get(f"/v1/orders/{REFUNDING}/refund", params={"customer_id": "C0001"})
    assert resp.json() == missing.json()


def test_customer_id_is_required(client):
    resp = client.get(f"/v1/orders/{SHIPPED}")
    assert error(resp) == (422, "validation_error")


def test_logistics_not_shipped_and_delivered(client):
    body = client.get(f"/v1/orders/{PAID}/logistics", params={"customer_id": "C0001"}).json()
    assert body["events"] == [] and body["tracking_no"] is None
    body = client.get(f"/v1/orders/{DELIVERED}/logistics", params={"customer_id": "C0002"}).json()
    assert body["status_text"] == "已签收" and "签收" in body["events"][0]["description"]


def test_urge(env):
    resp = post(env.client, PAID, "urge")
    assert resp.status_code == 200 and resp.json()["urged"] is True
    assert resp.json()["expected_ship_by"].endswith("+08:00")
    assert post(env.client, PAID, "urge").status_code == 200  # again is fine
    with env.session() as s:
        assert s.scalar(select(func.count()).select_from(Urge)) == 2
    assert error(post(env.client, SHIPPED, "urge")) == (409, "order_already_shipped")


def test_cancel_paid_order_refunds(client):
    resp = post(client, PAID, "cancel", reason="不想要了")
    assert resp.status_code == 200
    assert resp.json()["status"] == "cancelled" and resp.json()["status_text"] == "已取消"
    refund = client.get(f"/v1/orders/{PAID}/refund", params={"customer_id": "C0001"}).json()
    assert refund["status"] == "processing" and refund["amount"] == "347.00"


def test_cancel_rules(client):
    assert error(post(client, SHIPPED, "cancel")) == (409, "order_already_shipped")
    assert error(post(client, DELIVERED, "cancel")) == (409, "order_already_shipped")
    for order_id in (COMPLETED, CANCELLED, REFUNDING):
        assert error(post(client, order_id, "cancel")) == (409, "order_not_cancellable"), order_id


def test_change_address(client):
    resp = post(client, PAID, "address", detail="海淀区中关村大街27号", city="北京市", receiver="张伟")
    assert resp.status_code == 200
    assert resp.json()["address"]["detail"] == "海淀区中关村大街27号"
    assert resp.json()["address"]["phone"] == "13800138000"
    again = client.get(f"/v1/orders/{PAID}", params={"customer_id": "C0001"}).json()
    assert again["address"]["detail"] == "海淀区中关村大街27号"
    assert error(post(client, SHIPPED, "address", detail="别处")) == (409, "order_already_shipped")
    assert error(post(client, PAID, "address", detail="")) == (422, "validation_error")


def test_return_and_exchange(client):
    resp = post(client, DELIVERED, "returns", kind="return", reason="尺码不合适")
    assert resp.status_code == 201
    body = resp.json()
    assert body["id"].startswith("R") and body["kind"] == "return" and body["status"] == "submitted"
    assert body["refund_amount"] == "199.00"
    resp = post(client, DELIVERED, "returns", kind="exchange", reason="颜色不喜欢", exchange_for="黑色 M码")
    assert resp.status_code == 201
    assert resp.json()["kind"] == "exchange" and resp.json()["refund_amount"] is None
    assert resp.json()["exchange_for"] == "黑色 M码"


def test_return_rules(env):
    c = env.client
    assert error(post(c, SHIPPED, "returns", kind="return", reason="x")) == (409, "order_not_delivered")
    assert error(post(c, PAID, "returns", kind="return", reason="x")) == (409, "order_not_delivered")
    assert error(post(c, COMPLETED, "returns", kind="return", reason="x")) == (409, "return_window_expired")
    for reason in ("", "   ", None):
        body = {"kind": "return"} if reason is None else {"kind": "return", "reason": reason}
        assert error(post(c, DELIVERED, "returns", **body)) == (422, "reason_required")
    assert error(post(c, DELIVERED, "returns", kind="refund", reason="x")) == (422, "validation_error")
    # Delivered two days ago: day 7 still fine, after it not.
    env.clock.advance(days=4, hours=23)
    assert post(c, DELIVERED, "returns", kind="return", reason="质量问题").status_code == 201
    env.clock.advance(hours=2)
    assert error(post(c, DELIVERED, "returns", kind="return", reason="质量问题")) == (409, "return_window_expired")


def test_refund(client):
    body = client.get(f"/v1/orders/{REFUNDING}/refund", params={"customer_id": "C0002"}).json()
    assert body["status"] == "processing" and body["amount"] == "399.00" and body["status_text"]
    assert len(body["expected_by"]) == 10
    resp = client.get(f"/v1/orders/{SHIPPED}/refund", params={"customer_id": "C0001"})
    assert error(resp) == (404, "no_refund")


def test_invoice_issue_and_reissue(client):
    resp = post(
        client,
        SHIPPED,
        "invoices",
        title="上海某某科技有限公司",
        tax_number="91310000MA1FL0000X",
        email="zhangwei@example.com",
    )
    assert resp.status_code == 201
    inv = resp.json()
    assert inv["id"].startswith("INV") and inv["status"] == "issued" and inv["email"] == "zhangwei@example.com"
    resp = client.post(f"/v1/invoices/{inv['id']}/reissue", json={"customer_id": "C0001", "email": "zw@example.cn"})
    assert resp.status_code == 200 and resp.json() == {"id": inv["id"], "status": "reissued", "email": "zw@example.cn"}
    other = client.post(f"/v1/invoices/{inv['id']}/reissue", json={"customer_id": "C0002"})
    missing = client.post("/v1/invoices/INV000/reissue", json={"customer_id": "C0001"})
    assert error(other) == error(missing) == (404, "invoice_not_found")
    assert other.json() == missing.json()
    assert error(post(client, SHIPPED, "invoices", title="个人", email="not-an-email")) == (422, "validation_error")


def test_cancel_writes_one_refund(env):
    post(env.client, PAID, "cancel")
    with env.session() as s:
        assert s.scalar(select(func.count()).select_from(Refund).where(Refund.order_id == PAID)) == 1


def test_invoice_list_newest_first_and_only_the_owners(env):
    client = env.client
    listed = client.get(f"/v1/orders/{COMPLETED}/invoices", params={"customer_id": "C0003"})
    assert listed.status_code == 200 and listed.json() == {"invoices": []}
    first = post(client, COMPLETED, "invoices", title="个人", email="wf@example.com").json()
    env.clock.advance(minutes=5)
    second = post(client, COMPLETED, "invoices", title="王芳", email="wf2@example.com").json()
    client.post(f"/v1/invoices/{first['id']}/reissue", json={"customer_id": "C0003"})
    body = client.get(f"/v1/orders/{COMPLETED}/invoices", params={"customer_id": "C0003"}).json()
    assert [i["id"] for i in body["invoices"]] == [second["id"], first["id"]]
    newest, oldest = body["invoices"]
    assert newest == {
        "id": second["id"],
        "status": "issued",
        "title": "王芳",
        "email": "wf2@example.com",
        "issued_at": newest["issued_at"],
    }
    assert newest["issued_at"].endswith("+08:00") and newest["issued_at"] > oldest["issued_at"]
    assert oldest["status"] == "reissued" and oldest["title"] == "个人"
    # someone else's order (or a missing one): order_not_found, as everywhere
    theirs = client.get(f"/v1/orders/{COMPLETED}/invoices", params={"customer_id": "C0001"})
    missing = client.get("/v1/orders/20990101000000/invoices", params={"customer_id": "C0003"})
    assert error(theirs) == error(missing) == (404, "order_not_found")
    assert theirs.json() == missing.json()
    assert error(client.get(f"/v1/orders/{COMPLETED}/invoices")) == (422, "validation_error")
