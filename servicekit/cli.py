"""The command line both services share: ``python -m <service> serve|migrate|…``.

    cli = ServiceCli("python -m shop_backend", "…", MIGRATIONS, serve_help="…", port=8100)
    cli.command("seed", "migrate and seed").add_argument("--volume", action="store_true")
    return cli.main(argv, Settings(), {"serve": run_server, "seed": seed})  # each f(settings, args)

``migrate`` (``alembic upgrade head``) is always there; the other commands are the service's.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any, Callable, Mapping, Optional

from fastapi import FastAPI

from .db import Migrations
from .settings import ServiceSettings

# A command: (the service's settings, the parsed arguments) → exit status.
Handler = Callable[[Any, argparse.Namespace], int]


def setup_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


class ServiceCli:
    """An argument parser with ``serve --host --port`` first and ``migrate`` last."""

    def __init__(
        self,
        prog: str,
        description: str,
        migrations: Migrations,
        serve_help: str,
        host: str = "127.0.0.1",
        port: int = 8000,
    ) -> None:
        self.migrations = migrations
        self.parser = argparse.ArgumentParser(prog=prog, description=description)
        self._commands = self.parser.add_subparsers(dest="command", required=True)
        self.serve = self.command("serve", serve_help)
        self.serve.add_argument("--host", default=host)
        self.serve.add_argument("--port", type=int, default=port)

    def command(self, name: str, help: str) -> argparse.ArgumentParser:
        return self._commands.add_parser(name, help=help)

    def main(self, argv: Optional[list[str]], settings: ServiceSettings, handlers: Mapping[str, Handler]) -> int:
        """Parses ``argv``, sets up logging, runs ``migrate`` or the handler of the command."""
        self.command("migrate", "alembic upgrade head")
        args = self.parser.parse_args(argv)
        setup_logging(settings.log_level)
        if args.command == "migrate":
            self.migrations.upgrade(settings.database_url)
            return 0
        return handlers[args.command](settings, args)


def serve(app: FastAPI, args: argparse.Namespace, settings: ServiceSettings, **uvicorn_options: Any) -> int:
    """Serves ``app`` with uvicorn on ``--host``/``--port``, logging through the service's setup."""
    import uvicorn

    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        log_config=None,
        **uvicorn_options,
    )
    return 0
