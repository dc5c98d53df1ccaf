"""Tickets for the customer's side (header X-Service-Key): the action server looks a customer's
tickets up and puts their messages on them; the bot's FAQ reads the opening hours. POST, not
GET, wherever a sender id is sent: it stays out of access logs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from contract import tickets as contract

from .. import tickets
from ..deps import CtxDep, require_service_key
from ..hours import business_hours
from ..ticket_schemas import BusinessHours, CustomerMessageIn, CustomerMessageOut, LookupIn, LookupOut
from ..ticket_views import ticket_message_item

# A customer's message puts these back to work (the ticket's `reopened` event): the answer says so.
REOPENABLE = (contract.ANSWERED, contract.RESOLVED)

router = APIRouter(prefix="/api/service", tags=["bot side"], dependencies=[Depends(require_service_key)])


@router.post("/tickets/lookup", response_model=LookupOut, summary="A sender's newest tickets, where each stands")
def lookup(body: LookupIn, ctx: CtxDep):
    return {"tickets": tickets.lookup(ctx, body.sender_id)}


@router.post(
    "/tickets/{number}/messages",
    status_code=201,
    response_model=CustomerMessageOut,
    summary="The customer's message on their ticket (reopens an answered or resolved one)",
)
def customer_message(number: str, body: CustomerMessageIn, ctx: CtxDep, response: Response):
    """201 stored; 200 when this ``message_id`` is on the ticket already; 404 ``not_found`` for a
    number that is not this sender's; 409 ``ticket_closed``; 422 ``invalid_ticket_number``."""
    ticket = tickets.customer_ticket(ctx, number[:64], body.sender_id)
    was = ticket.status
    stored, message = tickets.add_customer_message(ctx, ticket, body.text, body.message_id)
    if not stored:
        response.status_code = 200
    return {
        "stored": stored,
        "status": ticket.status,
        "status_label": contract.STATUS_LABELS.get(ticket.status, ticket.status),
        "reopened": stored and was in REOPENABLE and ticket.status in (contract.OPEN, contract.ASSIGNED),
        "message": ticket_message_item(message, ctx.settings.tz),
    }


@router.get("/business-hours", response_model=BusinessHours, summary="Opening hours")
def get_business_hours(ctx: CtxDep):
    """Open now, the hours, today, the next opening and the holidays and make-up working days
    of the next 30 days (handoff/business_calendar.toml)."""
    return business_hours(ctx.settings, ctx.clock.now())
