"""Idempotency-Key: the same key with the same customer changes nothing twice."""

from __future__ import annotations

from sqlalchemy import func, select

from shop_backend.models import AfterSale, Invoice, Refund, Urge, VerificationCode


def count(env, model):
    with env.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_cancel_twice_with_one_key(env):
    h = {"Idempotency-Key": "cancel-1"}
    first = env.client.post("/v1/orders/20261101000003/cancel", json={"customer_id": "C0001"}, headers=h)
    second = env.client.post("/v1/orders/20261101000003/cancel", json={"customer_id": "C0001"}, headers=h)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert count(env, Refund) == 2  # the seeded one + this cancel, once
    # Without the key the second cancel is a real second request.
    third = env.client.post("/v1/orders/20261101000003/cancel", json={"customer_id": "C0001"})
    assert third.json()["error"]["code"] == "order_not_cancellable"


def test_return_twice_with_one_key(env):
    h = {"Idempotency-Key": "ret-1"}
    body = {"customer_id": "C0002", "kind": "return", "reason": "不合适"}
    a = env.client.post("/v1/orders/20261101000002/returns", json=body, headers=h)
    b = env.client.post("/v1/orders/20261101000002/returns", json=body, headers=h)
    assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
    assert count(env, AfterSale) == 1


def test_urge_invoice_and_code_with_keys(env):
    c = env.client
    for _ in range(2):
        c.post("/v1/orders/20261101000003/urge", json={"customer_id": "C0001"}, headers={"Idempotency-Key": "u"})
        c.post(
            "/v1/orders/20261101000001/invoices",
            json={"customer_id": "C0001", "title": "个人", "email": "a@b.cn"},
            headers={"Idempotency-Key": "i"},
        )
    codes = [
        c.post("/v1/verification-codes", json={"phone": "13800138000"}, headers={"Idempotency-Key": "code"}).json()[
            "dev_code"
        ]
        for _ in range(2)
    ]
    assert codes[0] == codes[1]
    assert (count(env, Urge), count(env, Invoice), count(env, VerificationCode)) == (1, 1, 1)


def test_a_replayed_wrong_code_counts_once(env):
    c = env.client
    code = c.post("/v1/verification-codes", json={"phone": "13800138000"}).json()["dev_code"]
    bad = {"phone": "13800138000", "code": f"{(int(code) + 1) % 10**6:06d}"}
    for _ in range(3):
        resp = c.post("/v1/verification-codes/check", json=bad, headers={"Idempotency-Key": "chk"})
        assert resp.json()["error"]["attempts_left"] == 4


def test_same_key_other_request_is_refused(client):
    h = {"Idempotency-Key": "k"}
    client.post("/v1/orders/20261101000003/urge", json={"customer_id": "C0001"}, headers=h)
    resp = client.post("/v1/orders/20261101000003/cancel", json={"customer_id": "C0001"}, headers=h)
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "validation_error"
    assert client.get("/v1/orders/20261101000003", params={"customer_id": "C0001"}).json()["status"] == "paid"


def test_keys_are_per_customer(env):
    h = {"Idempotency-Key": "shared"}
    a = env.client.post("/v1/customers/C0001/password-reset", headers=h)
    b = env.client.post("/v1/customers/C0002/password-reset", headers=h)
    assert a.json()["sent_to"] == "138****8000" and b.json()["sent_to"] == "139****5678"
