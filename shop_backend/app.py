"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Optional

from fastapi import APIRouter, Depends, FastAPI, Request, Response

from servicekit.app import service_app
from servicekit.clock import Clock

from . import sms
from .deps import require_service_key
from .routers import customers, health, identity, orders
from .settings import Settings

DESCRIPTION = """
The reference order/account service that the assistant's actions call
(contract: `shop_backend/CONTRACT.md`).

* Every `/v1` endpoint needs the header `X-Service-Key`; without it or with a wrong one
  the answer is 401 `unauthorized`.
* Errors: `{"error": {"code": "<machine_code>", "message": "<English text>"}}`.
* State-changing POSTs accept `Idempotency-Key`: the same key for the same customer
  returns the first result again and changes nothing twice.
* Times are ISO 8601 with +08:00; money is a string with two decimals.
"""

TAGS = [
    {"name": "health", "description": "Liveness, without a key."},
    {"name": "identity", "description": "SMS verification codes and channel accounts."},
    {"name": "customers", "description": "Profile, points, membership, password and phone."},
    {
        "name": "orders",
        "description": "Orders, logistics, returns, refunds and invoices. A customer sees only their own orders.",
    },
]


def create_app(settings: Optional[Settings] = None, clock: Optional[Clock] = None) -> FastAPI:
    """Builds the app on ``settings`` (default: the environment). Does not migrate:
    ``python -m shop_backend serve`` migrates and seeds before serving."""
    settings = settings or Settings()
    sms.check_gateway(settings)
    app = service_app(settings, clock, "shop_backend", "Shop order/account backend", DESCRIPTION, openapi_tags=TAGS)
    app.include_router(health.router)
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_service_key)])
    v1.include_router(identity.router)
    v1.include_router(customers.router)
    v1.include_router(orders.router)
    app.include_router(v1)
    if settings.test_delay_seconds:
        _delay_answers(app, settings.test_delay_seconds)
    return app


def _delay_answers(app: FastAPI, seconds: float) -> None:
    """A slow backend for fault-injection tests (SHOP_TEST_DELAY_SECONDS): every /v1 answer
    comes `seconds` late; /health stays prompt so that a restart is seen at once."""

    @app.middleware("http")
    async def delay(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.url.path.startswith("/v1"):
            await asyncio.sleep(seconds)
        return await call_next(request)
