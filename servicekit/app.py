"""The FastAPI application both services build on: ``service_app(...)``."""

from __future__ import annotations

import logging
from typing import Any, Optional

from fastapi import FastAPI

from .clock import Clock
from .db import make_engine, make_sessionmaker
from .errors import ErrorBody, install_handlers
from .settings import ServiceSettings


def service_app(settings: ServiceSettings, clock: Optional[Clock], log: logging.Logger, **fastapi_args: Any) -> FastAPI:
    """A FastAPI app with ``app.state.settings``, ``engine``, ``sessionmaker`` and ``clock``, the
    error envelope installed and 401 documented on every route. Does not migrate."""
    engine = make_engine(settings.database_url)
    app = FastAPI(responses={401: {"model": ErrorBody, "description": "`unauthorized`"}}, **fastapi_args)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.clock = clock or Clock()
    install_handlers(app, log)
    return app
