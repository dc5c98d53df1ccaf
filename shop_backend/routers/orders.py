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
ONLY_NOT_FOUND = error_responses(NOT_FOUND)
NOT_SHIPPABLE = error_responses(NOT_FOUND, (409, "order_already_shipped"), (409, "order_not_cancellable"))
ORDER = "/orders/{order_id}"


@router.get(ORDER, response_model=schemas.Order, summary="Get an order", responses=ONLY_NOT_FOUND)
def get_order(order_id: str, customer_id: CustomerQuery, ctx: CtxDep):
    """Status (with its Chinese label), items, total, times, courier and address."""
    return service.order_out(ctx, service.get_order(ctx, order_id, customer_id))


@router.get(
    f"{ORDER}/logistics", response_model=schemas.Logistics, summary="Track the parcel", responses=ONLY_NOT_FOUND
)
def get_logistics(order_id: str, customer_id: CustomerQuery, ctx: CtxDep):
    """Courier, tracking number and the tracking events, newest first (none before shipping)."""
    return service.logistics(ctx, service.get_order(ctx, order_id, customer_id))


@router.post(f"{ORDER}/urge", response_model=schemas.Urged, summary="Urge shipping", responses=NOT_SHIPPABLE)
def urge(order_id: str, body: schemas.CustomerRef, ctx: CtxDep, idem: IdemDep):
    """Records that the customer asked for faster shipping of a paid order (asking again is
    fine) and answers the promised shipping time. Shipped → `order_already_shipped`; an
    order not waiting for shipment (unpaid, cancelled, refunding) → `order_not_cancellable`."""
    return idem.on_order(ctx, order_id, body, lambda order: service.urge(ctx, order))


@router.post(f"{ORDER}/cancel", response_model=schemas.Order, summary="Cancel an order", responses=NOT_SHIPPABLE)
def cancel(order_id: str, body: schemas.CancelRequest, ctx: CtxDep, idem: IdemDep):
    """Cancels an order that has not shipped (a paid one gets a refund). Shipped or delivered →
    `order_already_shipped`; completed, cancelled or in a refund → `order_not_cancellable`."""
    return idem.on_order(ctx, order_id, body, lambda order: service.cancel(ctx, order, body.reason))


@router.post(
    f"{ORDER}/address",
    response_model=schemas.Order,
    summary="Change the delivery address",
    responses=error_responses(
        NOT_FOUND, (409, "order_already_shipped"), (409, "order_not_cancellable"), (422, "validation_error")
    ),
)
def change_address(order_id: str, body: schemas.AddressChange, ctx: CtxDep, idem: IdemDep):
    """Replaces the address of an order that has not shipped; fields left out keep their value
    (`detail` is required). After shipping → `order_already_shipped`."""
    return idem.on_order(ctx, order_id, body, lambda order: service.change_address(ctx, order, body))


@router.post(
    f"{ORDER}/returns",
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
    return idem.on_order(ctx, order_id, body, lambda order: service.create_return(ctx, order, body), status_code=201)


@router.get(
    f"{ORDER}/refund",
    response_model=schemas.RefundInfo,
    summary="Refund progress",
    responses=error_responses(NOT_FOUND, (404, "no_refund")),
)
def get_refund(order_id: str, customer_id: CustomerQuery, ctx: CtxDep):
    """The latest refund of the order: status, amount and the date the money is expected."""
    return service.refund(ctx, service.get_order(ctx, order_id, customer_id))


@router.post(
    f"{ORDER}/invoices",
    status_code=201,
    response_model=schemas.InvoiceIssued,
    summary="Issue an invoice",
    responses=error_responses(NOT_FOUND, (422, "validation_error")),
)
def issue_invoice(order_id: str, body: schemas.InvoiceRequest, ctx: CtxDep, idem: IdemDep):
    """Issues an electronic invoice for a paid order and e-mails it."""
    return idem.on_order(ctx, order_id, body, lambda order: service.issue_invoice(ctx, order, body), 201, lock=False)


@router.get(
    f"{ORDER}/invoices",
    response_model=schemas.InvoiceList,
    summary="List the invoices of an order",
    responses=ONLY_NOT_FOUND,
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
    return idem.with_body(ctx, body.customer_id, body, lambda: service.reissue_invoice(ctx, invoice_id, body))
