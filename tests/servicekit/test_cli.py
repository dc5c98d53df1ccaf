"""The command line scaffolding: serve's options, migrate, the service's own commands."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from servicekit.cli import ServiceCli
from servicekit.db import make_engine
from servicekit.settings import ServiceSettings

from .support import MIGRATIONS


def _cli() -> ServiceCli:
    return ServiceCli("python -m kit", "The kit's sample service", MIGRATIONS, serve_help="serve HTTP", port=8300)


def test_migrate(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _cli().main(["migrate"], ServiceSettings(database_url=url), {}) == 0
    engine = make_engine(url)
    try:
        assert {"parents", "children", "alembic_version"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_commands_reach_their_handlers(tmp_path):
    settings = ServiceSettings(database_url=f"sqlite:///{tmp_path / 'unused.db'}")
    seen = {}
    cli = _cli()
    cli.command("hello", "say hello").add_argument("--name", default="world")
    handlers = {
        "serve": lambda given, args: seen.update(serve=(given, args.host, args.port)) or 0,
        "hello": lambda given, args: 7 if args.name == "x" else 1,
    }
    assert cli.main(["hello", "--name", "x"], settings, handlers) == 7
    assert _cli().main(["serve"], settings, handlers) == 0
    assert seen["serve"] == (settings, "127.0.0.1", 8300)
    with pytest.raises(SystemExit) as exit_info:
        _cli().main(["bogus"], settings, handlers)
    assert exit_info.value.code == 2
