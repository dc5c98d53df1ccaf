"""The business rules, over a SQLAlchemy session. Routers only translate HTTP."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional, Union

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from servicekit.clock import Clock, local_date, to_local
from servicekit.errors import ApiError

from . import domain, schemas, sms, throttle
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
CodeModel = Union[type[VerificationCode], type[PhoneChangeCode]]


def _locked(retry_after: int) -> ApiError:
    return ApiError(423, "code_locked", "too many wrong codes: try again later", retry_after=max(1, retry_after))


def _seconds_left(until: datetime, now: datetime) -> int:
    return int((until - now).total_seconds()) + 1


def _not_locked(model: CodeModel, now: datetime) -> Any:
    return or_(model.locked_until.is_(None), model.locked_until <= now)


def _check_code(ctx: Ctx, row: Optional[CodeRow], code: str, salt: str) -> CodeRow:
    """Expiry, lock and attempts of one code row, consumed when right; commits the attempt
    count before raising. Counting is one atomic UPDATE: concurrent wrong codes never count
    past the lock, and once it is locked the right code is refused too."""
    s = ctx.settings
    now = ctx.clock.now()
    if row is None:
        raise ApiError(400, "code_invalid", "no valid code: request a new one", attempts_left=s.code_max_attempts)
    model = type(row)
    if row.locked_until is not None and row.locked_until > now:
        raise _locked(_seconds_left(row.locked_until, now))
    if now > row.expires_at:
        raise ApiError(400, "code_expired", "the code has expired: request a new one")
    if hmac.compare_digest(row.code_hash, _hash_code(code, salt)):
        consumed = ctx.db.execute(
            update(model)
            .where(
                model.id == row.id,
                model.code_hash == row.code_hash,
                model.consumed_at.is_(None),
                model.expires_at >= now,
                _not_locked(model, now),
            )
            .values(consumed_at=now)
            .returning(model.id)
            .execution_options(synchronize_session=False)
        ).first()
        if consumed is not None:
            row.consumed_at = now
            return row
        return _answer_changed_row(ctx, row, now)
    lock_until = now + timedelta(seconds=s.code_lock_seconds)
    counted = ctx.db.execute(
        update(model)
        .where(model.id == row.id, _not_locked(model, now))
        .values(
            attempts=model.attempts + 1,
            locked_until=case((model.attempts + 1 >= s.code_max_attempts, lock_until), else_=model.locked_until),
        )
        .returning(model.attempts, model.locked_until)
        .execution_options(synchronize_session=False)
    ).first()
    ctx.db.commit()
    if counted is None:  # locked by a concurrent wrong code meanwhile
        return _answer_changed_row(ctx, row, now)
    attempts, locked_until = counted
    if locked_until is not None and locked_until > now:
        raise _locked(s.code_lock_seconds)
    raise ApiError(400, "code_invalid", "wrong code", attempts_left=max(0, s.code_max_attempts - attempts))


def _answer_changed_row(ctx: Ctx, row: CodeRow, now: datetime) -> CodeRow:
    """The answer when ``row`` changed between reading and writing it (a concurrent request)."""
    ctx.db.rollback()
    ctx.db.refresh(row)
    if row.locked_until is not None and row.locked_until > now:
        raise _locked(_seconds_left(row.locked_until, now))
    if now > row.expires_at:
        raise ApiError(400, "code_expired", "the code has expired: request a new one")
    raise ApiError(
        400,
        "code_invalid",
        "no valid code: request a new one",
        attempts_left=max(0, ctx.settings.code_max_attempts - row.attempts),
    )


def _issue_code(
    ctx: Ctx, model: CodeModel, previous: Optional[CodeRow], salt: str, real: bool, **columns: Any
) -> Optional[str]:
    """Stores a new code of ``model`` (columns: who it is for) and returns it, or None when the
    phone is locked (nothing is sent then). Not ``real``: a row whose hash no code matches, so that
    checks answer alike (nothing is sent). An unused ``previous`` row is given the new code in place,
    keeping its wrong tries (an ended lock resets them) in one atomic UPDATE."""
    now = ctx.clock.now()
    code = _new_code()
    code_hash = _hash_code(code, salt) if real else secrets.token_hex(32)
    fresh = dict(code_hash=code_hash, created_at=now, expires_at=now + timedelta(seconds=ctx.settings.code_ttl_seconds))
    if previous is not None and previous.consumed_at is None:
        renewed = ctx.db.execute(
            update(model)
            .where(model.id == previous.id, model.consumed_at.is_(None), _not_locked(model, now))
            .values(
                attempts=case((model.locked_until.is_not(None), 0), else_=model.attempts),
                locked_until=None,
                **fresh,
                **columns,
            )
            .execution_options(synchronize_session=False)
        )
        if _rowcount(renewed) == 1:
            return code if real else None
        ctx.db.refresh(previous)
        if previous.locked_until is not None and previous.locked_until > now:
            return None
    ctx.db.add(model(**fresh, attempts=0, **columns))
    ctx.db.flush()
    return code if real else None


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _code_sent(ctx: Ctx, phone: str, code: Optional[str], purpose: str) -> schemas.CodeSent:
    """Delivers ``code`` (if any) to ``phone``; the answer is the same whether one was sent."""
    if code is not None:
        sms.deliver(ctx.settings, phone, code, purpose, ctx.iso(ctx.clock.now()) or "")
        log.info("%s code sent to %s", purpose, domain.mask_phone(phone))
    else:
        log.info("%s code asked for %s: none sent (no customer, in use or locked)", purpose, domain.mask_phone(phone))
    exposed = code if ctx.settings.expose_codes else None
    return schemas.CodeSent(expires_in=ctx.settings.code_ttl_seconds, dev_code=exposed)


def _latest_code(ctx: Ctx, model: Any, *where: Any) -> Any:
    """The newest row of a code ``model`` that matches ``where``, or None."""
    query = select(model).where(*where).order_by(model.created_at.desc(), model.id.desc()).limit(1)
    return ctx.db.scalars(query).first()


def _latest_login_code(ctx: Ctx, phone: str) -> Optional[VerificationCode]:
    return _latest_code(ctx, VerificationCode, VerificationCode.phone == phone)


def send_login_code(ctx: Ctx, phone: str, requester: Optional[str]) -> schemas.CodeSent:
    """202 for every well-formed phone: a code is only made and sent for a customer's phone;
    the phone of no customer gets a row no code matches. Throttled per phone and requester."""
    throttle.take(
        ctx.db, [throttle.phone(ctx.settings, phone), throttle.requester(ctx.settings, requester)], ctx.clock.now()
    )
    customer = ctx.db.scalars(select(Customer).where(Customer.phone == phone)).first()
    previous = _latest_login_code(ctx, phone)
    customer_id = customer.id if customer is not None else None
    code = _issue_code(
        ctx, VerificationCode, previous, phone, customer is not None, phone=phone, customer_id=customer_id
    )
    return _code_sent(ctx, phone, code, sms.LOGIN)


def check_login_code(ctx: Ctx, phone: str, code: str) -> schemas.Verified:
    row = _latest_login_code(ctx, phone)
    if row is not None and row.consumed_at is not None:
        row = None
    checked = _check_code(ctx, row, code, phone)
    if checked.customer_id is None:  # cannot happen: no code matches such a row
        raise ApiError(400, "code_invalid", "wrong code", attempts_left=0)
    return schemas.Verified(customer_id=checked.customer_id)


def purge_codes(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Deletes the codes that expired and are not locked, and the throttle rows that no
    longer count (``python -m shop_backend purge-codes``, daily)."""
    result: dict[str, int] = {}
    for model in (VerificationCode, PhoneChangeCode):
        gone = session.execute(
            delete(model)
            .where(model.expires_at < now, _not_locked(model, now))
            .execution_options(synchronize_session=False)
        )
        result[model.__tablename__] = _rowcount(gone)
    result.update(throttle.purge(session, settings, now))
    return result


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


