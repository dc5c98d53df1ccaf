"""Endpoints of the bot side (header X-Service-Key): handoffs, broker events, ratings, tickets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from sqlalchemy import select

from .. import service, tickets
from ..deps import CtxDep, RowId, require_service_key
from ..models import Ticket
from ..schemas import HandoffOpened, HandoffPackage, RasaEvent, Rated, RatingIn, Stored, TextIn
from ..ticket_schemas import TicketMessageItem
from ..ticket_views import ticket_message_item

router = APIRouter(prefix="/api", tags=["bot side"], dependencies=[Depends(require_service_key)])


@router.post(
    "/handoffs",
    status_code=201,
    response_model=HandoffOpened,
    response_model_exclude_unset=True,
    summary="Open a handoff with its package",
)
def open_handoff(body: HandoffPackage, ctx: CtxDep, response: Response):
    """Queued in business hours, a ticket otherwise; the open handoff of the same sender → 200."""
    response.status_code, answer = service.open_handoff(ctx, body)
    return answer


@router.post("/rasa-events", status_code=202, response_model=Stored, summary="One event of Rasa's event broker")
def rasa_event(body: RasaEvent, ctx: CtxDep) -> Stored:
    return Stored(stored=service.store_rasa_event(ctx, body))


@router.post("/handoffs/{handoff_id}/rating", response_model=Rated, summary="The satisfaction survey's answer")
def rating(handoff_id: RowId, body: RatingIn, ctx: CtxDep):
    return service.rate(ctx, handoff_id, body.rating)


@router.post(
    "/tickets/{ticket_ref}/messages",
    status_code=201,
    response_model=TicketMessageItem,
    summary="The customer's message for a ticket, by its id or number (earlier form of /api/service/tickets)",
)
def ticket_message(ticket_ref: Annotated[str, Path(min_length=1, max_length=64)], body: TextIn, ctx: CtxDep):
    """The slot ``ticket_awaiting_message`` held a ticket's id and now holds its number (set with
    an agent's answer): both are taken. /api/service/tickets/{number}/messages also checks the
    sender and stores a message once per message_id."""
    if ticket_ref.isascii() and ticket_ref.isdigit():
        ticket = ctx.db.get(Ticket, int(ticket_ref)) if int(ticket_ref) < 2**63 else None
    else:
        number = tickets.normalized_number(ticket_ref)
        ticket = ctx.db.scalars(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None:
        raise tickets.not_found()
    _, message = tickets.add_customer_message(ctx, ticket, body.text)
    return ticket_message_item(message, ctx.settings.tz)
