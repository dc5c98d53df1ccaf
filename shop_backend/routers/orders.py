"""Orders: details, logistics, urging, cancelling, address, returns, refunds, invoices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from servicekit.errors import error_responses

from .. import schemas, service
from ..deps import CtxDep, IdemDep

router = APIRouter(tags=["orders"])
CustomerQuery = Annotated[
    str, Query(description="The customer asking; an order of anyone else is `order_not_found`", examples=["C0001"])
]
NOT_FOUND = (404, "order_not_found")


@router.get(
    "/orders/{order_id}", response_model=schemas.Order, summary="Get an order", responses=error_responses(NOT_FOUND)
)
def get_order(order_id: str, customer_id: CustomerQuery, ctx: CtxDep):
    """Status (with its Chinese label), items, total, times, courier and address."""
    return service.order_out(ctx, service.get_order(ctx, order_id, customer_id))


@router.get(
    "/orders/{order_id}/logistics",
    response_model=schemas.Logistics,
    summary="Track the parcel",
    responses=error_responses(NOT_FOUND),
)
def get_logistics(order_id: str, customer_id: CustomerQuery, ctx: CtxDep):
    """Courier, tracking number and the tracking events, newest first (none before shipping)."""
    return service.logistics(ctx, service.get_order(ctx, order_id, customer_id))


@router.post(
    "/orders/{order_id}/urge",
    response_model=schemas.Urged,
    summary="Urge shipping",
    responses=error_responses(NOT_FOUND, (409, "order_already_shipped"), (409, "order_not_cancellable")),
)
def urge(order_id: str, body: schemas.CustomerRef, ctx: CtxDep, idem: IdemDep):
    """Records that the customer asked for faster shipping of a paid order (asking again is
    fine) and answers the promised shipping time. Shipped → `order_already_shipped`; an
    order not waiting for shipment (unpaid, cancelled, refunding) → `order_not_cancellable`."""
    return idem.run(
        ctx,
        body.customer_id,
        body.model_dump(),
        lambda: service.urge(ctx, service.get_order(ctx, order_id, body.customer_id, lock=True)),
    )


@router.post(
    "/orders/{order_id}/cancel",
    response_model=schemas.Order,
    summary="Cancel an order",
    responses=error_responses(NOT_FOUND, (409, "order_already_shipped"), (409, "order_not_cancellable")),
)
def cancel(order_id: str, body: schemas.CancelRequest, ctx: CtxDep, idem: IdemDep):
    """Cancels an order that has not shipped (a paid one gets a refund). Shipped or delivered →
    `order_already_shipped`; completed, cancelled or in a refund → `order_not_cancellable`."""
    return idem.run(
        ctx,
        body.customer_id,
        body.model_dump(),
        lambda: service.cancel(ctx, service.get_order(ctx, order_id, body.customer_id, lock=True), body.reason),
    )


@router.post(
    "/orders/{order_id}/address",
    response_model=schemas.Order,
    summary="Change the delivery address",
    responses=error_responses(
        NOT_FOUND, (409, "order_already_shipped"), (409, "order_not_cancellable"), (422, "validation_error")
    ),
)
def change_address(order_id: str, body: schemas.AddressChange, ctx: CtxDep, idem: IdemDep):
    """Replaces the address of an order that has not shipped; fields left out keep their value
    (`detail` is required). After shipping → `order_already_shipped`."""
    return idem.run(
        ctx,
        body.customer_id,
        body.model_dump(),
        lambda: service.change_address(ctx, service.get_order(ctx, order_id, body.customer_id, lock=True), body),
    )


@router.post(
    "/orders/{order_id}/returns",
    status_code=201,
    response_model=schemas.ReturnCreated,
    summary="Request a return or an exchange",
    responses=error_responses(
        NOT_FOUND, (409, "order_not_delivered"), (409, "return_window_expired"), (422, "reason_required")
    ),
)
def create_return(order_id: str, body: schemas.ReturnRequest, ctx: CtxDep, idem: IdemDep):
    """Opens a return (`refund_amount` = the order total) or an exchange (`exchange_for`) for a
    delivered order, within 7 days of delivery. Checked in this order: the order is delivered
    (`order_not_delivered`), the window (`return_window_expired`), a reason (`reason_required`)."""
    return idem.run(
        ctx,
        body.customer_id,
        body.model_dump(),
        lambda: service.create_return(ctx, service.get_order(ctx, order_id, body.customer_id, lock=True), body),
        status_code=201,
    )


@router.get(
    "/orders/{order_id}/refund",
    response_model=schemas.RefundInfo,
    summary="Refund progress",
    responses=error_responses(NOT_FOUND, (404, "no_refund")),
)
def get_refund(order_id: str, customer_id: CustomerQuery, ctx: CtxDep):
    """The latest refund of the order: status, amount and the date the money is expected."""
    return service.refund(ctx, service.get_order(ctx, order_id, customer_id))


@router.post(
    "/orders/{order_id}/invoices",
    status_code=201,
    response_model=schemas.InvoiceIssued,
    summary="Issue an invoice",
    responses=error_responses(NOT_FOUND, (422, "validation_error")),
)
def issue_invoice(order_id: str, body: schemas.InvoiceRequest, ctx: CtxDep, idem: IdemDep):
    """Issues an electronic invoice for a paid order and e-mails it."""
    return idem.run(
        ctx,
        body.customer_id,
        body.model_dump(),
        lambda: service.issue_invoice(ctx, service.get_order(ctx, order_id, body.customer_id), body),
        status_code=201,
    )


@router.get(
    "/orders/{order_id}/invoices",
    response_model=schemas.InvoiceList,
    summary="List the invoices of an order",
    responses=error_responses(NOT_FOUND),
)
def list_invoices(order_id: str, customer_id: CustomerQuery, ctx: CtxDep):
    """The invoices issued for the order, newest first (`[]` when none): id, status (`issued` or
    `reissued`), title, e-mail and issue time. The id is what `POST /v1/invoices/{id}/reissue` takes."""
    return service.invoices(ctx, service.get_order(ctx, order_id, customer_id))


@router.post(
    "/invoices/{invoice_id}/reissue",
    response_model=schemas.InvoiceReissued,
    summary="Reissue an invoice",
    responses=error_responses((404, "invoice_not_found")),
)
def reissue_invoice(invoice_id: str, body: schemas.ReissueRequest, ctx: CtxDep, idem: IdemDep):
    """Sends the invoice again, to a new e-mail address when one is given. An invoice of
    another customer is `invoice_not_found`."""
    return idem.run(ctx, body.customer_id, body.model_dump(), lambda: service.reissue_invoice(ctx, invoice_id, body))
