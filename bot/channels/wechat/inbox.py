"""The durable inbox of customer-service mode: a push is stored here before WeChat
gets `success` (WeChat never resends after it), and leaves only when its turn's
replies were sent or definitively failed.

A SQLite file (`inbox_path`, one per Rasa instance: give each instance its own
persistent path), written with WAL so that a stored item survives a process kill.
An item goes through two phases: stored (the turn has not run to its end) and
answered (the turn's replies are kept with how many went out), so that after a
restart an answered turn is not run again (no second copy of the customer's message
in the conversation); only its unsent replies go out.

The same file keeps the answers to tickets that could not go out (WeChat's 48-hour
window closed, or its 5 messages used up): held per customer, they move into the
replies of the customer's next message in one transaction (`answered(..., with_held)`),
so that a held answer goes out once, before the bot's answer, and survives restarts.

Calls are short and synchronous on the event loop on purpose: between two awaits the
inbox and the connector's per-customer workers cannot disagree.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from typing import Callable, List, Optional

from bot.channels.wechat.inbound import Inbound

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    openid TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    inbound TEXT NOT NULL,
    stored_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    replies TEXT,
    sent INTEGER NOT NULL DEFAULT 0
)
"""
HELD_SCHEMA = """
CREATE TABLE IF NOT EXISTS held (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    openid TEXT NOT NULL,
    ticket TEXT NOT NULL,
    texts TEXT NOT NULL,
    held_at REAL NOT NULL,
    UNIQUE (openid, ticket, texts)
)
"""


@dataclass(frozen=True)
class Item:
    id: int
    inbound: Inbound
    stored_at: float
    attempts: int
    replies: Optional[List[str]]  # None until the turn ran to its end
    sent: int  # how many of `replies` went out


class Inbox:
    def __init__(self, path: str) -> None:
        self.path = path
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a committed item survives a killed process (not a power cut).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute(SCHEMA)
        self._db.execute("CREATE INDEX IF NOT EXISTS inbox_openid ON inbox (openid, id)")
        self._db.execute(HELD_SCHEMA)
        self._db.execute("CREATE INDEX IF NOT EXISTS held_openid ON held (openid, id)")

    def put(self, inbound: Inbound, at: Optional[float] = None) -> bool:
        """Stores a push; False when the same message is in the inbox already."""
        payload = json.dumps(dataclasses.asdict(inbound), ensure_ascii=False)
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO inbox (openid, key, inbound, stored_at) VALUES (?, ?, ?, ?)",
            (inbound.openid, inbound.key, payload, time.time() if at is None else at),
        )
        return cursor.rowcount == 1

    def next_for(self, openid: str) -> Optional[Item]:
        """The customer's oldest item."""
        row = self._db.execute(
            "SELECT id, inbound, stored_at, attempts, replies, sent FROM inbox WHERE openid = ? ORDER BY id LIMIT 1",
            (openid,),
        ).fetchone()
        if row is None:
            return None
        item_id, payload, stored_at, attempts, replies, sent = row
        return Item(
            item_id, Inbound(**json.loads(payload)), stored_at, attempts, json.loads(replies) if replies else None, sent
        )

    def begin(self, item_id: int) -> int:
        """Counts a try at the item's turn; the number of tries so far."""
        self._db.execute("UPDATE inbox SET attempts = attempts + 1 WHERE id = ?", (item_id,))
        row = self._db.execute("SELECT attempts FROM inbox WHERE id = ?", (item_id,)).fetchone()
        return int(row[0]) if row else 0

    def answered(
        self, item_id: int, replies: List[str], fit: Optional[Callable[[List[str], List[str]], List[str]]] = None
    ) -> List[str]:
        """The turn ran: its replies are kept until they went out (and returned). With `fit`,
        the customer's held answers join them: `fit(held texts, replies)` gives the texts
        to send, and the held answers leave in the same transaction."""
        openid_row = self._db.execute("SELECT openid FROM inbox WHERE id = ?", (item_id,)).fetchone()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            held_ids: List[int] = []
            if fit is not None:
                rows = []
                if openid_row is not None:
                    query = "SELECT id, texts FROM held WHERE openid = ? ORDER BY id"
                    rows = self._db.execute(query, openid_row).fetchall()
                held_ids = [row[0] for row in rows]
                replies = fit([text for row in rows for text in json.loads(row[1])], replies)
            self._db.execute(
                "UPDATE inbox SET replies = ?, sent = 0 WHERE id = ?",
                (json.dumps(replies, ensure_ascii=False), item_id),
            )
            self._db.executemany("DELETE FROM held WHERE id = ?", [(held_id,) for held_id in held_ids])
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return replies

    def hold(self, openid: str, ticket: str, texts: List[str], at: Optional[float] = None) -> None:
        """Keeps a ticket's answer for the customer's next message (a repeat of the same
        answer, e.g. the service trying again, is kept once)."""
        self._db.execute(
            "INSERT OR IGNORE INTO held (openid, ticket, texts, held_at) VALUES (?, ?, ?, ?)",
            (openid, ticket, json.dumps(texts, ensure_ascii=False), time.time() if at is None else at),
        )

    def held_tickets(self, openid: str) -> List[str]:
        """The tickets whose answers wait for the customer's next message, oldest first."""
        rows = self._db.execute("SELECT ticket FROM held WHERE openid = ? ORDER BY id", (openid,)).fetchall()
        return [row[0] for row in rows]

    def sent_one(self, item_id: int) -> None:
        self._db.execute("UPDATE inbox SET sent = sent + 1 WHERE id = ?", (item_id,))

    def remove(self, item_id: int) -> None:
        self._db.execute("DELETE FROM inbox WHERE id = ?", (item_id,))

    def openids(self) -> List[str]:
        """Customers with items, oldest first."""
        rows = self._db.execute("SELECT openid FROM inbox GROUP BY openid ORDER BY MIN(id)").fetchall()
        return [row[0] for row in rows]

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0])

    def close(self) -> None:
        self._db.close()
