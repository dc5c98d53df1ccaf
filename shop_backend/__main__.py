"""Command line: ``python -m shop_backend serve|seed|purge-codes|migrate``."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from contract.deployment import UnsafeForProduction, refuse_unsafe
from privacy.logs import install_log_redaction
from servicekit.cli import ServiceCli, serve
from servicekit.clock import Clock
from servicekit.db import session_for

from .db import MIGRATIONS
from .settings import Settings, production_problems


def prepare(settings: Settings, volume: bool = False, reset: bool = False, **volume_args) -> dict:
    """Migrate to head, seed the contract records (and the volume when asked)."""
    from .seed import counts, seed_contract, seed_volume

    log = logging.getLogger("shop_backend")
    MIGRATIONS.upgrade(settings.database_url)
    with session_for(settings.database_url) as session:
        if seed_contract(session, settings, Clock(), reset=reset):
            log.info("seeded the contract records")
        if volume:
            started = time.monotonic()
            if seed_volume(session, settings, **volume_args):
                log.info("volume seeded in %.1f s", time.monotonic() - started)
            else:
                log.info("volume already there")
        return counts(session)


def seed(settings: Settings, args: argparse.Namespace) -> int:
    result = prepare(
        settings, volume=args.volume, reset=args.reset, customers=args.customers, orders=args.orders, seed=args.seed
    )
    print(" ".join(f"{k}={v}" for k, v in result.items()))
    return 0


def purge_codes(settings: Settings, args: argparse.Namespace) -> int:
    """Deletes expired verification codes and throttle rows that no longer count (daily)."""
    from .service import purge_codes as purge

    MIGRATIONS.upgrade(settings.database_url)
    with session_for(settings.database_url) as session:
        result = purge(session, settings, Clock().now())
        session.commit()
    print(" ".join(f"{k}={v}" for k, v in result.items()))
    return 0


def run_server(settings: Settings, args: argparse.Namespace) -> int:
    from .app import create_app

    try:
        refuse_unsafe("shop backend", production_problems(settings))
    except UnsafeForProduction as exc:
        print(exc, file=sys.stderr)
        return 2
    if settings.seed_on_start or args.volume:
        prepare(settings, volume=args.volume)
    else:
        MIGRATIONS.upgrade(settings.database_url)
    return serve(create_app(settings), args, settings)


def main(argv: list[str] | None = None) -> int:
    cli = ServiceCli(
        "python -m shop_backend",
        "Reference order/account backend (settings: SHOP_* variables)",
        MIGRATIONS,
        serve_help="migrate, seed the contract records, serve HTTP",
        port=8100,
    )
    cli.serve.add_argument("--volume", action="store_true", help="also seed the generated volume")
    seeding = cli.command("seed", "migrate and seed (idempotent)")
    seeding.add_argument("--volume", action="store_true", help="also generate ≥1,000 customers, ≥5,000 orders")
    seeding.add_argument("--customers", type=int, default=1000)
    seeding.add_argument("--orders", type=int, default=5000)
    seeding.add_argument("--seed", type=int, default=20261101, help="random seed of the volume")
    seeding.add_argument(
        "--reset", action="store_true", help="re-create the contract records (their times are relative to now)"
    )
    cli.command("purge-codes", "delete expired verification codes and old SMS throttle rows (run daily)")
    install_log_redaction()
    return cli.main(argv, Settings(), {"serve": run_server, "seed": seed, "purge-codes": purge_codes})


if __name__ == "__main__":
    sys.exit(main())
