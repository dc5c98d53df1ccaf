"""Endpoints of the bot side (header X-Service-Key): handoffs, broker events, ratings, tickets."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from .. import service
from ..deps import CtxDep, require_service_key
from ..schemas import HandoffPackage, RasaEvent, RatingIn, TextIn
from ..views import ticket_message_view

router = APIRouter(prefix="/api", tags=["bot side"], dependencies=[Depends(require_service_key)])


@router.post("/handoffs", status_code=201, summary="Open a handoff with its package")
def open_handoff(body: HandoffPackage, ctx: CtxDep) -> JSONResponse:
    """Queued in business hours, a ticket otherwise; the open handoff of the same sender → 200."""
    status, answer = service.open_handoff(ctx, body)
    return JSONResponse(answer, status_code=status)


@router.post("/rasa-events", status_code=202, summary="One event of Rasa's event broker")
def rasa_event(body: RasaEvent, ctx: CtxDep) -> dict:
    return {"stored": service.store_rasa_event(ctx, body)}


@router.post("/handoffs/{handoff_id}/rating", summary="The satisfaction survey's answer")
def rating(handoff_id: int, body: RatingIn, ctx: CtxDep) -> dict:
    return service.rate(ctx, handoff_id, body.rating)


@router.post("/tickets/{ticket_id}/messages", status_code=201, summary="The customer's message for a ticket")
def ticket_message(ticket_id: int, body: TextIn, ctx: CtxDep) -> dict:
    return ticket_message_view(service.add_ticket_message(ctx, ticket_id, body.text), ctx.settings.tz)
