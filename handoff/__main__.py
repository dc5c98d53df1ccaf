"""Command line: ``python -m handoff serve|create-agent|migrate``."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from servicekit.cli import ServiceCli, serve
from servicekit.clock import Clock
from servicekit.db import session_for

from .db import MIGRATIONS
from .settings import Settings


def prepare(settings: Settings) -> None:
    """``alembic upgrade head``, then the demo agents and canned replies when enabled."""
    from .seed import seed_demo

    MIGRATIONS.upgrade(settings.database_url)
    if not settings.seed_demo_agents:
        return
    with session_for(settings.database_url) as db:
        if seed_demo(db, settings, Clock()):
            logging.getLogger("handoff").info("seeded the demo agents and canned replies")


def create_agent(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from .models import Agent
    from .seed import create_agent as add_agent

    password = args.password or getpass.getpass(f"password for {args.username}: ")
    if len(password) < 8:
        print("create-agent: the password needs at least 8 characters", file=sys.stderr)
        return 2
    MIGRATIONS.upgrade(settings.database_url)
    with session_for(settings.database_url) as db:
        if db.scalars(select(Agent).where(Agent.username == args.username)).first():
            print(f"create-agent: {args.username} exists already", file=sys.stderr)
            return 1
        agent = add_agent(db, args.username, args.display_name or args.username, args.role, password, Clock())
        db.commit()
        print(f"created agent {agent.id} {agent.username} ({agent.role})")
    return 0


def run_server(settings: Settings, args: argparse.Namespace) -> int:
    from .app import create_app

    prepare(settings)
    return serve(create_app(settings), args, settings, ws="websockets-sansio")


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    cli = ServiceCli(
        "python -m handoff",
        "Human-handoff service (settings: HANDOFF_* variables)",
        MIGRATIONS,
        serve_help="migrate, seed the demo agents (when enabled), serve HTTP",
        host=settings.host,
        port=settings.port,
    )
    new = cli.command("create-agent", "add an agent or supervisor")
    new.add_argument("--username", required=True)
    new.add_argument("--display-name")
    new.add_argument("--role", choices=("agent", "supervisor"), default="agent")
    new.add_argument("--password", help="asked for when not given")
    return cli.main(argv, settings, {"serve": run_server, "create-agent": create_agent})


if __name__ == "__main__":
    sys.exit(main())
