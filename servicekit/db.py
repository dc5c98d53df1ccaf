"""Engine, sessions and schema migrations (Alembic, applied programmatically)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its folder created and foreign keys enforced."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"future": True}
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if sqlite:

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_for(url: str) -> Iterator[Session]:
    """A session on a short-lived engine of ``url`` (command line, seeding, tests)."""
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


class Migrations:
    """A service's Alembic folder: ``Migrations(Path(__file__).parent / "migrations")``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def config(self, url: str) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.folder))
        # Passed beside the ini options: a URL may hold '%', which configparser rejects.
        cfg.attributes["database_url"] = url
        return cfg

    def upgrade(self, url: str, revision: str = "head") -> None:
        """``alembic upgrade <revision>`` on ``url``."""
        if make_url(url).get_backend_name() == "sqlite":
            make_engine(url).dispose()  # creates the folder of the database file
        command.upgrade(self.config(url), revision)

    def downgrade(self, url: str, revision: str = "base") -> None:
        command.downgrade(self.config(url), revision)
