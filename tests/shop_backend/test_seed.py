"""The contract records, exactly; idempotent seeding; the generated volume."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from shop_backend.models import Customer, Order
from shop_backend.seed import counts, seed_contract, seed_volume


def test_contract_customers(client):
    expected = {
        "C0001": ("张伟", "13800138000", "金卡", 2680),
        "C0002": ("李娜", "13912345678", "普通", 120),
        "C0003": ("王芳", "13700001111", "钻石", 15800),
    }
    for cid, (name, phone, level, points) in expected.items():
        body = client.get(f"/v1/customers/{cid}").json()
        assert (body["name"], body["phone"], body["level"], body["points"]) == (name, phone, level, points)


def test_contract_orders(client):
    expected = {
        ("C0001", "20261101000001"): "shipped",
        ("C0001", "20261101000003"): "paid",
        ("C0002", "20261101000002"): "delivered",
        ("C0002", "20261101000004"): "refunding",
        ("C0003", "20261101000005"): "completed",
        ("C0003", "20261101000006"): "cancelled",
    }
    for (cid, oid), status in expected.items():
        body = client.get(f"/v1/orders/{oid}", params={"customer_id": cid}).json()
        assert body["status"] == status, oid
    first = client.get("/v1/orders/20261101000001", params={"customer_id": "C0001"}).json()
    assert (first["courier"], first["tracking_no"], first["status_text"]) == ("顺丰", "SF1234567890123", "已发货")
    assert first["created_at"].endswith("+08:00")
    refunding = client.get("/v1/orders/20261101000004", params={"customer_id": "C0002"}).json()
    assert (refunding["status_text"], refunding["total"]) == ("退款中", "399.00")
    assert client.get("/v1/orders/20261101000003", params={"customer_id": "C0001"}).json()["shipped_at"] is None


def test_sf_parcel_is_in_transit_from_shanghai_to_beijing(client):
    body = client.get("/v1/orders/20261101000001/logistics", params={"customer_id": "C0001"}).json()
    assert body["status_text"] == "运输中"
    events = body["events"]
    assert len(events) >= 4
    assert [e["time"] for e in events] == sorted((e["time"] for e in events), reverse=True)
    assert events[-1]["location"].startswith("上海")
    assert events[0]["location"].startswith("北京")
    assert not any("签收" in e["description"] for e in events)


def test_channel_bindings(client):
    for channel, ext in (("web", "shop-user-1"), ("wechat", "oWECHAT_ZHANGWEI")):
        body = client.get("/v1/customers/by-channel", params={"channel": channel, "external_id": ext}).json()
        assert body["id"] == "C0001"


def test_contract_seed_is_idempotent(env):
    with env.session() as s:
        before = counts(s)
        assert seed_contract(s, env.settings, env.clock) is False
        assert counts(s) == before


def test_reset_recreates_the_contract_records(env):
    env.client.post("/v1/orders/20261101000003/cancel", json={"customer_id": "C0001"})
    with env.session() as s:
        before = counts(s)
        assert seed_contract(s, env.settings, env.clock, reset=True) is True
        assert s.get(Order, "20261101000003").status == "paid"
        assert counts(s)["orders"] == before["orders"]


def test_volume_seed_counts_and_idempotence(env):
    anchor = datetime(2026, 11, 20, 16, 0)
    with env.session() as s:
        assert seed_volume(s, env.settings, seed=7, anchor=anchor) is True
        c = counts(s)
        assert c["customers"] >= 1003 and c["orders"] >= 5006
        assert c["logistics_events"] > 5000 and c["order_items"] >= 5000
        assert seed_volume(s, env.settings, seed=7, anchor=anchor) is False
        assert counts(s) == c
        names = s.scalars(select(Customer.name).where(Customer.id.like("C1%")).limit(50)).all()
        assert all(2 <= len(n) <= 3 for n in names)
        assert s.scalar(select(func.count(func.distinct(Customer.phone)))) == c["customers"]
    # A volume customer's orders are served like any other.
    with env.session() as s:
        cid, oid = s.execute(select(Order.customer_id, Order.id).where(Order.status == "shipped").limit(1)).one()
    body = env.client.get(f"/v1/orders/{oid}/logistics", params={"customer_id": cid}).json()
    assert body["events"] and body["tracking_no"]


def test_volume_is_deterministic(tmp_path):
    from servicekit.db import session_for
    from shop_backend.db import migrate
    from shop_backend.settings import Settings

    anchor = datetime(2026, 11, 20, 16, 0)
    snapshots = []
    for run in range(2):
        url = f"sqlite:///{tmp_path / f'v{run}.db'}"
        migrate(url)
        settings = Settings(database_url=url)
        with session_for(url) as s:
            seed_volume(s, settings, customers=50, orders=200, seed=42, anchor=anchor)
            snapshots.append(
                s.execute(select(Order.id, Order.status, Order.total_cents, Order.city).order_by(Order.id)).all()
            )
    assert snapshots[0] == snapshots[1] and len(snapshots[0]) == 200
