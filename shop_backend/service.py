"""The business rules, over a SQLAlchemy session. Routers only translate HTTP."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Optional, Union

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from servicekit.clock import Clock, local_date, to_local
from servicekit.errors import ApiError

from . import domain, schemas
from .models import (
    AfterSale,
    ChannelBinding,
    Customer,
    Invoice,
    Order,
    PhoneChangeCode,
    PointLot,
    Refund,
    Urge,
    VerificationCode,
)
from .settings import Settings

log = logging.getLogger("shop_backend")


@dataclass
class Ctx:
    """What a request needs besides its body: the session, the settings, the clock."""

    db: Session
    settings: Settings
    clock: Clock

    def iso(self, value):
        return to_local(value, self.settings.tz)

    def today(self):
        return local_date(self.clock.now(), self.settings.tz)


# ---------------------------------------------------------------- helpers
def _hash_code(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _new_id(prefix: str, ctx: Ctx) -> str:
    return f"{prefix}{ctx.today():%Y%m%d}{secrets.token_hex(3).upper()}"


def get_customer(ctx: Ctx, customer_id: str) -> Customer:
    customer = ctx.db.get(Customer, customer_id)
    if customer is None:
        raise ApiError(404, "customer_not_found", "customer not found")
    return customer


def get_order(ctx: Ctx, order_id: str, customer_id: str, *, lock: bool = False) -> Order:
    """The order if it is this customer's; otherwise exactly the answer for a missing one."""
    stmt = select(Order).where(Order.id == order_id, Order.customer_id == customer_id)
    stmt = stmt.options(selectinload(Order.items), selectinload(Order.events))
    if lock:
        stmt = stmt.with_for_update()
    order = ctx.db.scalars(stmt).first()
    if order is None:
        raise ApiError(404, "order_not_found", "order not found")
    return order


def points_balance(ctx: Ctx, customer_id: str) -> int:
    total = ctx.db.scalar(
        select(func.coalesce(func.sum(PointLot.points), 0)).where(
            PointLot.customer_id == customer_id, PointLot.expires_on >= ctx.today()
        )
    )
    return int(total or 0)


def customer_out(ctx: Ctx, customer: Customer) -> schemas.Customer:
    return schemas.Customer(
        id=customer.id,
        name=customer.name,
        phone=customer.phone,
        phone_masked=domain.mask_phone(customer.phone),
        level=customer.level,
        points=points_balance(ctx, customer.id),
    )


def order_out(ctx: Ctx, order: Order) -> schemas.Order:
    return schemas.Order(
        id=order.id,
        customer_id=order.customer_id,
        status=order.status,
        status_text=domain.STATUS_TEXT[order.status],
        items=[schemas.Item(name=i.name, quantity=i.quantity, price=domain.money(i.price_cents)) for i in order.items],
        total=domain.money(order.total_cents),
        created_at=ctx.iso(order.created_at),
        paid_at=ctx.iso(order.paid_at),
        shipped_at=ctx.iso(order.shipped_at),
        delivered_at=ctx.iso(order.delivered_at),
        courier=order.courier,
        tracking_no=order.tracking_no,
        address=schemas.Address(
            receiver=order.receiver,
            phone=order.receiver_phone,
            province=order.province,
            city=order.city,
            detail=order.detail,
        ),
        expected_ship_by=ctx.iso(order.expected_ship_by),
    )


# ---------------------------------------------------------------- codes
CodeRow = Union[VerificationCode, PhoneChangeCode]


def _check_code(ctx: Ctx, row: Optional[CodeRow], code: str, salt: str) -> CodeRow:
    """Expiry, lock and attempts of one code row, consumed when right; commits the attempt count
    before raising."""
    s = ctx.settings
    now = ctx.clock.now()
    if row is None:
        raise ApiError(400, "code_invalid", "no valid code: request a new one", attempts_left=s.code_max_attempts)
    if row.locked_until is not None and row.locked_until > now:
        raise ApiError(
            423,
            "code_locked",
            "too many wrong codes: try again later",
            retry_after=int((row.locked_until - now).total_seconds()) + 1,
        )
    if now > row.expires_at:
        raise ApiError(400, "code_expired", "the code has expired: request a new one")
    if not hmac.compare_digest(row.code_hash, _hash_code(code, salt)):
        row.attempts += 1
        if row.attempts >= s.code_max_attempts:
            row.locked_until = now + timedelta(seconds=s.code_lock_seconds)
            ctx.db.commit()
            raise ApiError(423, "code_locked", "too many wrong codes: try again later", retry_after=s.code_lock_seconds)
        ctx.db.commit()
        raise ApiError(400, "code_invalid", "wrong code", attempts_left=s.code_max_attempts - row.attempts)
    row.consumed_at = now
    return row


