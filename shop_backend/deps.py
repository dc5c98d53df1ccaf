"""FastAPI dependencies: service key, request context, Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import Annotated, Any, Callable, Iterator, Optional

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from contract.http import REQUESTER_HEADER
from servicekit.deps import service_key_dependency
from servicekit.errors import ApiError

from .models import IdempotencyRecord, Order
from .service import Ctx, get_order

log = logging.getLogger("shop_backend")


require_service_key = service_key_dependency("SHOP_SERVICE_KEY")


def get_ctx(request: Request) -> Iterator[Ctx]:
    state = request.app.state
    with state.sessionmaker() as session:
        yield Ctx(db=session, settings=state.settings, clock=state.clock)


CtxDep = Annotated[Ctx, Depends(get_ctx)]


class Idempotency:
    """Runs a state-changing handler once per (Idempotency-Key, customer).

    The first answer, success or contract error, is stored with the changes in one
    transaction; the same key again returns it without running the handler. The same
    key with a different request is a `validation_error`.
    """

    def __init__(self, request: Request, key: Optional[str]) -> None:
        self.request = request
        self.key = key

    def run(
        self, ctx: Ctx, scope: str, payload: Any, handler: Callable[[], BaseModel], status_code: int = 200
    ) -> JSONResponse:
        req_hash = hashlib.sha256(
            json.dumps(
                [self.request.method, self.request.url.path, payload], sort_keys=True, ensure_ascii=False, default=str
            ).encode()
        ).hexdigest()
        if self.key:
            found = self._find(ctx, scope)
            if found is not None:
                return self._replay(found, req_hash)
        try:
            result = handler()
            code, body = status_code, result.model_dump(mode="json", exclude_none=False)
        except ApiError as exc:
            ctx.db.rollback()
            if not self.key or exc.status == 429:  # a throttled request is not an answer to keep
                raise
            code, body = exc.status, exc.body()
        if self.key:
            ctx.db.add(
                IdempotencyRecord(
                    key=self.key,
                    scope=scope,
                    method=self.request.method,
                    path=self.request.url.path,
                    request_hash=req_hash,
                    status_code=code,
                    body=body,
                    created_at=ctx.clock.now(),
                )
            )
        try:
            ctx.db.commit()
        except IntegrityError:  # the same key raced in from another request
            ctx.db.rollback()
            found = self._find(ctx, scope)
            if found is None:
                raise
            return self._replay(found, req_hash)
        return JSONResponse(body, status_code=code)

    def with_body(
        self, ctx: Ctx, scope: str, body: BaseModel, handler: Callable[[], BaseModel], status_code: int = 200
    ) -> JSONResponse:
        """``run`` with the request body as what must match on a replay."""
        return self.run(ctx, scope, body.model_dump(), handler, status_code)

    def on_order(
        self,
        ctx: Ctx,
        order_id: str,
        body: Any,
        action: Callable[[Order], BaseModel],
        status_code: int = 200,
        lock: bool = True,
    ) -> JSONResponse:
        """``run`` for a POST about one order of ``body.customer_id``: the order (locked for the
        change unless ``lock`` is false) is looked up inside the run and handed to ``action``."""

        def handler() -> BaseModel:
            return action(get_order(ctx, order_id, body.customer_id, lock=lock))

        return self.with_body(ctx, body.customer_id, body, handler, status_code)

    def _find(self, ctx: Ctx, scope: str) -> Optional[IdempotencyRecord]:
        ttl = timedelta(hours=ctx.settings.idempotency_ttl_hours)
        ctx.db.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < ctx.clock.now() - ttl))
        return ctx.db.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.key == self.key, IdempotencyRecord.scope == scope)
        ).first()

    def _replay(self, record: IdempotencyRecord, req_hash: str) -> JSONResponse:
        if record.request_hash != req_hash:
            raise ApiError(422, "validation_error", "Idempotency-Key already used with a different request")
        return JSONResponse(record.body, status_code=record.status_code, headers={"Idempotent-Replayed": "true"})


def get_idempotency(
    request: Request,
    idempotency_key: Annotated[
        Optional[str],
        Header(max_length=200, description="Same key + same customer → the first result again, nothing changed twice"),
    ] = None,
) -> Idempotency:
    return Idempotency(request, idempotency_key)


IdemDep = Annotated[Idempotency, Depends(get_idempotency)]


def get_requester(
    requester: Annotated[
        Optional[str],
        Header(
            alias=REQUESTER_HEADER,
            description="Who asks (the action server sends the conversation's sender id): codes are throttled "
            "per requester; requests without it share one requester",
        ),
    ] = None,
) -> Optional[str]:
    return requester or None


RequesterDep = Annotated[Optional[str], Depends(get_requester)]


def phone_scope(phone: str) -> str:
    """Idempotency scope of a request made before the customer is known (no phone stored)."""
    return "phone:" + hashlib.sha256(phone.encode()).hexdigest()[:32]
