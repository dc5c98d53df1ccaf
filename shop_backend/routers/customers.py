"""Customers: profile, orders, points, membership, password and phone."""

from __future__ import annotations

from fastapi import APIRouter

from servicekit.errors import error_responses

from .. import schemas, service
from ..deps import CtxDep, IdemDep, RequesterDep

router = APIRouter(prefix="/customers", tags=["customers"])
NOT_FOUND = error_responses((404, "customer_not_found"))
MEMBERSHIP = "Membership level and benefits"


@router.get("/{customer_id}", response_model=schemas.Customer, summary="Get a customer", responses=NOT_FOUND)
def get_customer(customer_id: str, ctx: CtxDep):
    """Name, phone, membership level (普通, 银卡, 金卡, 钻石) and points balance."""
    return service.customer_out(ctx, service.get_customer(ctx, customer_id))


@router.get(
    "/{customer_id}/orders", response_model=schemas.OrderList, summary="List a customer's orders", responses=NOT_FOUND
)
def list_orders(customer_id: str, ctx: CtxDep):
    """Every order of the customer, newest first."""
    return service.customer_orders(ctx, customer_id)


@router.get("/{customer_id}/points", response_model=schemas.Points, summary="Points balance", responses=NOT_FOUND)
def get_points(customer_id: str, ctx: CtxDep):
    """The balance (unexpired lots) and the lots expiring within the next 90 days."""
    return service.points(ctx, customer_id)


@router.get("/{customer_id}/membership", response_model=schemas.Membership, summary=MEMBERSHIP, responses=NOT_FOUND)
def get_membership(customer_id: str, ctx: CtxDep):
    """Level, its benefits, the next level and the points still missing for it."""
    return service.membership(ctx, customer_id)


@router.post(
    "/{customer_id}/password-reset",
    response_model=schemas.PasswordReset,
    summary="Send a password-reset link",
    responses=NOT_FOUND,
)
def password_reset(customer_id: str, ctx: CtxDep, idem: IdemDep):
    """Sends a reset link by SMS to the customer's phone and says where (masked)."""
    return idem.run(ctx, customer_id, {}, lambda: service.password_reset(ctx, customer_id))


@router.post(
    "/{customer_id}/phone-change/code",
    status_code=202,
    response_model=schemas.CodeSent,
    response_model_exclude_none=True,
    summary="Send a code to the new phone",
    responses=error_responses((404, "customer_not_found"), (400, "same_phone"), (429, "rate_limited")),
)
def phone_change_code(
    customer_id: str, body: schemas.PhoneChangeCodeRequest, ctx: CtxDep, idem: IdemDep, requester: RequesterDep
):
    """First step of a phone change: a code goes to the NEW number (never logged; in
    development to the SMS outbox file, `dev_code` when `SHOP_EXPOSE_CODES=true`). Answers 202
    for every well-formed number but the current one (`same_phone`): a number of another
    account gets no code, and the answer does not say so. Throttled like login codes
    (per phone and per `X-Requester`) → 429 `rate_limited`."""

    def send() -> schemas.CodeSent:
        return service.send_phone_change_code(ctx, customer_id, body.new_phone, requester)

    return idem.with_body(ctx, customer_id, body, send, status_code=202)


@router.post(
    "/{customer_id}/phone-change",
    response_model=schemas.PhoneChanged,
    summary="Change the phone number",
    responses=error_responses(
        (404, "customer_not_found"),
        (400, "same_phone"),
        (400, "code_invalid"),
        (400, "code_expired"),
        (409, "phone_in_use"),
        (423, "code_locked"),
    ),
)
def phone_change(customer_id: str, body: schemas.PhoneChange, ctx: CtxDep, idem: IdemDep):
    """Second step: the code sent to the new number makes it the customer's phone.
    Codes follow the same rules as login codes (5 minutes, 5 wrong tries lock 15 minutes);
    `phone_in_use` only after the right code (the number was taken since)."""
    return idem.with_body(
        ctx, customer_id, body, lambda: service.change_phone(ctx, customer_id, body.new_phone, body.code)
    )
