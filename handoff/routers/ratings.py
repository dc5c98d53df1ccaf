"""POST /api/service/ratings (header X-Service-Key): a customer's satisfaction rating of a
conversation, the bot's alone or a person's, into csat_ratings.

Idempotent on ``request_id`` (the rating message's id): the action server retries a
timeout, and a second copy answers 200 with the rating stored first.
"""

from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field, StringConstraints, model_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contract import channels
from contract import tickets as ticket_contract
from servicekit.errors import ApiError

from ..deps import MAX_ROW_ID, CtxDep, require_service_key
from ..errors import not_found
from ..models import CsatRating, Handoff

router = APIRouter(prefix="/api/service", tags=["bot side"], dependencies=[Depends(require_service_key)])

# The channels a rating comes from (contract/channels.py: Rasa's input_channel names).
RATING_CHANNELS = (channels.WEBCHAT, channels.WECHAT, channels.REST)
MAX_INTENTS = 50  # the domain has about 30 intents; a conversation names each once
IntentName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$")]


class RatingIn(BaseModel):
    sender_id: str = Field(min_length=1, max_length=255)
    channel: str = Field(description="Rasa's input channel: " + ", ".join(RATING_CHANNELS))
    handled_by: str = Field(description="bot: the bot alone; person: a handoff (handoff_id)")
    handoff_id: Optional[int] = Field(None, ge=1, le=MAX_ROW_ID)
    rating: int = Field(ge=1, le=5)
    intents: list[IntentName] = Field(default_factory=list, max_length=MAX_INTENTS)
    request_id: str = Field(min_length=1, max_length=64, description="The rating message's id: stored once")

    @model_validator(mode="after")
    def _consistent(self) -> RatingIn:
        if self.channel not in RATING_CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(RATING_CHANNELS)}")
        if self.handled_by not in ticket_contract.HANDLED_BY:
            raise ValueError(f"handled_by must be one of {', '.join(ticket_contract.HANDLED_BY)}")
        if (self.handled_by == ticket_contract.HANDLED_BY_PERSON) != (self.handoff_id is not None):
            raise ValueError("a person's rating names its handoff_id; the bot's has none")
        return self


class RatingOut(BaseModel):
    id: int
    rating: int
    handled_by: str
    stored: bool = Field(description="False: this request_id was stored already (the first rating stands)")


@router.post("/ratings", status_code=201, response_model=RatingOut, summary="A satisfaction rating")
def store_rating(body: RatingIn, ctx: CtxDep, response: Response):
    existing = _by_request_id(ctx, body.request_id)
    if existing is None:
        if body.handoff_id is not None and ctx.db.get(Handoff, body.handoff_id) is None:
            raise not_found("handoff")
        row = CsatRating(
            sender_id=body.sender_id,
            channel=body.channel,
            handled_by=body.handled_by,
            handoff_id=body.handoff_id,
            rating=body.rating,
            intents=list(dict.fromkeys(body.intents)),
            request_id=body.request_id,
            created_at=ctx.clock.now(),
        )
        ctx.db.add(row)
        try:
            ctx.db.commit()
            return _answer(row, stored=True)
        except IntegrityError:  # the same request at the same moment (a retry, another instance)
            ctx.db.rollback()
            existing = _by_request_id(ctx, body.request_id)
            if existing is None:
                raise
    if existing.sender_id != body.sender_id:
        raise ApiError(409, "request_id_in_use", "this request_id names another conversation's rating")
    response.status_code = 200
    return _answer(existing, stored=False)


def _by_request_id(ctx, request_id: str) -> Optional[CsatRating]:
    return ctx.db.scalars(select(CsatRating).where(CsatRating.request_id == request_id)).first()


def _answer(row: CsatRating, stored: bool) -> dict:
    return {"id": row.id, "rating": row.rating, "handled_by": row.handled_by, "stored": stored}
