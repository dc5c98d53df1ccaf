"""Database tables (SQLAlchemy 2). Times are naive UTC; money is integer cents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from servicekit.models import SerialId


class Base(DeclarativeBase):
    pass


class OrderPart(SerialId):
    """A row that belongs to one order (its second column)."""

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True, sort_order=-1)


class CodeColumns:
    """What a verification code keeps, login or phone change: its hash, lifetime, wrong tries and lock."""

    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[Optional[datetime]] = mapped_column(DateTime)
    consumed_at: Mapped[Optional[datetime]] = mapped_column(DateTime)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    level: Mapped[str] = mapped_column(String(8))  # 普通, 银卡, 金卡, 钻石
    created_at: Mapped[datetime] = mapped_column(DateTime)

    orders: Mapped[list[Order]] = relationship(back_populates="customer")
    point_lots: Mapped[list[PointLot]] = relationship(back_populates="customer")


class ChannelBinding(SerialId, Base):
    __tablename__ = "channel_bindings"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_channel_binding"),)

    channel: Mapped[str] = mapped_column(String(16))  # web, wechat
    external_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_created", "customer_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(20))
    total_cents: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    paid_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    shipped_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    delivered_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    completed_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    cancel_reason: Mapped[Optional[str]] = mapped_column(String(200))
    expected_ship_by: Mapped[Optional[datetime]] = mapped_column(DateTime)
    courier: Mapped[Optional[str]] = mapped_column(String(16))
    tracking_no: Mapped[Optional[str]] = mapped_column(String(32), index=True)
    receiver: Mapped[str] = mapped_column(String(64))
    receiver_phone: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(32))
    city: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(200))

    customer: Mapped[Customer] = relationship(back_populates="orders")
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[LogisticsEvent]] = relationship(
        back_populates="order", order_by="LogisticsEvent.time.desc()", cascade="all, delete-orphan"
    )


class OrderItem(OrderPart, Base):
    __tablename__ = "order_items"

    name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="items")


class LogisticsEvent(OrderPart, Base):
    __tablename__ = "logistics_events"

    time: Mapped[datetime] = mapped_column(DateTime)
    location: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200))

    order: Mapped[Order] = relationship(back_populates="events")


class Urge(SerialId, Base):
    __tablename__ = "urges"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AfterSale(Base):
    """A return or an exchange request."""

    __tablename__ = "after_sales"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(10))  # return, exchange
    reason: Mapped[str] = mapped_column(String(500))
    exchange_for: Mapped[Optional[str]] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    refund_amount_cents: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Refund(OrderPart, Base):
    __tablename__ = "refunds"

    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # processing, refunded
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    expected_by: Mapped[date] = mapped_column(Date)
    refunded_at: Mapped[Optional[datetime]] = mapped_column(DateTime)


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    tax_number: Mapped[Optional[str]] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # issued, reissued
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    reissued_at: Mapped[Optional[datetime]] = mapped_column(DateTime)


class VerificationCode(CodeColumns, SerialId, Base):
    """A login code sent to a customer's phone; attempts and lock are per phone. A phone of
    no customer gets a row too (no customer, a hash no code matches, nothing sent), so that
    checking a code answers alike for every phone."""

    __tablename__ = "verification_codes"

    phone: Mapped[str] = mapped_column(String(20), index=True)
    customer_id: Mapped[Optional[str]] = mapped_column(ForeignKey("customers.id"))


class PhoneChangeCode(CodeColumns, SerialId, Base):
    """A code sent to the NEW phone of a customer who changes their number."""

    __tablename__ = "phone_change_codes"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    new_phone: Mapped[str] = mapped_column(String(20))


class PointLot(SerialId, Base):
    """Points earned together, expiring together."""

    __tablename__ = "point_lots"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    earned_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(64))

    customer: Mapped[Customer] = relationship(back_populates="point_lots")


class IdempotencyRecord(SerialId, Base):
    """The first response to a state-changing POST sent with an Idempotency-Key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("key", "scope", name="uq_idempotency_key_scope"),)

    key: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(64))  # customer id, or "phone:<sha256>"
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SmsThrottleKey(Base):
    """One throttled subject (a phone, a requester), as a keyed hash: the row a send locks
    so that concurrent sends for one subject are counted one after the other."""

    __tablename__ = "sms_throttle_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(DateTime)


class SmsSend(SerialId, Base):
    """One code asked for by a subject (its throttle key), at a time."""

    __tablename__ = "sms_sends"
    __table_args__ = (Index("ix_sms_sends_key_created", "key", "created_at"),)

    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
