"""Demo data: the contract records (exactly) and an optional generated volume.

Both are idempotent: records that exist are left alone. Times of the contract
records are relative to now (李娜's 20261101000002 was delivered two days ago, so a
return is allowed), which is why ``reset=True`` re-creates them on an old database.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
    order.events = [
        LogisticsEvent(
            time=shipped + timedelta(hours=e.hours_after_ship), location=e.location, description=e.description
        )
        for e in events
    ]
    session.add(order)
    return order


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

    zhang = ("张伟", "13800138000", "北京市", "北京市", "朝阳区建国路88号SOHO现代城2号楼1201室")
    li = ("李娜", "13912345678", "广东省", "广州市", "天河区天河路383号太古汇写字楼28层")
    wang = ("王芳", "13700001111", "浙江省", "杭州市", "西湖区文三路478号华星时代广场A座906")

    shipped1 = now - timedelta(hours=44)
    _order(
        session,
        id="20261101000001",
        customer_id="C0001",
        status="shipped",
        created=shipped1 - timedelta(hours=20),
        paid=shipped1 - timedelta(hours=19, minutes=57),
        shipped=shipped1,
        courier="顺丰",
        tracking_no="SF1234567890123",
        address=zhang,
        items=[("李宁 超轻20 男款跑步鞋 42码", 1, 59900)],
        ship_within=ship_within,
        events=(
            _Event(0, "上海市", "【上海青浦华新营业点】顺丰速运已收取快件"),
            _Event(2.5, "上海市", "快件已到达【上海青浦集散中心】"),
            _Event(5, "上海市", "快件已从【上海青浦集散中心】发出，准备发往【北京顺义集散中心】"),
            _Event(19, "河北省廊坊市", "快件运输中，途经【廊坊中转场】"),
            _Event(23.5, "北京市", "快件已到达【北京顺义集散中心】"),
            _Event(26, "北京市", "快件已从【北京顺义集散中心】发出，正在发往【北京朝阳国贸营业点】"),
        ),
    )
    paid3 = now - timedelta(hours=6)
    _order(
        session,
        id="20261101000003",
        customer_id="C0001",
        status="paid",
        created=paid3 - timedelta(minutes=3),
        paid=paid3,
        address=zhang,
        ship_within=ship_within,
        items=[("三只松鼠 每日坚果礼盒 750g", 2, 12900), ("小米 米家保温杯 480ml", 1, 8900)],
    )

    shipped2 = now - timedelta(days=4)
    delivered2 = now - timedelta(days=2)
    _order(
        session,
        id="20261101000002",
        customer_id="C0002",
        status="delivered",
        created=shipped2 - timedelta(hours=30),
        paid=shipped2 - timedelta(hours=29, minutes=50),
        shipped=shipped2,
        delivered=delivered2,
        courier="中通",
        tracking_no="ZT78451236985214",
        address=li,
        ship_within=ship_within,
        items=[("优衣库 女装 摇粒绒拉链外套 M码", 1, 19900)],
        events=(
            _Event(0, "浙江省杭州市", "【杭州萧山仓】已揽收"),
            _Event(4, "浙江省杭州市", "快件已到达【杭州转运中心】"),
            _Event(6, "浙江省杭州市", "快件已从【杭州转运中心】发出，下一站【广州转运中心】"),
            _Event(30, "广东省广州市", "快件已到达【广州转运中心】"),
            _Event(40, "广东省广州市", "【广州天河太古汇网点】快递员 陈师傅 13600001234 正在派件"),
            _Event(48, "广东省广州市", "已签收，签收人：本人。感谢使用中通快递，期待再次为您服务"),
        ),
    )
    paid4 = now - timedelta(days=8)
    _order(
        session,
        id="20261101000004",
        customer_id="C0002",
        status="refunding",
        created=paid4 - timedelta(minutes=5),
        paid=paid4,
        address=li,
        ship_within=ship_within,
        items=[("九阳 破壁料理机 L18-P393", 1, 39900)],
    )
    session.add(
        Refund(
            order_id="20261101000004",
            amount_cents=39900,
            status="processing",
            requested_at=now - timedelta(days=2),
            expected_by=today + timedelta(days=settings.refund_days - 2),
        )
    )

    shipped5 = now - timedelta(days=28)
    _order(
        session,
        id="20261101000005",
        customer_id="C0003",
        status="completed",
        created=shipped5 - timedelta(days=1),
        paid=shipped5 - timedelta(hours=23),
        shipped=shipped5,
        delivered=shipped5 + timedelta(days=2),
        completed=shipped5 + timedelta(days=9),
        courier="顺丰",
        tracking_no="SF9876543210987",
        address=wang,
        ship_within=ship_within,
        items=[("兰蔻 小黑瓶精华肌底液 50ml", 1, 108000)],
        events=(
            _Event(0, "上海市", "【上海浦东营业点】顺丰速运已收取快件"),
            _Event(3, "上海市", "快件已从【上海浦东集散中心】发出，准备发往【杭州集散中心】"),
            _Event(14, "浙江省杭州市", "快件已到达【杭州集散中心】"),
            _Event(30, "浙江省杭州市", "快件交给 王师傅，正在派送途中"),
            _Event(48, "浙江省杭州市", "快件已签收，签收人：前台代收"),
        ),
    )
    created6 = now - timedelta(days=10)
    _order(
        session,
        id="20261101000006",
        customer_id="C0003",
        status="cancelled",
        created=created6,
        cancelled=created6 + timedelta(minutes=30),
        address=wang,
        items=[("戴森 V12 Detect Slim 无绳吸尘器", 1, 399000)],
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
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文辉建华玉兰鹏飞婷雪慧宇浩然子涵欣怡梓萱一诺"
    "思远俊杰佳琪晨曦雨轩博文嘉怡志强海燕春梅晓东丹丹国庆红梅建国永刚淑珍亚楠"
)
PROVINCES = (
    (
        "北京市",
        "北京市",
        ("朝阳区", "海淀区", "东城区", "丰台区"),
        ("建国路", "中关村大街", "东直门内大街", "丰台北路"),
    ),
    ("上海市", "上海市", ("浦东新区", "徐汇区", "静安区", "闵行区"), ("世纪大道", "漕溪北路", "南京西路", "七莘路")),
    ("广东省", "广州市", ("天河区", "越秀区", "海珠区", "番禺区"), ("天河路", "中山五路", "新港中路", "市桥大道")),
    ("广东省", "深圳市", ("南山区", "福田区", "宝安区", "龙岗区"), ("科技园南路", "深南大道", "新安六路", "龙岗大道")),
    ("浙江省", "杭州市", ("西湖区", "滨江区", "余杭区", "上城区"), ("文三路", "江南大道", "文一西路", "解放路")),
    ("江苏省", "南京市", ("鼓楼区", "玄武区", "江宁区", "建邺区"), ("中山北路", "珠江路", "双龙大道", "江东中路")),
    ("四川省", "成都市", ("武侯区", "锦江区", "高新区", "青羊区"), ("人民南路", "春熙路", "天府大道", "清江中路")),
    ("湖北省", "武汉市", ("洪山区", "江汉区", "武昌区", "江岸区"), ("珞喻路", "解放大道", "中南路", "沿江大道")),
    ("陕西省", "西安市", ("雁塔区", "碑林区", "未央区", "莲湖区"), ("小寨东路", "南大街", "凤城八路", "西大街")),
    ("山东省", "青岛市", ("市南区", "崂山区", "黄岛区", "李沧区"), ("香港中路", "海尔路", "长江中路", "京口路")),
    ("河南省", "郑州市", ("金水区", "二七区", "中原区", "郑东新区"), ("花园路", "大学路", "建设西路", "商务外环路")),
    ("湖南省", "长沙市", ("岳麓区", "芙蓉区", "天心区", "雨花区"), ("麓山南路", "五一大道", "湘江中路", "韶山中路")),
    ("福建省", "厦门市", ("思明区", "湖里区", "集美区", "海沧区"), ("鹭江道", "湖里大道", "杏林湾路", "海沧大道")),
    ("天津市", "天津市", ("和平区", "南开区", "河西区", "滨海新区"), ("南京路", "鞍山西道", "友谊路", "第二大街")),
    (
        "重庆市",
        "重庆市",
        ("渝中区", "江北区", "南岸区", "沙坪坝区"),
        ("解放碑民族路", "观音桥步行街", "南坪正街", "三峡广场"),
    ),
)
WAREHOUSES = (
    ("上海市", "上海青浦"),
    ("广东省广州市", "广州白云"),
    ("浙江省杭州市", "杭州萧山"),
    ("北京市", "北京顺义"),
    ("湖北省武汉市", "武汉东西湖"),
    ("四川省成都市", "成都双流"),
)
COURIERS = (
    ("顺丰", "SF", 13),
    ("中通", "ZT", 14),
    ("圆通", "YT", 13),
    ("韵达", "YD", 13),
    ("京东物流", "JD", 13),
    ("EMS", "EM", 13),
)
PRODUCTS = (
    ("Apple AirPods Pro 2 无线降噪耳机", 189900),
    ("华为 FreeBuds Pro 3", 119900),
    ("小米 Redmi K70 12+256G", 249900),
    ("小米手环9 NFC版", 29900),
    ("Anker 65W 氮化镓充电器", 14900),
    ("罗技 MX Master 3S 无线鼠标", 69900),
    ("九阳 破壁料理机 L18-P393", 39900),
    ("美的 电饭煲 4L 智能预约", 29900),
    ("苏泊尔 不粘炒锅 32cm", 16900),
    ("戴森 Supersonic 吹风机", 299900),
    ("优衣库 男装 摇粒绒夹克", 19900),
    ("优衣库 女装 HEATTECH 保暖内衣", 9900),
    ("李宁 超轻20 跑步鞋", 59900),
    ("安踏 C37 软底运动鞋", 39900),
    ("波司登 羽绒服 中长款", 129900),
    ("三只松鼠 每日坚果 750g", 12900),
    ("良品铺子 肉干零食大礼包", 8800),
    ("农夫山泉 饮用天然水 550ml×24", 3990),
    ("伊利 金典纯牛奶 250ml×12", 6590),
    ("蒙牛 特仑苏 250ml×16", 7190),
    ("兰蔻 小黑瓶精华 50ml", 108000),
    ("雅诗兰黛 特润修护肌活精华露 50ml", 95000),
    ("完美日记 哑光口红", 6990),
    ("花西子 空气蜜粉", 14900),
    ("得力 A4 复印纸 5包", 12900),
    ("晨光 中性笔 0.5mm 12支", 1590),
    ("乐高 城市系列 消防局", 59900),
    ("babycare 婴儿湿巾 80抽×10", 8990),
    ("飞利浦 电动牙刷 HX6730", 39900),
    ("宜家 KALLAX 书架", 39900),
    ("南极人 纯棉四件套", 15900),
    ("小熊 电热饭盒", 12900),
    ("格力 空气净化器", 169900),
    ("倍思 20000mAh 充电宝", 13900),
)
STATUS_WEIGHTS = (
    ("completed", 46),
    ("delivered", 10),
    ("shipped", 10),
    ("paid", 8),
    ("pending_payment", 5),
    ("cancelled", 10),
    ("refunding", 4),
    ("refunded", 7),
)


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
        binding_rows.append(
            dict(
                channel="web",
                external_id=f"shop-user-{VOLUME_FIRST_ID + n}",
                customer_id=cid,
                created_at=anchor - timedelta(days=150),
            )
        )
        if rng.random() < 0.4:
            binding_rows.append(
                dict(
                    channel="wechat",
                    external_id=f"oWX{rng.getrandbits(80):020x}",
                    customer_id=cid,
                    created_at=anchor - timedelta(days=100),
                )
            )
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
        m.__tablename__: session.scalar(select(func.count()).select_from(m))
        for m in (Customer, Order, OrderItem, LogisticsEvent, ChannelBinding, PointLot, Refund)
    }
