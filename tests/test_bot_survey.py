"""The bot's own satisfaction question end to end: real Rasa (REST channel), the real action
server and handoff service (tests/conftest.py), the rating read back from the service's
SQLite database.

- an FAQ, then 再见: the bot says goodbye and asks once how it did, with five choices whose
  payloads are the ratings; the answer is stored with the session's intents;
- an FAQ, then a silence (the reminder's intent, triggered through Rasa's API as the
  reminder triggers it): the question is asked; a new question instead of a rating is
  answered and closes the survey, and a goodbye later does not ask again.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Dict, List

import requests

from actions import texts
from tests.services import rasa_headers, rest_message, tracker

WAIT_S = 120
QUESTION = texts.BOT_SURVEY_QUESTION


def said(messages: List[Dict[str, Any]]) -> str:
    return " ".join(m.get("text") or "" for m in messages)


def ratings_of(handoff_state: Path, sender: str) -> List[Dict[str, Any]]:
    with sqlite3.connect(handoff_state / "handoff.db", timeout=30) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM csat_ratings WHERE sender_id = ?", (sender,)).fetchall()
    return [dict(row) for row in rows]


def test_an_faq_then_goodbye_is_asked_once_and_the_rating_is_stored_with_its_intents(rasa_url, handoff_state):
    sender = f"e2e-csat-{uuid.uuid4().hex[:8]}"
    assert "包邮" in said(rest_message(rasa_url, sender, "你们满多少包邮啊", timeout=WAIT_S))
    reminders = [e for e in tracker(rasa_url, sender)["events"] if e["event"] == "reminder"]
    assert [r["name"] for r in reminders] == ["bot_survey_silence"], "a silence asks too"

    goodbye = rest_message(rasa_url, sender, "好的没事了，拜拜", timeout=WAIT_S)
    assert QUESTION in said(goodbye)
    asking = next(m for m in goodbye if m.get("text") == QUESTION)
    assert [b["payload"] for b in asking["buttons"]] == ["1", "2", "3", "4", "5"]

    thanks = said(rest_message(rasa_url, sender, "5", timeout=WAIT_S))  # the tap on 非常满意
    assert thanks == texts.SATISFACTION_THANKS[5]
    (rating,) = ratings_of(handoff_state, sender)
    assert (rating["rating"], rating["handled_by"], rating["channel"]) == (5, "bot", "rest")
    assert json.loads(rating["intents"]) == ["faq_shipping", "goodbye"]
    assert rating["request_id"] and rating["handoff_id"] is None

    again = said(rest_message(rasa_url, sender, "再见", timeout=WAIT_S))
    assert again and QUESTION not in again, "asked once a conversation"
    assert len(ratings_of(handoff_state, sender)) == 1


def test_a_silence_asks_and_a_new_question_instead_of_a_rating_is_answered(rasa_url, handoff_state):
    sender = f"e2e-csat-{uuid.uuid4().hex[:8]}"
    assert "支付宝" in said(rest_message(rasa_url, sender, "可以用支付宝付款吗", timeout=WAIT_S))
    triggered = requests.post(
        f"{rasa_url}/conversations/{sender}/trigger_intent",
        json={"name": "EXTERNAL_bot_survey_silence"},
        headers=rasa_headers(),
        timeout=WAIT_S,
    )
    triggered.raise_for_status()
    assert said(triggered.json()["messages"]) == QUESTION

    answer = said(rest_message(rasa_url, sender, "退货的运费谁来出", timeout=WAIT_S))
    assert "运费" in answer and texts.SATISFACTION_FAILED not in answer
    assert tracker(rasa_url, sender)["slots"]["bot_survey_open"] is False
    assert QUESTION not in said(rest_message(rasa_url, sender, "好的拜拜", timeout=WAIT_S))
    assert ratings_of(handoff_state, sender) == []
