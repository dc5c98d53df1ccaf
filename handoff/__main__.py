"""Command line: ``python -m handoff serve|create-agent|migrate``."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from .settings import Settings


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def prepare(settings: Settings) -> None:
    """``alembic upgrade head``, then the demo agents and canned replies when enabled."""
    from .clock import Clock
    from .db import make_engine, make_sessionmaker, migrate
    from .seed import seed_demo

    migrate(settings.database_url)
    if not settings.seed_demo_agents:
        return
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as db:
            if seed_demo(db, settings, Clock()):
                logging.getLogger("handoff").info("seeded the demo agents and canned replies")
    finally:
        engine.dispose()


def create_agent(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from .clock import Clock
    from .db import make_engine, make_sessionmaker, migrate
    from .models import Agent
    from .seed import create_agent as add_agent

    password = args.password or getpass.getpass(f"password for {args.username}: ")
    if len(password) < 8:
        print("create-agent: the password needs at least 8 characters", file=sys.stderr)
        return 2
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as db:
            if db.scalars(select(Agent).where(Agent.username == args.username)).first():
                print(f"create-agent: {args.username} exists already", file=sys.stderr)
                return 1
            agent = add_agent(db, args.username, args.display_name or args.username, args.role, password, Clock())
            db.commit()
            print(f"created agent {agent.id} {agent.username} ({agent.role})")
    finally:
        engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    parser = argparse.ArgumentParser(
        prog="python -m handoff", description="Human-handoff service (settings: HANDOFF_* variables)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, seed the demo agents (when enabled), serve HTTP")
    serve.add_argument("--host", default=settings.host)
    serve.add_argument("--port", type=int, default=settings.port)
    new = sub.add_parser("create-agent", help="add an agent or supervisor")
    new.add_argument("--username", required=True)
    new.add_argument("--display-name")
    new.add_argument("--role", choices=("agent", "supervisor"), default="agent")
    new.add_argument("--password", help="asked for when not given")
    sub.add_parser("migrate", help="alembic upgrade head")
    args = parser.parse_args(argv)

    _setup_logging(settings.log_level)
    if args.command == "migrate":
        from .db import migrate

        migrate(settings.database_url)
        return 0
    if args.command == "create-agent":
        return create_agent(settings, args)

    import uvicorn

    from .app import create_app

    prepare(settings)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        log_config=None,
        ws="websockets-sansio",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
