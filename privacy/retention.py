"""Retention of Rasa conversations: purge or anonymise what is older than RETENTION_DAYS.

    scripts/retention [--days N] [--mode purge|anonymise] [--endpoints endpoints.yml] [--url URL] [--dry-run]

Works on Rasa's SQL tracker store (the `events` table of `rasa.core.tracker_store.
SQLTrackerStore`): the SQLite file of the embedded default (var/rasa_tracker.db) and a
PostgreSQL one alike. The store is the `tracker_store` of endpoints.yml (the same
keys Rasa reads: dialect, url, port, db, username, password, query; `${VAR}` taken
from the environment), or RETENTION_TRACKER_URL / --url (an SQLAlchemy URL).

What is old: every event of a conversation whose latest event is older than the
cut-off, and, in a conversation still going on, the events older than the cut-off
that belong to an earlier session (before its latest `session_started`, which Rasa
no longer reads). The current session of a live conversation is never touched.

- `purge` (the default) deletes those events.
- `anonymise` keeps them for statistics and training, rewritten: the sender id
  becomes a random `anonymised-…` id (one per conversation per run, unlinkable to the
  customer's channel id), every text goes through privacy.mask_text, metadata
  (identity tokens, channel data) is dropped, and slot values other than yes/no
  become null. Conversations anonymised before are left alone.

Settings (environment; the command line wins):
- RETENTION_DAYS: conversations are kept this many days (default 30).
- RETENTION_MODE: purge | anonymise (default purge).
- RETENTION_TRACKER_URL: the tracker store's SQLAlchemy URL (default: endpoints.yml).

Schedule: once a day, e.g. from cron at 03:15 (the quiet hours):

    15 3 * * *  cd /path/to/checkout && scripts/retention >> var/retention.log 2>&1

or a systemd timer with `OnCalendar=*-*-* 03:15:00`. A run is idempotent and can be
repeated at any time; it prints what it did (counts only, never a sender id).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence

import sqlalchemy as sa

from privacy.masking import mask_text

DEFAULT_DAYS = 30
MODES = ("purge", "anonymise")
DEFAULT_MODE = "purge"
ANONYMISED_PREFIX = "anonymised-"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ENDPOINTS = ROOT / "endpoints.yml"
SESSION_STARTED = "session_started"
# Keys of an event that never survive anonymisation.
_DROPPED_KEYS = frozenset({"metadata"})


@dataclass(frozen=True)
class RetentionSettings:
    days: int = DEFAULT_DAYS
    mode: str = DEFAULT_MODE
    tracker_url: Optional[str] = None

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> RetentionSettings:
        environ = os.environ if environ is None else environ
        days = int(environ.get("RETENTION_DAYS") or DEFAULT_DAYS)
        mode = (environ.get("RETENTION_MODE") or DEFAULT_MODE).strip().lower()
        return cls(days=days, mode=mode, tracker_url=environ.get("RETENTION_TRACKER_URL") or None).checked()

    def checked(self) -> RetentionSettings:
        if self.days < 1:
            raise ValueError(f"RETENTION_DAYS must be at least 1, not {self.days}")
        if self.mode not in MODES:
            raise ValueError(f"RETENTION_MODE must be one of {', '.join(MODES)}, not {self.mode!r}")
        return self


@dataclass
class Report:
    conversations: int = 0
    events: int = 0

    def __str__(self) -> str:
        return f"{self.conversations} conversations, {self.events} events"


def tracker_store_url(endpoints: Path = DEFAULT_ENDPOINTS) -> str:
    """The SQLAlchemy URL of the SQL tracker store that Rasa reads from `endpoints`."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None or (config.type or "").lower() not in ("sql", "rasa.core.tracker_store.sqltrackerstore"):
        raise ValueError(f"{endpoints}: the tracker store is not Rasa's SQL tracker store")
    kwargs = config.kwargs
    url = SQLTrackerStore.get_db_url(
        kwargs.get("dialect", "sqlite"),
        config.url,
        kwargs.get("port"),
        kwargs.get("db", "rasa.db"),
        kwargs.get("username"),
        kwargs.get("password"),
        None,
        kwargs.get("query"),
    )
    url = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # relative to the project, as scripts/start runs Rasa
        url = "sqlite:///" + str(ROOT / url.removeprefix("sqlite:///"))
    return url


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items() if k not in _DROPPED_KEYS}
    return value


