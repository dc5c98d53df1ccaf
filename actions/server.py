"""The action server: Rasa SDK's, on loopback, answering only Rasa.

`python -m actions.server` (scripts/actions) serves the actions of this package
on `ACTIONS_HOST` (default 127.0.0.1) : `ACTIONS_PORT` (default 5055). Every request
but `GET /health` must carry `Authorization: Bearer $ACTIONS_TOKEN` (Rasa sends it,
endpoints.yml), compared in constant time; anything else gets 401 before an action
runs: a tracker posted from outside cannot make the actions call the backend with
the service key. No CORS; bodies over `ACTIONS_REQUEST_MAX_SIZE` get 413; an
unexpected error answers 500 without echoing the request. Log records are redacted.

It does not start without `ACTIONS_TOKEN`; in production mode (DEPLOY_MODE=production)
not with a demo or missing `ACTIONS_TOKEN`, `SHOP_SERVICE_KEY`, `HANDOFF_SERVICE_KEY`
or `CHANNEL_IDENTITY_SECRET` either (each problem named).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
from typing import List, Optional

from privacy.logs import install_log_redaction

install_log_redaction()

from rasa_sdk import utils  # noqa: E402  (redaction first: it wraps records made from now on)
from rasa_sdk.endpoint import create_app  # noqa: E402
from sanic import Sanic, response  # noqa: E402
from sanic.exceptions import SanicException  # noqa: E402
from sanic.request import Request  # noqa: E402
from sanic.response import HTTPResponse  # noqa: E402

from actions.settings import Settings, load  # noqa: E402
from bot import identity_token  # noqa: E402
from contract import deployment  # noqa: E402

log = logging.getLogger("actions.server")
OPEN_PATHS = frozenset({"/health"})


class RefusedToStart(SystemExit):
    pass


def problems(config: Settings) -> List[str]:
    """What production refuses about the secrets the action server uses."""
    return (
        deployment.secret_problems(
            {
                "ACTIONS_TOKEN": config.server_token,
                "SHOP_SERVICE_KEY": os.environ.get("SHOP_SERVICE_KEY"),
                "HANDOFF_SERVICE_KEY": os.environ.get("HANDOFF_SERVICE_KEY"),
            }
        )
        + identity_token.secret_problems()
    )


def authorized(header: Optional[str], token: str) -> bool:
    """Whether an Authorization header carries the bearer token (constant-time comparison)."""
    scheme, _, given = (header or "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def build_app(config: Settings) -> Sanic:
    app = create_app("actions", cors_origins=None)
    app.config.REQUEST_MAX_SIZE = config.server_request_max_size

    @app.middleware("request")
    async def require_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS or authorized(request.headers.get("Authorization"), config.server_token):
            return None
        return response.json({"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})

    @app.exception(Exception)
    async def error(request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, SanicException):  # 404, 405, 413...: their own status
            return response.json({"error": str(exception)}, status=exception.status_code)
        log.error("action server error on %s %s", request.method, request.path, exc_info=exception)
        return response.json({"error": "internal error"}, status=500)

    return app


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="the action server (loopback, bearer token)")
    parser.add_argument("--port", type=int, default=None, help="default ACTIONS_PORT or 5055")
    parser.add_argument("--host", default=None, help="default ACTIONS_HOST or 127.0.0.1")
    parser.add_argument("--loglevel", default=os.environ.get("ACTIONS_LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    config = load()
    try:
        deployment.refuse_unsafe("action server", problems(config))
    except deployment.UnsafeForProduction as refused:
        raise RefusedToStart(str(refused)) from None
    if not config.server_token:
        raise RefusedToStart("action server: ACTIONS_TOKEN is not set (scripts/secrets generates it)")
    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    host, port = args.host or config.server_host, args.port or config.server_port
    app = build_app(config)
    log.info("Action server on http://%s:%s (bearer token required)", host, port)
    app.run(host, port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
