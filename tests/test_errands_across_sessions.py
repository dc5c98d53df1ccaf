"""The same errand in two sessions is two errands: real Rasa, action server and shop backend
(tests/conftest.py), a customer the web channel knows (a signed identity token) on REST.

Idempotency keys used to be built from the customer-turn counter, which restarts with
every session: the second session's password reset sent the first one's key and the
backend replayed its stored answer, so the customer read "sent" and nothing was sent.
The keys now name Rasa's message_id of the customer message. The backend keeps one
idempotency record per request it ran (a password reset writes no SMS outbox line: the
outbox holds verification codes only), so the records are what is counted. The silence
between the sessions is made as in tests/test_handoff_pause.py.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from bot import identity_token
from tests.services import rest_message
from tests.test_handoff_conversation import texts_of
from tests.test_handoff_pause import EXPIRY_MIN, fall_silent

SENT = "重置密码的短信已发送"


def password_resets_run(backend_state: Path, customer_id: str) -> int:
    with sqlite3.connect(backend_state / "shop.db", timeout=30) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM idempotency_records WHERE path = ?", (f"/v1/customers/{customer_id}/password-reset",)
        ).fetchone()
    return count


def reset_password(rasa_url: str, sender: str) -> str:
    known = {"identity_token": identity_token.sign({"shop_customer_id": "C0003"})}
    # the payloads of a menu button and of the confirmation's 确认 button: the same turns each time
    asked = texts_of(rest_message(rasa_url, sender, "/reset_password", metadata=known))
    assert "重置密码" in asked and "确认" in asked, asked
    return texts_of(rest_message(rasa_url, sender, "/affirm", metadata=known))


def test_a_password_reset_in_a_later_session_is_sent_again(rasa_url, rasa_state, backend_state):
    sender = f"sessions-{uuid.uuid4().hex[:8]}"
    before = password_resets_run(backend_state, "C0003")
    assert SENT in reset_password(rasa_url, sender)
    assert password_resets_run(backend_state, "C0003") == before + 1

    fall_silent(rasa_state, sender, EXPIRY_MIN + 1)
    assert SENT in reset_password(rasa_url, sender)
    assert password_resets_run(backend_state, "C0003") == before + 2, "the second reset ran, not replayed"
