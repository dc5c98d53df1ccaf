"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Optional

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from servicekit.app import service_app
from servicekit.clock import Clock, local_date

from . import business_calendar
from .hub import Hub
from .limits import LoginGate
from .rasa_client import RasaClient
from .reconcile import Reconciler
from .routers import agents, auth, health, kpis, ratings, service_api, service_tickets, ws
from .routers import tickets as ticket_routes
from .settings import Settings
from .ticket_watch import TicketWatcher

CONSOLE_DIR = Path(__file__).resolve().parent / "console"

DESCRIPTION = """
The human-handoff service (contract: `handoff/API.md`).

* Bot-side endpoints need the header `X-Service-Key`; console endpoints the cookie
  `handoff_session` set by `POST /api/auth/login`. Without them: 401 `unauthorized`.
* Errors: `{"error": {"code": "<machine_code>", "message": "<English text>"}}`.
* Times are ISO 8601 in the service's time zone (+08:00).
"""


def create_app(settings: Optional[Settings] = None, clock: Optional[Clock] = None) -> FastAPI:
    """Builds the app on ``settings`` (default: the environment). Does not migrate:
    ``python -m handoff serve`` migrates and seeds before serving."""
    settings = settings or Settings()
    hub = Hub(redis_url=settings.redis_url, channel=settings.redis_channel)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The HTTP client belongs to the loop that serves: created here, not at build time.
        app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_jwt_secret, settings.rasa_timeout_seconds)
        await hub.start()
        # Rasa's pause repaired from the handoffs' state, queue updates: in the background
        app.state.reconciler = Reconciler(app.state.sessionmaker, settings, app.state.clock, hub, app.state.rasa)
        app.state.reconciler.start()
        app.state.ticket_watcher = TicketWatcher(app.state.sessionmaker, settings, app.state.clock, hub, app.state.rasa)
        app.state.ticket_watcher.start()
        business_calendar.warn_if_incomplete(
            settings.calendar, settings.business_calendar, local_date(app.state.clock.now(), settings.tz)
        )
        try:
            yield
        finally:
            await app.state.ticket_watcher.stop()
            await app.state.reconciler.stop()
            await hub.stop()
            await app.state.rasa.aclose()
            app.state.login_gate.shutdown()

    app = service_app(settings, clock, "handoff", "Handoff service", DESCRIPTION, lifespan=lifespan)
    app.state.hub = hub
    app.state.login_gate = LoginGate(settings.login_hash_workers, settings.login_max_pending)

    app.include_router(health.router)
    app.include_router(service_api.router)
    app.include_router(service_tickets.router)
    app.include_router(ratings.router)
    app.include_router(auth.router)
    app.include_router(agents.router)
    app.include_router(ticket_routes.router)
    app.include_router(kpis.router)
    app.include_router(ws.router)

    @app.get("/", include_in_schema=False)
    @app.get("/console", include_in_schema=False)
    def to_console() -> RedirectResponse:
        return RedirectResponse("/console/")

    # check_dir=False: the console's files are another part's; the app starts without them.
    app.mount("/console", StaticFiles(directory=CONSOLE_DIR, html=True, check_dir=False), name="console")
    return app