def anonymised_event(data: Dict[str, Any]) -> Dict[str, Any]:
    """An event (as Rasa stores it) without what points to a person."""
    event = _masked(data)
    if event.get("event") == "slot" and not isinstance(event.get("value"), bool):
        event["value"] = None
    return event


def _old_events(events: sa.Table, cutoff: float):
    """The condition that selects the events to purge or anonymise (see the module's docstring)."""
    other = events.alias("other")
    last = sa.select(sa.func.max(other.c.timestamp)).where(other.c.sender_id == events.c.sender_id).scalar_subquery()
    session = (
        sa.select(sa.func.max(other.c.timestamp))
        .where(other.c.sender_id == events.c.sender_id, other.c.type_name == SESSION_STARTED)
        .scalar_subquery()
    )
    return sa.and_(
        events.c.timestamp < cutoff,
        sa.or_(last < cutoff, events.c.timestamp < session),
        sa.not_(events.c.sender_id.startswith(ANONYMISED_PREFIX)),
    )


def apply_retention(url: str, days: int, mode: str, now: Optional[float] = None, dry_run: bool = False) -> Report:
    """Purges or anonymises the old events of the tracker store at `url`; what it touched."""
    RetentionSettings(days=days, mode=mode).checked()
    cutoff = (time.time() if now is None else now) - days * 86_400
    engine = sa.create_engine(url)
    try:
        if not sa.inspect(engine).has_table("events"):
            return Report()  # Rasa has not stored a conversation yet
        events = sa.Table("events", sa.MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            where = _old_events(events, cutoff)
            rows = connection.execute(sa.select(events.c.id, events.c.sender_id, events.c.data).where(where)).all()
            report = Report(conversations=len({row.sender_id for row in rows}), events=len(rows))
            if dry_run or not rows:
                return report
            ids = [row.id for row in rows]
            if mode == "purge":
                for start in range(0, len(ids), 500):
                    connection.execute(events.delete().where(events.c.id.in_(ids[start : start + 500])))
                return report
            pseudonyms: Dict[str, str] = {}
            for row in rows:
                pseudonym = pseudonyms.setdefault(row.sender_id, ANONYMISED_PREFIX + uuid.uuid4().hex)
                try:
                    data = json.dumps(anonymised_event(json.loads(row.data or "{}")), ensure_ascii=False)
                except ValueError:
                    data = "{}"
                connection.execute(events.update().where(events.c.id == row.id).values(sender_id=pseudonym, data=data))
            return report
    finally:
        engine.dispose()


def main(argv: Optional[Sequence[str]] = None) -> int:
    settings = RetentionSettings.from_env()
    parser = argparse.ArgumentParser(description="Purge or anonymise Rasa conversations older than N days.")
    parser.add_argument("--days", type=int, default=settings.days, help=f"default RETENTION_DAYS or {DEFAULT_DAYS}")
    parser.add_argument("--mode", choices=MODES, default=settings.mode, help="default RETENTION_MODE or purge")
    parser.add_argument("--endpoints", type=Path, default=DEFAULT_ENDPOINTS, help="where the tracker store is set")
    parser.add_argument("--url", default=settings.tracker_url, help="the tracker store's SQLAlchemy URL")
    parser.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    args = parser.parse_args(argv)
    url = args.url or tracker_store_url(args.endpoints)
    report = apply_retention(url, args.days, args.mode, dry_run=args.dry_run)
    verb = "would be " if args.dry_run else ""
    done = {"purge": "purged", "anonymise": "anonymised"}[args.mode]
    print(f"retention ({args.days} days): {report} {verb}{done}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
