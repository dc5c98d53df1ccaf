"""Identity: SMS verification codes and channel bindings."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from servicekit.errors import error_responses

from .. import schemas, service
from ..deps import CtxDep, IdemDep, RequesterDep, phone_scope

router = APIRouter(tags=["identity"])


RATE_LIMITED = (429, "rate_limited")


@router.post(
    "/verification-codes",
    status_code=202,
    response_model=schemas.CodeSent,
    response_model_exclude_none=True,
    summary="Send a login code",
    responses=error_responses(RATE_LIMITED, (422, "validation_error")),
)
def send_code(body: schemas.CodeRequest, ctx: CtxDep, idem: IdemDep, requester: RequesterDep):
    """Answers 202 `{"sent": true, "expires_in": 300}` for every well-formed phone, known or
    not: only a customer's phone gets a code by SMS (none while the phone is locked), so the
    answer tells nobody who is a customer.

    Throttled per phone (`SHOP_SMS_PHONE_INTERVAL_SECONDS`, `SHOP_SMS_PHONE_PER_HOUR`,
    `SHOP_SMS_PHONE_PER_DAY`) and per requester, the `X-Requester` header
    (`SHOP_SMS_REQUESTER_PER_HOUR`, `SHOP_SMS_REQUESTER_PER_DAY`) → 429 `rate_limited`
    with `retry_after` in seconds. The code is valid for `SHOP_CODE_TTL_SECONDS` (300 s);
    it is never logged. In development it is appended to the SMS outbox file
    (`SHOP_SMS_OUTBOX`) and, when `SHOP_EXPOSE_CODES=true`, returned as `dev_code`.
    """

    def send() -> schemas.CodeSent:
        return service.send_login_code(ctx, body.phone, requester)

    return idem.with_body(ctx, phone_scope(body.phone), body, send, 202)


@router.post(
    "/verification-codes/check",
    response_model=schemas.Verified,
    summary="Check a login code",
    responses=error_responses(
        (400, "code_invalid"), (400, "code_expired"), (423, "code_locked"), (422, "validation_error")
    ),
)
def check_code(body: schemas.CodeCheck, ctx: CtxDep, idem: IdemDep):
    """Checks the latest code sent to the phone and names the customer it belongs to.

    A wrong code answers alike whether the phone is a customer's or not.

    * wrong code → 400 `code_invalid` with `attempts_left`;
    * older than 5 minutes → 400 `code_expired`;
    * the 5th wrong code locks the phone for 15 minutes → 423 `code_locked`
      (with `retry_after` in seconds), the right code included; concurrent wrong codes
      never count past the lock.
    """

    def check() -> schemas.Verified:
        return service.check_login_code(ctx, body.phone, body.code)

    return idem.with_body(ctx, phone_scope(body.phone), body, check)


@router.get(
    "/customers/by-channel",
    response_model=schemas.Customer,
    summary="Find the customer bound to a channel account",
    responses=error_responses((404, "customer_not_found"), (422, "validation_error")),
)
def by_channel(
    ctx: CtxDep,
    channel: Annotated[Literal["web", "wechat"], Query(description="`web` or `wechat`")],
    external_id: Annotated[str, Query(min_length=1, max_length=128, description="Shop user id (web) or WeChat openid")],
):
    """The customer bound to a web shop account or a WeChat openid; 404 when none is."""
    return service.customer_out(ctx, service.customer_by_channel(ctx, channel, external_id))
