"""X-Service-Key on /v1, the error body, health without a key."""

from __future__ import annotations

import pytest

PATHS = [
    ("get", "/v1/customers/C0001"),
    ("get", "/v1/orders/20261101000001?customer_id=C0001"),
    ("post", "/v1/verification-codes"),
    ("get", "/v1/customers/by-channel?channel=web&external_id=shop-user-1"),
]


def test_health_needs_no_key(client):
    resp = client.get("/health", headers={"X-Service-Key": ""})
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


@pytest.mark.parametrize("method,path", PATHS)
@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_v1_without_or_with_wrong_key_is_401(client, method, path, key):
    headers = {"X-Service-Key": key} if key else {}
    client.headers.pop("X-Service-Key", None)
    resp = client.request(method, path, headers=headers, json={"phone": "13800138000"})
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "unauthorized"
    assert set(resp.json()["error"]) >= {"code", "message"}


def test_right_key_passes(client):
    assert client.get("/v1/customers/C0001").status_code == 200


def test_unknown_route_uses_the_error_body(client):
    resp = client.get("/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"


def test_openapi_documents_the_endpoints(client):
    schema = client.get("/openapi.json").json()
    op = schema["paths"]["/v1/orders/{order_id}/cancel"]["post"]
    assert op["summary"] == "Cancel an order"
    assert "order_already_shipped" in op["responses"]["409"]["description"]
    assert "/v1/verification-codes/check" in schema["paths"]
