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


def test_phone_change(env, caplog):
    client = env.client
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
    assert "phone_change code sent to 139****0000" in caplog.text
    assert code not in caplog.text
    assert "13912340000" not in caplog.text and "13912345678" not in caplog.text
    # The old number no longer gets a code; the new one does.
    env.clock.advance(seconds=61)
    old = client.post("/v1/verification-codes", json={"phone": "13912345678"})
    assert old.status_code == 202 and "dev_code" not in old.json()
    assert "dev_code" in client.post("/v1/verification-codes", json={"phone": "13912340000"}).json()


def test_phone_change_same_phone(client):
    same = client.post("/v1/customers/C0001/phone-change/code", json={"new_phone": "13800138000"})
    assert same.status_code == 400 and same.json()["error"]["code"] == "same_phone"


def test_a_number_of_another_account_is_answered_like_any_other(env):
    """The code step does not say whose number it is: 202, no code sent, and wrong codes
    count down exactly as for a free number."""
    env.settings.expose_codes = False
    taken = env.client.post("/v1/customers/C0001/phone-change/code", json={"new_phone": "13912345678"})
    free = env.client.post("/v1/customers/C0003/phone-change/code", json={"new_phone": "13600000002"})
    assert (taken.status_code, taken.content) == (free.status_code, free.content) == (202, free.content)
    assert not env.settings.sms_outbox.read_text().count("13912345678")
    for left in (4, 3):
        a = env.client.post("/v1/customers/C0001/phone-change", json={"new_phone": "13912345678", "code": "000000"})
        b = env.client.post("/v1/customers/C0003/phone-change", json={"new_phone": "13600000002", "code": "000000"})
        assert (a.status_code, a.json()) == (b.status_code, b.json())
        assert a.json()["error"]["attempts_left"] == left
    assert env.client.get("/v1/customers/C0001").json()["phone"] == "13800138000"


def test_phone_in_use_only_after_the_right_code(env):
    """The number was free when the code went out and was taken since: refused, nothing changed."""
    code = env.client.post("/v1/customers/C0001/phone-change/code", json={"new_phone": "13600000003"}).json()[
        "dev_code"
    ]
    env.clock.advance(seconds=61)
    other = env.client.post("/v1/customers/C0003/phone-change/code", json={"new_phone": "13600000003"}).json()
    assert env.client.post(
        "/v1/customers/C0003/phone-change", json={"new_phone": "13600000003", "code": other["dev_code"]}
    ).json() == {"phone": "136****0003"}
    late = env.client.post("/v1/customers/C0001/phone-change", json={"new_phone": "13600000003", "code": code})
    assert late.status_code == 409 and late.json()["error"]["code"] == "phone_in_use"
    assert env.client.get("/v1/customers/C0001").json()["phone"] == "13800138000"


def test_phone_change_code_expires(env):
    code = env.client.post("/v1/customers/C0001/phone-change/code", json={"new_phone": "13600000001"}).json()[
        "dev_code"
    ]
    env.clock.advance(minutes=6)
    resp = env.client.post("/v1/customers/C0001/phone-change", json={"new_phone": "13600000001", "code": code})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "code_expired"
