"""Endpoints of the bot side (header X-Service-Key): handoffs, broker events, ratings, tickets."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from .. import service
from ..deps import CtxDep, RowId, require_service_key
from ..schemas import HandoffOpened, HandoffPackage, RasaEvent, Rated, RatingIn, Stored, TextIn, TicketMessageOut
from ..views import ticket_message_view

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
    "/tickets/{ticket_id}/messages",
    status_code=201,
    response_model=TicketMessageOut,
    summary="The customer's message for a ticket",
)
def ticket_message(ticket_id: RowId, body: TextIn, ctx: CtxDep):
    return ticket_message_view(service.add_ticket_message(ctx, ticket_id, body.text), ctx.settings.tz)