def _check_new_phone(customer: Customer, new_phone: str) -> None:
    if new_phone == customer.phone:
        raise ApiError(400, "same_phone", "the new phone is the current one")


def _phone_taken(ctx: Ctx, new_phone: str) -> bool:
    return ctx.db.scalars(select(Customer.id).where(Customer.phone == new_phone)).first() is not None


def send_phone_change_code(ctx: Ctx, customer_id: str, new_phone: str, requester: Optional[str]) -> schemas.CodeSent:
    """202 for every well-formed new phone but the customer's own: a number of another account
    gets no code (a row no code matches), so the answer tells nobody whose number it is."""
    customer = get_customer(ctx, customer_id)
    _check_new_phone(customer, new_phone)
    throttle.take(
        ctx.db, [throttle.phone(ctx.settings, new_phone), throttle.requester(ctx.settings, requester)], ctx.clock.now()
    )
    previous = _latest_phone_change_code(ctx, customer_id)
    real = not _phone_taken(ctx, new_phone)
    code = _issue_code(ctx, PhoneChangeCode, previous, new_phone, real, customer_id=customer_id, new_phone=new_phone)
    return _code_sent(ctx, new_phone, code, sms.PHONE_CHANGE)


def change_phone(ctx: Ctx, customer_id: str, new_phone: str, code: str) -> schemas.PhoneChanged:
    customer = get_customer(ctx, customer_id)
    _check_new_phone(customer, new_phone)
    row = _latest_phone_change_code(ctx, customer_id)
    if row is not None and (row.consumed_at is not None or row.new_phone != new_phone):
        if row.locked_until is None or row.locked_until <= ctx.clock.now():
            row = None
    _check_code(ctx, row, code, new_phone)
    # Only a code that reached the new phone gets here; it can have been taken since.
    if _phone_taken(ctx, new_phone):
        raise ApiError(409, "phone_in_use", "the new phone belongs to another account")
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
