"""The FastAPI application both services build on: ``service_app(...)``."""

from __future__ import annotations

import importlib
import logging
from typing import Any, Optional

from fastapi import FastAPI

from .clock import Clock
from .db import make_engine, make_sessionmaker
from .errors import ErrorBody, install_handlers
from .settings import ServiceSettings


def service_app(
    settings: ServiceSettings, clock: Optional[Clock], package: str, title: str, description: str, **fastapi_args: Any
) -> FastAPI:
    """The FastAPI app of the service ``package`` (its ``__version__``; its logger logs unexpected
    errors) with ``app.state.settings``, ``engine``, ``sessionmaker`` and ``clock``, the error
    envelope installed and 401 documented on every route. Does not migrate."""
    engine = make_engine(settings.database_url)
    app = FastAPI(
        title=title,
        version=getattr(importlib.import_module(package), "__version__", "0"),
        description=description,
        responses={401: {"model": ErrorBody, "description": "`unauthorized`"}},
        **fastapi_args,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.clock = clock or Clock()
    install_handlers(app, logging.getLogger(package))
    return app