def _carried_attempts(ctx: Ctx, previous: Optional[CodeRow]) -> int:
    """A new code does not reset the wrong tries of an earlier one; an ended lock does."""
    now = ctx.clock.now()
    if previous is None or previous.consumed_at is not None:
        return 0
    if previous.locked_until is not None:
        if previous.locked_until > now:
            raise ApiError(
                423,
                "code_locked",
                "too many wrong codes: try again later",
                retry_after=int((previous.locked_until - now).total_seconds()) + 1,
            )
        return 0
    return previous.attempts


def _send_code(ctx: Ctx, row: CodeRow, phone: str, previous: Optional[CodeRow]) -> schemas.CodeSent:
    """Stores a new code ``row`` for ``phone`` (the SMS goes there; the log shows it masked),
    carrying the wrong tries of the ``previous`` code."""
    attempts = _carried_attempts(ctx, previous)
    code, now = _new_code(), ctx.clock.now()
    row.code_hash = _hash_code(code, phone)
    row.created_at, row.expires_at = now, now + timedelta(seconds=ctx.settings.code_ttl_seconds)
    row.attempts = attempts
    ctx.db.add(row)
    log.info("verification code for %s: %s", domain.mask_phone(phone), code)
    return schemas.CodeSent(
        expires_in=ctx.settings.code_ttl_seconds, dev_code=code if ctx.settings.expose_codes else None
    )


def _latest_code(ctx: Ctx, model: Any, *where: Any) -> Any:
    """The newest row of a code ``model`` that matches ``where``, or None."""
    query = select(model).where(*where).order_by(model.created_at.desc(), model.id.desc()).limit(1)
    return ctx.db.scalars(query).first()


def _latest_login_code(ctx: Ctx, phone: str) -> Optional[VerificationCode]:
    return _latest_code(ctx, VerificationCode, VerificationCode.phone == phone)


def send_login_code(ctx: Ctx, phone: str) -> schemas.CodeSent:
    customer = ctx.db.scalars(select(Customer).where(Customer.phone == phone)).first()
    if customer is None:
        raise ApiError(404, "customer_not_found", "no customer with this phone")
    previous = _latest_login_code(ctx, phone)
    return _send_code(ctx, VerificationCode(phone=phone, customer_id=customer.id), phone, previous)


def check_login_code(ctx: Ctx, phone: str, code: str) -> schemas.Verified:
    row = _latest_login_code(ctx, phone)
    if row is not None and row.consumed_at is not None:
        row = None
    checked = _check_code(ctx, row, code, phone)
    return schemas.Verified(customer_id=checked.customer_id)


def customer_by_channel(ctx: Ctx, channel: str, external_id: str) -> Customer:
    binding = ctx.db.scalars(
        select(ChannelBinding).where(ChannelBinding.channel == channel, ChannelBinding.external_id == external_id)
    ).first()
    if binding is None:
        raise ApiError(404, "customer_not_found", "no customer bound to this channel account")
    return get_customer(ctx, binding.customer_id)


# ---------------------------------------------------------------- account
def points(ctx: Ctx, customer_id: str) -> schemas.Points:
    get_customer(ctx, customer_id)
    today = ctx.today()
    horizon = today + timedelta(days=ctx.settings.points_expiring_days)
    rows = ctx.db.execute(
        select(PointLot.expires_on, func.sum(PointLot.points))
        .where(
            PointLot.customer_id == customer_id,
            PointLot.expires_on >= today,
            PointLot.expires_on <= horizon,
            PointLot.points > 0,
        )
        .group_by(PointLot.expires_on)
        .order_by(PointLot.expires_on)
    ).all()
    return schemas.Points(
        balance=points_balance(ctx, customer_id),
        expiring=[schemas.ExpiringLot(points=int(p), expires_on=d.isoformat()) for d, p in rows],
    )


def membership(ctx: Ctx, customer_id: str) -> schemas.Membership:
    customer = get_customer(ctx, customer_id)
    _needed, benefits = domain.LEVELS[customer.level]
    index = domain.LEVEL_ORDER.index(customer.level)
    if index + 1 < len(domain.LEVEL_ORDER):
        next_level = domain.LEVEL_ORDER[index + 1]
        to_next = max(0, domain.LEVELS[next_level][0] - points_balance(ctx, customer_id))
    else:
        next_level, to_next = None, 0
    return schemas.Membership(level=customer.level, benefits=benefits, next_level=next_level, points_to_next=to_next)


