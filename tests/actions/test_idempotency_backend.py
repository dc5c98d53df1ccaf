"""Idempotency keys against the REAL shop backend (scripts/backend on a fresh SQLite database):
the same errand in two sessions runs twice, the same customer message handled again once.

The password reset is the errand of the report: with keys built from the turn counter,
which restarts with every session, the second session's reset sent the first one's key,
the backend replayed the stored answer ("sent") and sent nothing. The backend keeps one
idempotency record per request it ran (shop_backend/deps.py Idempotency); a password
reset writes nothing else a test can read (no outbox line: the outbox holds verification
codes only), so the records are what is counted.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from pathlib import Path

from actions import errand_actions
from actions.backend_client import BackendClient
from actions.settings import settings
from tests.actions.inprocess.test_idempotency import session
from tests.actions.inprocess.trackers import run
from tests.services import SHOP_SERVICE_KEY, running_backend

HOUR = 3600.0


def password_resets_run(state: Path) -> int:
    with sqlite3.connect(state / "shop.db") as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM idempotency_records WHERE path = '/v1/customers/C0001/password-reset'"
        ).fetchone()
    return count


def test_two_password_resets_in_two_sessions_are_two_resets(tmp_path, monkeypatch):
    with running_backend(tmp_path) as url:
        client = BackendClient(replace(settings, backend_url=url, service_key=SHOP_SERVICE_KEY))
        monkeypatch.setattr(errand_actions, "backend", lambda: client)
        first, later = time.time() - 2 * HOUR, time.time()

        # Rasa's message ids (the usual case), then messages without one (the fallback)
        for ids in ((["a1", "a2"], ["b1", "b2"]), (None, None)):
            before = password_resets_run(tmp_path)
            for started, message_ids in zip((first, later), ids):
                confirmed = session(started, ["重置密码", "确认"], message_ids)
                assert "重置密码的短信已发送" in run(errand_actions.ActionDoErrand(), confirmed)["text"]
            assert password_resets_run(tmp_path) == before + 2, "one reset per session"

        # the same customer message handled again: replayed, not run again
        again = session(later, ["重置密码", "确认"], ["b1", "b2"])
        assert "重置密码的短信已发送" in run(errand_actions.ActionDoErrand(), again)["text"]
        assert password_resets_run(tmp_path) == 4
