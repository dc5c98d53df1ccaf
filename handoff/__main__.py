"""Command line: ``python -m handoff serve|create-agent|purge|migrate``."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from contract import deployment
from privacy.logs import install_log_redaction
from servicekit.cli import ServiceCli, serve
from servicekit.clock import Clock
from servicekit.db import session_for

from .db import MIGRATIONS
from .settings import Settings


def production_problems(settings: Settings) -> list[str]:
    """What production mode (contract.deployment) refuses in these settings."""
    problems = deployment.secret_problems(
        {"HANDOFF_SERVICE_KEY": settings.service_key, "HANDOFF_RASA_JWT_SECRET": settings.rasa_jwt_secret}
    )
    if settings.seed_demo_agents:
        problems.append("HANDOFF_SEED_DEMO_AGENTS is on (demo agent accounts); set it to false")
    if not settings.cookie_secure:
        problems.append("HANDOFF_COOKIE_SECURE is false (the session cookie would travel without HTTPS)")
    return problems


def prepare(settings: Settings) -> None:
    """``alembic upgrade head``, then the demo agents and canned replies when enabled."""
    from .seed import demo_password_problem, seed_demo

    deployment.refuse_unsafe("handoff", production_problems(settings))
    MIGRATIONS.upgrade(settings.database_url)
    if not settings.seed_demo_agents:
        return
    log = logging.getLogger("handoff")
    problem = demo_password_problem(settings)
    if problem is not None:
        log.warning("no demo agents seeded: %s (scripts/secrets writes one into var/secrets.env)", problem)
        return
    with session_for(settings.database_url) as db:
        if seed_demo(db, settings, Clock()):
            log.info("seeded the demo agents and canned replies (password: HANDOFF_DEMO_PASSWORD)")


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


def purge(settings: Settings, args: argparse.Namespace) -> int:
    from .retention import purge as purge_old

    MIGRATIONS.upgrade(settings.database_url)
    days = args.days or settings.retention_days
    with session_for(settings.database_url) as db:
        counts = purge_old(db, Clock().now(), days)
    print(f"purge: anonymised {counts.handoffs} handoffs and {counts.tickets} tickets older than {days} days")
    return 0


def run_server(settings: Settings, args: argparse.Namespace) -> int:
    from .app import create_app

    prepare(settings)
    return serve(create_app(settings), args, settings, ws="websockets-sansio")


def main(argv: list[str] | None = None) -> int:
    install_log_redaction()
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
    old = cli.command(
        "purge",
        "anonymise ended handoffs and tickets older than HANDOFF_RETENTION_DAYS (run it daily)",
    )
    old.add_argument("--days", type=int, help="instead of HANDOFF_RETENTION_DAYS")
    handlers = {"serve": run_server, "create-agent": create_agent, "purge": purge}
    return cli.main(argv, settings, handlers)


if __name__ == "__main__":
    sys.exit(main())