def password_reset(ctx: Ctx, customer_id: str) -> schemas.PasswordReset:
    customer = get_customer(ctx, customer_id)
    masked = domain.mask_phone(customer.phone)
    log.info("password reset link for %s sent to %s", customer.id, masked)
    return schemas.PasswordReset(sent_to=masked)


def _latest_phone_change_code(ctx: Ctx, customer_id: str) -> Optional[PhoneChangeCode]:
    return _latest_code(ctx, PhoneChangeCode, PhoneChangeCode.customer_id == customer_id)


def _check_new_phone(ctx: Ctx, customer: Customer, new_phone: str) -> None:
    if new_phone == customer.phone:
        raise ApiError(400, "same_phone", "the new phone is the current one")
    taken = ctx.db.scalars(select(Customer.id).where(Customer.phone == new_phone)).first()
    if taken is not None:
        raise ApiError(409, "phone_in_use", "the new phone belongs to another account")


def send_phone_change_code(ctx: Ctx, customer_id: str, new_phone: str) -> schemas.CodeSent:
    customer = get_customer(ctx, customer_id)
    _check_new_phone(ctx, customer, new_phone)
    previous = _latest_phone_change_code(ctx, customer_id)
    return _send_code(ctx, PhoneChangeCode(customer_id=customer_id, new_phone=new_phone), new_phone, previous)


def change_phone(ctx: Ctx, customer_id: str, new_phone: str, code: str) -> schemas.PhoneChanged:
    customer = get_customer(ctx, customer_id)
    _check_new_phone(ctx, customer, new_phone)
    row = _latest_phone_change_code(ctx, customer_id)
    if row is not None and (row.consumed_at is not None or row.new_phone != new_phone):
        if row.locked_until is None or row.locked_until <= ctx.clock.now():
            row = None
    _check_code(ctx, row, code, new_phone)
    old = domain.mask_phone(customer.phone)
    customer.phone = new_phone
    log.info("customer %s changed phone %s -> %s", customer.id, old, domain.mask_phone(new_phone))
    return schemas.PhoneChanged(phone=domain.mask_phone(new_phone))


# ---------------------------------------------------------------- orders
def customer_orders(ctx: Ctx, customer_id: str) -> schemas.OrderList:
    get_customer(ctx, customer_id)
    orders = ctx.db.scalars(
        select(Order)
        .where(Order.customer_id == customer_id)
        .options(selectinload(Order.items))
        .order_by(Order.created_at.desc(), Order.id.desc())
    ).all()
    return schemas.OrderList(orders=[order_out(ctx, o) for o in orders])


def logistics(ctx: Ctx, order: Order) -> schemas.Logistics:
    if order.shipped_at is None:
        text = "未发货" if order.status in domain.NOT_SHIPPED else domain.STATUS_TEXT[order.status]
        return schemas.Logistics(courier=None, tracking_no=None, status_text=text, events=[])
    if order.delivered_at is not None:
        text = "已签收"
    elif order.status == "shipped":
        text = "运输中"
    else:
        text = domain.STATUS_TEXT[order.status]
    events = sorted(order.events, key=lambda e: (e.time, e.id), reverse=True)
    return schemas.Logistics(
        courier=order.courier,
        tracking_no=order.tracking_no,
        status_text=text,
        events=[
            schemas.LogisticsEvent(time=ctx.iso(e.time), location=e.location, description=e.description) for e in events
        ],
    )


def urge(ctx: Ctx, order: Order) -> schemas.Urged:
    if order.shipped_at is not None or order.status in domain.SHIPPED + ("completed",):
        raise ApiError(409, "order_already_shipped", "the order has already been shipped")
    if order.status != "paid":
        # Contract gap: no dedicated code for "nothing to ship" (unpaid, cancelled, refunding).
        raise ApiError(409, "order_not_cancellable", f"the order is not waiting for shipment (status {order.status})")
    ctx.db.add(Urge(order_id=order.id, customer_id=order.customer_id, created_at=ctx.clock.now()))
    log.info("order %s urged by %s", order.id, order.customer_id)
    return schemas.Urged(expected_ship_by=ctx.iso(order.expected_ship_by))


def cancel(ctx: Ctx, order: Order, reason: Optional[str]) -> schemas.Order:
    if order.status in domain.SHIPPED:
        raise ApiError(409, "order_already_shipped", "the order has already been shipped")
    if order.status not in domain.NOT_SHIPPED:
        raise ApiError(409, "order_not_cancellable", f"an order in status {order.status} cannot be cancelled")
    now = ctx.clock.now()
    if order.paid_at is not None:  # the money goes back
        ctx.db.add(
            Refund(
                order_id=order.id,
                amount_cents=order.total_cents,
                status="processing",
                requested_at=now,
                expected_by=ctx.today() + timedelta(days=ctx.settings.refund_days),
            )
        )
    order.status = "cancelled"
    order.cancelled_at = now
    order.cancel_reason = (reason or "").strip() or None
    order.expected_ship_by = None
    log.info("order %s cancelled by %s", order.id, order.customer_id)
    return order_out(ctx, order)


