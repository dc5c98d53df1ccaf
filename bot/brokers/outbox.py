"""The relay's durable outbox: one SQLite file (WAL) of events not yet acknowledged.

A row is appended (and committed, fsync'd) before `publish` returns and deleted only once
the handoff service acknowledged it; ids grow, so a sender's rows in id order are its
messages in order. One Rasa process owns one outbox file: it holds an exclusive lock on
`<outbox>.lock` while open, and a second process (`rasa shell` beside `rasa run` with the
same endpoints) is refused at start, since two deliverers would break the order. Text is stored as ASCII JSON
(a lone surrogate cannot break an insert).
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Text, Tuple

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS outbox ("
    " id INTEGER PRIMARY KEY,"
    " sender_id TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " created_at REAL NOT NULL)"
)


class OutboxInUse(RuntimeError):
    pass


class Outbox:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = open(path.with_name(path.name + ".lock"), "a")  # noqa: SIM115  (held while open)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise OutboxInUse(
                f"the handoff relay outbox {path} is used by another Rasa process; "
                "give this one its own (HANDOFF_OUTBOX_PATH or `outbox` in endpoints.yml)"
            ) from None
        # autocommit: every statement is its own transaction, committed when it returns
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a committed row survives a power cut too
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute(SCHEMA)

    def append(self, sender_id: Text, body: Dict[Text, Any]) -> int:
        cursor = self._db.execute(
            "INSERT INTO outbox (sender_id, body, created_at) VALUES (?, ?, ?)",
            (json.dumps(sender_id), json.dumps(body), time.time()),
        )
        return int(cursor.lastrowid or 0)

    def rows(self) -> Iterator[Tuple[int, Text]]:
        """(id, sender_id) of every undelivered event, oldest first."""
        for row_id, sender in self._db.execute("SELECT id, sender_id FROM outbox ORDER BY id").fetchall():
            yield row_id, json.loads(sender)

    def body(self, row_id: int) -> Optional[Dict[Text, Any]]:
        row = self._db.execute("SELECT body FROM outbox WHERE id = ?", (row_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def delete(self, row_id: int) -> None:
        self._db.execute("DELETE FROM outbox WHERE id = ?", (row_id,))

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def close(self) -> None:
        self._db.close()
        self._lock.close()  # releases the lock
