"""Demo data: the contract records (exactly) and an optional generated volume.

Both are idempotent: records that exist are left alone. Times of the contract
records are relative to now (李娜's 20261101000002 was delivered two days ago, so a
return is allowed), which is why ``reset=True`` re-creates them on an old database.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Optional

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from servicekit.clock import Clock, local_date, utc_from_local

from .models import (
    Base,
    ChannelBinding,
    Customer,
    IdempotencyRecord,
    LogisticsEvent,
    Order,
    OrderItem,
    PointLot,
    Refund,
)
from .settings import Settings

log = logging.getLogger("shop_backend")

CONTRACT_CUSTOMERS = ("C0001", "C0002", "C0003")
# The seed data beside this file: the contract's orders, the generated volume's vocabulary.
DATA = Path(__file__).resolve().parent
CONTRACT_ORDERS_FILE = DATA / "contract_orders.json"
CONTRACT_ORDERS = tuple(f"2026110100000{i}" for i in range(1, 7))
VOLUME_FIRST_ID = 1001


def _end_of_next_month(today: date) -> date:
    first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return (first_next + timedelta(days=32)).replace(day=1) - timedelta(days=1)


@dataclass
class _Event:
    hours_after_ship: float
    location: str
    description: str


def _order(
    session: Session,
    *,
    id: str,
    customer_id: str,
    status: str,
    created: datetime,
    items: list[tuple[str, int, int]],
    address: tuple[str, str, str, str, str],
    paid: Optional[datetime] = None,
    shipped: Optional[datetime] = None,
    delivered: Optional[datetime] = None,
    completed: Optional[datetime] = None,
    cancelled: Optional[datetime] = None,
    courier: Optional[str] = None,
    tracking_no: Optional[str] = None,
    events: tuple[_Event, ...] = (),
    ship_within: timedelta = timedelta(hours=48),
) -> Order:
    receiver, phone, province, city, detail = address
    order = Order(
        id=id,
        customer_id=customer_id,
        status=status,
        created_at=created,
        total_cents=sum(q * p for _n, q, p in items),
        paid_at=paid,
        shipped_at=shipped,
        delivered_at=delivered,
        completed_at=completed,
        cancelled_at=cancelled,
        expected_ship_by=(paid + ship_within)
        if paid and status in ("paid", "shipped", "delivered", "completed")
        else None,
        courier=courier,
        tracking_no=tracking_no,
        receiver=receiver,
        receiver_phone=phone,
        province=province,
        city=city,
        detail=detail,
    )
    order.items = [OrderItem(name=n, quantity=q, price_cents=p) for n, q, p in items]
    if events:
        assert shipped is not None, "logistics events need a shipping time"
        order.events = [
            LogisticsEvent(
                time=shipped + timedelta(hours=e.hours_after_ship), location=e.location, description=e.description
            )
            for e in events
        ]
    session.add(order)
    return order


def _contract_orders(session: Session, now: datetime, ship_within: timedelta) -> None:
    """The orders of CONTRACT.md (contract_orders.json), their times relative to ``now``."""
    records = json.loads(CONTRACT_ORDERS_FILE.read_text(encoding="utf-8"))
    for spec in records["orders"]:
        _order(
            session,
            id=spec["id"],
            customer_id=spec["customer_id"],
            status=spec["status"],
            items=[tuple(item) for item in spec["items"]],
            address=tuple(records["addresses"][spec["customer_id"]]),
            courier=spec.get("courier"),
            tracking_no=spec.get("tracking_no"),
            events=tuple(_Event(*event) for event in spec.get("events", ())),
            ship_within=ship_within,
            **{moment: now + timedelta(minutes=minutes) for moment, minutes in spec["minutes"].items()},
        )


def seed_contract(session: Session, settings: Settings, clock: Optional[Clock] = None, reset: bool = False) -> bool:
    """The records of CONTRACT.md. Returns True when it wrote them."""
    clock = clock or Clock()
    exists = session.get(Customer, "C0001") is not None
    if exists and not reset:
        return False
    if exists:
        _delete_contract(session)
    now = clock.now().replace(microsecond=0)
    today = local_date(now, settings.tz)
    ship_within = timedelta(hours=settings.ship_within_hours)
    soon = _end_of_next_month(today)
    next_year_end = date(today.year + 1, 12, 31)

    for cid, name, phone, level in (
        ("C0001", "张伟", "13800138000", "金卡"),
        ("C0002", "李娜", "13912345678", "普通"),
        ("C0003", "王芳", "13700001111", "钻石"),
    ):
        session.add(Customer(id=cid, name=name, phone=phone, level=level, created_at=now - timedelta(days=400)))
    session.flush()
    for cid, lots in (
        ("C0001", ((2380, next_year_end, "购物返积分"), (300, soon, "签到积分"))),
        ("C0002", ((120, next_year_end, "购物返积分"),)),
        ("C0003", ((15000, next_year_end, "购物返积分"), (800, soon, "活动奖励"))),
    ):
        for pts, expires, source in lots:
            session.add(
                PointLot(
                    customer_id=cid,
                    points=pts,
                    earned_on=today - timedelta(days=120),
                    expires_on=expires,
                    source=source,
                )
            )
    for channel, external_id, cid in (
        ("web", "shop-user-1", "C0001"),
        ("wechat", "oWECHAT_ZHANGWEI", "C0001"),
        ("web", "shop-user-2", "C0002"),
        ("web", "shop-user-3", "C0003"),
    ):
        session.add(
            ChannelBinding(
                channel=channel, external_id=external_id, customer_id=cid, created_at=now - timedelta(days=300)
            )
        )

    _contract_orders(session, now, ship_within)
    session.add(
        Refund(
            order_id="20261101000004",
            amount_cents=39900,
            status="processing",
            requested_at=now - timedelta(days=2),
            expected_by=today + timedelta(days=settings.refund_days - 2),
        )
    )
    session.commit()
    return True


def _delete_contract(session: Session) -> None:
    """Every row of the contract customers: what belongs to their orders (every table with an
    ``order_id``), the orders, what belongs to them (every table with a ``customer_id``), them."""
    orders = select(Order.id).where(Order.customer_id.in_(CONTRACT_CUSTOMERS))
    tables = [t for t in Base.metadata.sorted_tables if t is not Order.__table__]
    for table in (t for t in tables if "order_id" in t.c):
        session.execute(delete(table).where(table.c.order_id.in_(orders)))
    session.execute(delete(Order).where(Order.customer_id.in_(CONTRACT_CUSTOMERS)))
    for table in (t for t in tables if "customer_id" in t.c):
        session.execute(delete(table).where(table.c.customer_id.in_(CONTRACT_CUSTOMERS)))
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.scope.in_(CONTRACT_CUSTOMERS)))
    session.execute(delete(Customer).where(Customer.id.in_(CONTRACT_CUSTOMERS)))
    session.flush()


# --------------------------------------------------------------- volume
VOLUME = json.loads((DATA / "volume_vocabulary.json").read_text(encoding="utf-8"))
SURNAMES, GIVEN, PROVINCES = VOLUME["surnames"], VOLUME["given_names"], VOLUME["provinces"]
WAREHOUSES, COURIERS, PRODUCTS = VOLUME["warehouses"], VOLUME["couriers"], VOLUME["products"]
STATUS_WEIGHTS = VOLUME["status_weights"]


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = rng.choice(("13", "15", "17", "18", "19")) + str(rng.randint(0, 9)) + f"{rng.randrange(10**8):08d}"
        if phone not in used:
            used.add(phone)
            return phone


def _address(rng: random.Random) -> tuple[str, str, str]:
    province, city, districts, streets = rng.choice(PROVINCES)
    detail = (
        f"{rng.choice(districts)}{rng.choice(streets)}{rng.randint(1, 999)}号"
        f"{rng.choice(('', '小区', '花园', '大厦', '公寓'))}"
        f"{rng.randint(1, 30)}栋{rng.randint(1, 32)}0{rng.randint(1, 6)}室"
    )
    return province, city, detail


def _binding(channel: str, external_id: str, customer_id: str, created_at: datetime) -> dict:
    """A channel_bindings row of the volume."""
    return dict(channel=channel, external_id=external_id, customer_id=customer_id, created_at=created_at)


def seed_volume(
    session: Session,
    settings: Settings,
    customers: int = 1000,
    orders: int = 5000,
    seed: int = 20261101,
    anchor: Optional[datetime] = None,
) -> bool:
    """Generated customers, orders, items and logistics events, bulk-inserted.

    Deterministic for a given ``seed`` and ``anchor`` (naive UTC; default: today's
    local midnight). Skipped when the volume is there already. Returns True when it wrote.
    """
    first_id = f"C{VOLUME_FIRST_ID:04d}"
    if session.get(Customer, first_id) is not None:
        return False
    rng = random.Random(seed)
    if anchor is None:
        local_now = datetime.now(settings.tz).replace(tzinfo=None)
        anchor = utc_from_local(local_now.replace(hour=0, minute=0, second=0, microsecond=0), settings.tz)
    today = local_date(anchor, settings.tz)
    used_phones = set(session.scalars(select(Customer.phone)).all())
    ship_within = timedelta(hours=settings.ship_within_hours)

    customer_rows, binding_rows, lot_rows = [], [], []
    ids = []
    for n in range(customers):
        cid = f"C{VOLUME_FIRST_ID + n:04d}"
        ids.append(cid)
        level = rng.choices(("普通", "银卡", "金卡", "钻石"), weights=(55, 25, 15, 5))[0]
        base = {"普通": 0, "银卡": 1000, "金卡": 2000, "钻石": 3000}[level]
        customer_rows.append(
            dict(
                id=cid,
                name=_name(rng),
                phone=_phone(rng, used_phones),
                level=level,
                created_at=anchor - timedelta(days=rng.randint(200, 1500)),
            )
        )
        binding_rows.append(_binding("web", f"shop-user-{VOLUME_FIRST_ID + n}", cid, anchor - timedelta(days=150)))
        if rng.random() < 0.4:
            binding_rows.append(_binding("wechat", f"oWX{rng.getrandbits(80):020x}", cid, anchor - timedelta(days=100)))
        points = base + rng.randint(0, 999)
        soon = min(points, rng.choice((0, 0, 100, 200, 300, 500)))
        if points - soon:
            lot_rows.append(
                dict(
                    customer_id=cid,
                    points=points - soon,
                    earned_on=today - timedelta(days=200),
                    expires_on=date(today.year + 1, 12, 31),
                    source="购物返积分",
                )
            )
        if soon:
            lot_rows.append(
                dict(
                    customer_id=cid,
                    points=soon,
                    earned_on=today - timedelta(days=300),
                    expires_on=_end_of_next_month(today),
                    source="签到积分",
                )
            )

    order_rows, item_rows, event_rows, refund_rows = [], [], [], []
    statuses, weights = zip(*STATUS_WEIGHTS)
    for n in range(orders):
        cid = rng.choice(ids)
        customer = customer_rows[int(cid[1:]) - VOLUME_FIRST_ID]
        status = rng.choices(statuses, weights=weights)[0]
        age = {"pending_payment": (0.05, 1), "paid": (0.1, 2), "shipped": (1, 4), "delivered": (2, 6)}.get(
            status, (8, 365)
        )
        created = (anchor - timedelta(days=rng.uniform(*age))).replace(microsecond=0)
        order_id = f"{local_date(created, settings.tz):%Y%m%d}{100000 + n:06d}"
        items = [
            (rng.choice(PRODUCTS), rng.choices((1, 2, 3), weights=(80, 15, 5))[0])
            for _ in range(rng.choices((1, 2, 3), weights=(70, 22, 8))[0])
        ]
        total = sum(p * q for (_name_, p), q in items)
        for (name, price), qty in items:
            item_rows.append(dict(order_id=order_id, name=name, quantity=qty, price_cents=price))
        paid = shipped = delivered = completed = cancelled = None
        if status != "pending_payment" and not (status == "cancelled" and rng.random() < 0.6):
            paid = created + timedelta(minutes=rng.randint(1, 30))
        shipped_statuses = ("shipped", "delivered", "completed")
        ships = status in shipped_statuses or (status in ("refunding", "refunded") and rng.random() < 0.5)
        if ships and paid:
            shipped = paid + timedelta(hours=rng.uniform(2, 40))
            shipped = min(shipped, anchor - timedelta(hours=1))
        if shipped and status in ("delivered", "completed", "refunded", "refunding"):
            delivered = min(shipped + timedelta(hours=rng.uniform(20, 72)), anchor - timedelta(minutes=30))
        if status == "completed" and delivered:
            completed = delivered + timedelta(days=rng.randint(1, 10))
        if status == "cancelled":
            cancelled = created + timedelta(minutes=rng.randint(10, 600))
        courier = tracking = None
        province, city, detail = _address(rng)
        if shipped:
            courier, prefix, digits = rng.choice(COURIERS)
            tracking = prefix + f"{rng.randrange(10 ** (digits - 2)):0{digits - 2}d}" + f"{n % 100:02d}"
            wh_loc, wh = rng.choice(WAREHOUSES)
            dest = province if province == city else province + city
            steps = [
                (0, wh_loc, f"【{wh}仓】{courier}已揽收"),
                (rng.uniform(2, 5), wh_loc, f"快件已到达【{wh}转运中心】"),
                (rng.uniform(5, 8), wh_loc, f"快件已从【{wh}转运中心】发出，下一站【{city}转运中心】"),
                (rng.uniform(18, 30), dest, f"快件已到达【{city}转运中心】"),
                (
                    rng.uniform(30, 40),
                    dest,
                    f"快件正在派送中，派件员电话 1{rng.randint(3, 9)}{rng.randrange(10**9):09d}",
                ),
            ]
            end = delivered or anchor
            for hours, loc, text in steps:
                t = shipped + timedelta(hours=hours)
                if t < end:
                    event_rows.append(
                        dict(order_id=order_id, time=t.replace(microsecond=0), location=loc, description=text)
                    )
            if delivered:
                event_rows.append(
                    dict(
                        order_id=order_id,
                        time=delivered.replace(microsecond=0),
                        location=dest,
                        description=rng.choice(
                            ("已签收，签收人：本人", "已签收，签收人：家人代收", "已签收，快件已放入丰巢快递柜")
                        ),
                    )
                )
        if status in ("refunding", "refunded"):
            requested = (delivered or shipped or paid or created) + timedelta(hours=rng.uniform(1, 48))
            refund_rows.append(
                dict(
                    order_id=order_id,
                    amount_cents=total,
                    status="processing" if status == "refunding" else "refunded",
                    requested_at=requested.replace(microsecond=0),
                    expected_by=local_date(requested, settings.tz) + timedelta(days=settings.refund_days),
                    refunded_at=(requested + timedelta(days=3)).replace(microsecond=0)
                    if status == "refunded"
                    else None,
                )
            )
        order_rows.append(
            dict(
                id=order_id,
                customer_id=cid,
                status=status,
                total_cents=total,
                created_at=created,
                paid_at=paid and paid.replace(microsecond=0),
                shipped_at=shipped and shipped.replace(microsecond=0),
                delivered_at=delivered and delivered.replace(microsecond=0),
                completed_at=completed and completed.replace(microsecond=0),
                cancelled_at=cancelled,
                cancel_reason="超时未支付自动取消" if status == "cancelled" and not paid else None,
                expected_ship_by=(paid + ship_within).replace(microsecond=0)
                if paid and status in ("paid", "shipped", "delivered", "completed")
                else None,
                courier=courier,
                tracking_no=tracking,
                receiver=customer["name"],
                receiver_phone=customer["phone"],
                province=province,
                city=city,
                detail=detail,
            )
        )

    for model, rows in (
        (Customer, customer_rows),
        (ChannelBinding, binding_rows),
        (PointLot, lot_rows),
        (Order, order_rows),
        (OrderItem, item_rows),
        (LogisticsEvent, event_rows),
        (Refund, refund_rows),
    ):
        for start in range(0, len(rows), 5000):
            session.execute(insert(model), rows[start : start + 5000])
    session.commit()
    log.info(
        "volume seed: %d customers, %d orders, %d items, %d logistics events",
        len(customer_rows),
        len(order_rows),
        len(item_rows),
        len(event_rows),
    )
    return True


def counts(session: Session) -> dict[str, int]:
    return {
        m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Customer, Order, OrderItem, LogisticsEvent, ChannelBinding, PointLot, Refund)
    }