def change_address(ctx: Ctx, order: Order, body: schemas.AddressChange) -> schemas.Order:
    if order.shipped_at is not None or order.status in domain.SHIPPED + ("completed",):
        raise ApiError(409, "order_already_shipped", "the order has already been shipped")
    if order.status not in domain.NOT_SHIPPED:
        raise ApiError(
            409, "order_not_cancellable", f"the address of an order in status {order.status} cannot be changed"
        )
    if body.receiver is not None:
        order.receiver = body.receiver
    if body.phone is not None:
        order.receiver_phone = body.phone
    if body.province is not None:
        order.province = body.province
    if body.city is not None:
        order.city = body.city
    order.detail = body.detail
    log.info("order %s: delivery address changed", order.id)
    return order_out(ctx, order)


def create_return(ctx: Ctx, order: Order, body: schemas.ReturnRequest) -> schemas.ReturnCreated:
    if order.status not in domain.RETURNABLE or order.delivered_at is None:
        raise ApiError(409, "order_not_delivered", "the order has not been delivered")
    now = ctx.clock.now()
    if now - order.delivered_at > timedelta(days=ctx.settings.return_window_days):
        raise ApiError(409, "return_window_expired", f"more than {ctx.settings.return_window_days} days since delivery")
    reason = (body.reason or "").strip()
    if not reason:
        raise ApiError(422, "reason_required", "a reason is required")
    refund = order.total_cents if body.kind == "return" else None
    row = AfterSale(
        id=_new_id("R", ctx),
        order_id=order.id,
        customer_id=order.customer_id,
        kind=body.kind,
        reason=reason,
        exchange_for=(body.exchange_for or None) if body.kind == "exchange" else None,
        status="submitted",
        refund_amount_cents=refund,
        created_at=now,
    )
    ctx.db.add(row)
    log.info("order %s: %s %s submitted", order.id, body.kind, row.id)
    return schemas.ReturnCreated(
        id=row.id,
        kind=row.kind,
        refund_amount=domain.money(refund) if refund is not None else None,
        exchange_for=row.exchange_for,
    )


def refund(ctx: Ctx, order: Order) -> schemas.RefundInfo:
    row = ctx.db.scalars(
        select(Refund)
        .where(Refund.order_id == order.id)
        .order_by(Refund.requested_at.desc(), Refund.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise ApiError(404, "no_refund", "no refund for this order")
    return schemas.RefundInfo(
        status=row.status,
        status_text=domain.REFUND_TEXT[row.status],
        amount=domain.money(row.amount_cents),
        expected_by=row.expected_by.isoformat(),
    )


def issue_invoice(ctx: Ctx, order: Order, body: schemas.InvoiceRequest) -> schemas.InvoiceIssued:
    if order.paid_at is None:
        raise ApiError(422, "validation_error", "an unpaid order has no invoice")
    row = Invoice(
        id=_new_id("INV", ctx),
        order_id=order.id,
        customer_id=order.customer_id,
        title=body.title.strip(),
        tax_number=(body.tax_number or "").strip() or None,
        email=body.email,
        status="issued",
        issued_at=ctx.clock.now(),
    )
    ctx.db.add(row)
    log.info("order %s: invoice %s issued", order.id, row.id)
    return schemas.InvoiceIssued(id=row.id, email=row.email)


def invoices(ctx: Ctx, order: Order) -> schemas.InvoiceList:
    rows = ctx.db.scalars(
        select(Invoice)
        .where(Invoice.order_id == order.id, Invoice.customer_id == order.customer_id)
        .order_by(Invoice.issued_at.desc(), Invoice.id.desc())
    ).all()
    return schemas.InvoiceList(
        invoices=[
            schemas.InvoiceOut(id=r.id, status=r.status, title=r.title, email=r.email, issued_at=ctx.iso(r.issued_at))
            for r in rows
        ]
    )


def reissue_invoice(ctx: Ctx, invoice_id: str, body: schemas.ReissueRequest) -> schemas.InvoiceReissued:
    row = ctx.db.scalars(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.customer_id == body.customer_id)
    ).first()
    if row is None:
        raise ApiError(404, "invoice_not_found", "invoice not found")
    if body.email:
        row.email = body.email
    row.status = "reissued"
    row.reissued_at = ctx.clock.now()
    log.info("invoice %s reissued", row.id)
    return schemas.InvoiceReissued(id=row.id, email=row.email)
