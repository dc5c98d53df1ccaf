"""Customer profile, orders list, points, membership, password reset, phone change."""

from __future__ import annotations

import logging


def test_customer(client):
    body = client.get("/v1/customers/C0001").json()
    assert body == {
        "id": "C0001",
        "name": "张伟",
        "phone": "13800138000",
        "phone_masked": "138****8000",
        "level": "金卡",
        "points": 2680,
    }


def test_unknown_customer(client):
    for path in ("", "/orders", "/points", "/membership"):
        resp = client.get(f"/v1/customers/C9999{path}")
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "customer_not_found"


def test_orders_newest_first(client):
    orders = client.get("/v1/customers/C0001/orders").json()["orders"]
    assert [o["id"] for o in orders] == ["20261101000003", "20261101000001"]
    assert orders[0]["items"][0] == {"name": "三只松鼠 每日坚果礼盒 750g", "quantity": 2, "price": "129.00"}
    assert orders[0]["total"] == "347.00"
    assert {o["customer_id"] for o in orders} == {"C0001"}


def test_points(client):
    body = client.get("/v1/customers/C0001/points").json()
    assert body["balance"] == 2680
    assert [lot["points"] for lot in body["expiring"]] == [300]
    assert len(body["expiring"][0]["expires_on"]) == 10


def test_membership(client):
    assert client.get("/v1/customers/C0001/membership").json() | {"benefits": []} == {
        "level": "金卡",
        "benefits": [],
        "next_level": "钻石",
        "points_to_next": 320,
    }
    top = client.get("/v1/customers/C0003/membership").json()
    assert top["level"] == "钻石" and top["next_level"] is None and top["benefits"]
    assert client.get("/v1/customers/C0002/membership").json()["points_to_next"] == 880


def test_password_reset(client, caplog):
    with caplog.at_level(logging.INFO, logger="shop_backend"):
        body = client.post("/v1/customers/C0001/password-reset").json()
    assert body == {"sent_to": "138****8000", "channel": "sms"}
    assert "13800138000" not in caplog.text


def test_phone_change(client, caplog):
    with caplog.at_level(logging.INFO, logger="shop_backend"):
        resp = client.post("/v1/customers/C0002/phone-change/code", json={"new_phone": "13912340000"})
        assert resp.status_code == 202
        code = resp.json()["dev_code"]
        wrong = client.post(
            "/v1/customers/C0002/phone-change",
            json={"new_phone": "13912340000", "code": f"{(int(code) + 1) % 10**6:06d}"},
        )
        assert wrong.status_code == 400 and wrong.json()["error"]["attempts_left"] == 4
        done = client.post("/v1/customers/C0002/phone-change", json={"new_phone": "13912340000", "code": code})
    assert done.status_code == 200 and done.json() == {"phone": "139****0000"}
    assert client.get("/v1/customers/C0002").json()["phone"] == "13912340000"
    assert f"verification code for 139****0000: {code}" in caplog.text
    assert "13912340000" not in caplog.text and "13912345678" not in caplog.text
    # The old number no longer logs in; the new one does.
    assert client.post("/v1/verification-codes", json={"phone": "13912345678"}).status_code == 404
    assert client.post("/v1/verification-codes", json={"phone": "13912340000"}).status_code == 202


def test_phone_change_same_and_in_use(client):
    same = client.post("/v1/customers/C0001/phone-change/code", json={"new_phone": "13800138000"})
    assert same.status_code == 400 and same.json()["error"]["code"] == "same_phone"
    taken = client.post("/v1/customers/C0001/phone-change/code", json={"new_phone": "13912345678"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "phone_in_use"


def test_phone_change_code_expires(env):
    code = env.client.post("/v1/customers/C0001/phone-change/code", json={"new_phone": "13600000001"}).json()[
        "dev_code"
    ]
    env.clock.advance(minutes=6)
    resp = env.client.post("/v1/customers/C0001/phone-change", json={"new_phone": "13600000001", "code": code})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "code_expired"
