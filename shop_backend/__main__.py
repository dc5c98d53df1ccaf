"""Command line: ``python -m shop_backend serve|seed|migrate``."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from .settings import Settings


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def prepare(settings: Settings, volume: bool = False, reset: bool = False, **volume_args) -> dict:
    """Migrate to head, seed the contract records (and the volume when asked)."""
    from .clock import Clock
    from .db import make_engine, make_sessionmaker, migrate
    from .seed import counts, seed_contract, seed_volume

    log = logging.getLogger("shop_backend")
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            if seed_contract(session, settings, Clock(), reset=reset):
                log.info("seeded the contract records")
            if volume:
                started = time.monotonic()
                if seed_volume(session, settings, **volume_args):
                    log.info("volume seeded in %.1f s", time.monotonic() - started)
                else:
                    log.info("volume already there")
            return counts(session)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shop_backend", description="Reference order/account backend (settings: SHOP_* variables)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, seed the contract records, serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8100)
    serve.add_argument("--volume", action="store_true", help="also seed the generated volume")
    seed = sub.add_parser("seed", help="migrate and seed (idempotent)")
    seed.add_argument("--volume", action="store_true", help="also generate ≥1,000 customers, ≥5,000 orders")
    seed.add_argument("--customers", type=int, default=1000)
    seed.add_argument("--orders", type=int, default=5000)
    seed.add_argument("--seed", type=int, default=20261101, help="random seed of the volume")
    seed.add_argument(
        "--reset", action="store_true", help="re-create the contract records (their times are relative to now)"
    )
    sub.add_parser("migrate", help="alembic upgrade head")
    args = parser.parse_args(argv)

    settings = Settings()
    _setup_logging(settings.log_level)
    if args.command == "migrate":
        from .db import migrate

        migrate(settings.database_url)
        return 0
    if args.command == "seed":
        result = prepare(
            settings, volume=args.volume, reset=args.reset, customers=args.customers, orders=args.orders, seed=args.seed
        )
        print(" ".join(f"{k}={v}" for k, v in result.items()))
        return 0

    import uvicorn

    from .app import create_app

    if settings.seed_on_start or args.volume:
        prepare(settings, volume=args.volume)
    else:
        from .db import migrate

        migrate(settings.database_url)
    uvicorn.run(
        create_app(settings), host=args.host, port=args.port, log_level=settings.log_level.lower(), log_config=None
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
