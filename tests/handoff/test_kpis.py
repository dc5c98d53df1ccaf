"""GET /api/kpis on a generated week: tracker events written into a SQLite tracker store with
Rasa's table layout, handoffs, ratings and a ticket made through the service's API, and every
figure checked against a value computed by hand (the comments say how)."""

from __future__ import annotations

import json
from datetime import datetime
from itertools import count
from typing import Any, Optional

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, insert

from .support import SERVICE, SHANGHAI

URL = "/api/kpis"
WEEK = {"from": "2026-11-23", "to": "2026-11-29"}

# Rasa 3.6 SQLTrackerStore's table (rasa/core/tracker_store.py SQLEvent), column for column.
metadata = MetaData()
events_table = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment of November 2026 in Shanghai."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI)


class TrackerWriter:
    """Writes conversations as Rasa stores them: session start, user, action and slot events."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.ids = count(1)

    def _add(self, sender: str, type_name: str, moment: float, data: dict, intent=None, action=None) -> None:
        data = {"event": type_name, "timestamp": moment, **data}
        self.rows.append(
            dict(
                id=next(self.ids),
                sender_id=sender,
                type_name=type_name,
                timestamp=moment,
                intent_name=intent,
                action_name=action,
                data=json.dumps(data, ensure_ascii=False),
            )
        )

    def conversation(self, sender: str, start: datetime, channel: str, steps: list[tuple]) -> None:
        """steps: ("user", intent) | ("action", name) | ("slot", name, value), one second apart."""
        moment = start.timestamp()
        self._add(sender, "action", moment - 2, {"name": "action_session_start"}, action="action_session_start")
        self._add(sender, "session_started", moment - 1, {})
        self._add(sender, "action", moment - 1, {"name": "action_listen"}, action="action_listen")
        for step in steps:
            if step[0] == "user":
                parse = {"intent": {"name": step[1], "confidence": 0.9}, "entities": [], "text": "…"}
                data = {"text": "…", "parse_data": parse, "input_channel": channel, "message_id": f"m{moment}"}
                self._add(sender, "user", moment, data, intent=step[1])
            elif step[0] == "action":
                self._add(sender, "action", moment, {"name": step[1]}, action=step[1])
            else:
                self._add(sender, "slot", moment, {"name": step[1], "value": step[2]})
            moment += 1

    def write(self, path) -> str:
        url = f"sqlite:///{path}"
        engine = create_engine(url)
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(insert(events_table), self.rows)
        engine.dispose()
        return url


def errand(name: str, outcome: Optional[str]) -> list[tuple]:
    steps = [("action", "action_start_errand"), ("slot", "errand", name)]
    if outcome:
        steps += [("action", "action_do_errand"), ("slot", "errand", None), ("slot", "errand_outcome", outcome)]
    return steps


def handoff_steps(reason: Optional[str]) -> list[tuple]:
    trigger = [("slot", "handoff_trigger", {"reason": reason, "priority": 0})] if reason else []
    return trigger + [("action", "action_handoff"), ("slot", "handoff_trigger", None), ("action", "action_listen")]


def write_week_tracker(path) -> str:
    t = TrackerWriter()
    # before the range: u1's older conversation (not counted, and not a repeat of anything in it)
    t.conversation("u1", at(20, 10), "socketio", [("user", "order_status")] + errand("order_status", "done"))
    # C1 Mon 10:00: greet, order status done; contained; u1 comes back about it 23 h later (C3)
    t.conversation(
        "u1", at(23, 10), "socketio", [("user", "greet"), ("user", "order_status")] + errand("order_status", "done")
    )
    # C2 Mon 14:00 wechat: not understood → clarified, tracking fails, asks for a person
    t.conversation(
        "u2",
        at(23, 14),
        "wechat",
        [("user", "nlu_fallback"), ("action", "action_clarify_intent"), ("user", "logistics_track")]
        + errand("logistics_track", "failed")
        + [("user", "request_human")]
        + handoff_steps("request_human"),
    )
    # C3 Tue 09:00: u1 again, order status done (repeats C1's errand within 24 h)
    t.conversation("u1", at(24, 9), "socketio", [("user", "order_status")] + errand("order_status", "done"))
    # C4 Wed 11:00: out of scope, then a complaint → handoff
    t.conversation(
        "u3", at(25, 11), "socketio", [("user", "out_of_scope"), ("user", "complain")] + handoff_steps("complain")
    )
    # u4 Thu 19:00: a session without a customer message: not a conversation
    t.conversation("u4", at(26, 19), "socketio", [("action", "action_listen")])
    # C5 Thu 20:00: an FAQ and thanks; contained
    t.conversation("u4", at(26, 20), "socketio", [("user", "faq_shipping"), ("user", "thank")])
    # C6 Fri 10:00 wechat: starts cancelling, leaves it (abandoned), not understood → clarified, goodbye
    t.conversation(
        "u5",
        at(27, 10),
        "wechat",
        [("user", "cancel_order")]
        + errand("cancel_order", None)
        + [("user", "nlu_fallback"), ("action", "action_clarify_intent"), ("user", "goodbye")],
    )
    # C9 Sat 12:00: asks for a person; no trigger slot → reason request_human
    t.conversation("u8", at(28, 12), "socketio", [("user", "request_human")] + handoff_steps(None))
    # C7 Sun 23:00: order status, backend down → handoff (a ticket: the service is closed)
    t.conversation(
        "u6",
        at(29, 23),
        "socketio",
        [("user", "order_status")] + errand("order_status", "backend_down") + handoff_steps("backend_down"),
    )
    # C8 Mon 30 09:00, after the range: u6 again about the order status (C7 repeated within 10 h)
    t.conversation("u6", at(30, 9), "socketio", [("user", "order_status")] + errand("order_status", "done"))
    # u7: only before the range (Sun 22 23:30): never read
    t.conversation("u7", at(22, 23, 30), "socketio", [("user", "greet")])
    return t.write(path)


def bot_rating(env, sender: str, channel: str, rating: int, request_id: str) -> None:
    body = {"sender_id": sender, "channel": channel, "handled_by": "bot", "rating": rating, "request_id": request_id}
    assert env.client.post("/api/service/ratings", json=body, headers=SERVICE).status_code == 201


def build_week_handoffs(env, wang, li) -> None:
    clock = env.clock
    # H1 u2 wechat request_human: queued Mon 14:01, wang accepts 14:03 (wait 120 s), replies
    # 14:03:30 (first response 30 s), closes 14:13 (handle 600 s); survey rating 5 on the handoff.
    clock.set(at(23, 14, 1))
    h1 = env.open(sender_id="u2", channel="wechat", reason="request_human")["id"]
    clock.set(at(23, 14, 3))
    assert wang.post(f"/api/handoffs/{h1}/accept").status_code == 200
    clock.set(at(23, 14, 3, 30))
    assert wang.post(f"/api/handoffs/{h1}/messages", json={"text": "您好，我来帮您查。"}).status_code == 201
    clock.set(at(23, 14, 13))
    assert wang.post(f"/api/handoffs/{h1}/close", json={"disposition": "resolved"}).status_code == 200
    clock.set(at(23, 14, 14))
    assert env.client.post(f"/api/handoffs/{h1}/rating", json={"rating": 5}, headers=SERVICE).status_code == 200
    # H2 u3 socketio complain: queued Wed 11:01, li accepts 11:06 (wait 300 s), replies 11:07
    # (60 s), returns it to the bot 11:21 (900 s); rated 2 in csat_ratings AND by the survey (once).
    clock.set(at(25, 11, 1))
    h2 = env.open(sender_id="u3", channel="socketio", reason="complain")["id"]
    clock.set(at(25, 11, 6))
    assert li.post(f"/api/handoffs/{h2}/accept").status_code == 200
    clock.set(at(25, 11, 7))
    assert li.post(f"/api/handoffs/{h2}/messages", json={"text": "非常抱歉给您带来不便。"}).status_code == 201
    clock.set(at(25, 11, 21))
    assert li.post(f"/api/handoffs/{h2}/return").status_code == 200
    clock.set(at(25, 11, 22))
    body = {
        "sender_id": "u3",
        "channel": "socketio",
        "handled_by": "person",
        "handoff_id": h2,
        "rating": 2,
        "request_id": "r-h2",
    }
    assert env.client.post("/api/service/ratings", json=body, headers=SERVICE).status_code == 201
    assert env.client.post(f"/api/handoffs/{h2}/rating", json={"rating": 2}, headers=SERVICE).status_code == 200
    # H4 u8 request_human: queued Sat 12:01, wang accepts 12:11 (wait 600 s), no reply, still with wang
    clock.set(at(28, 12, 1))
    h4 = env.open(sender_id="u8", channel="socketio", reason="request_human")["id"]
    clock.set(at(28, 12, 11))
    assert wang.post(f"/api/handoffs/{h4}/accept").status_code == 200
    # H3 u6 backend_down Sun 23:01: outside 09:00-22:00 → a ticket (important: respond by Mon 09:30)
    clock.set(at(29, 23, 1))
    h3 = env.open(sender_id="u6", channel="socketio", reason="backend_down")
    assert h3["ticket"] is not None
    # bot ratings: C1 5, C5 4, C6 (wechat) 3 in the range; one on Mon 30 (after it)
    clock.set(at(23, 10, 5))
    bot_rating(env, "u1", "socketio", 5, "r-c1")
    clock.set(at(26, 20, 5))
    bot_rating(env, "u4", "socketio", 4, "r-c5")
    clock.set(at(27, 10, 10))
    bot_rating(env, "u5", "wechat", 3, "r-c6")
    clock.set(at(30, 9, 10))
    bot_rating(env, "u6", "socketio", 1, "r-c8")
    # live: two waiting now (Mon 30 09:26): since 09:00 (socketio) and 09:20 (wechat)
    clock.set(at(30, 9, 0))
    env.open(sender_id="live1", channel="socketio", reason="upset")
    clock.set(at(30, 9, 20))
    env.open(sender_id="live2", channel="wechat", reason="request_human")
    # now: Mon 30 09:26, 4 of the ticket's 30 respond minutes left (< 20 %): at risk
    clock.set(at(30, 9, 26))
    env.watch()


def test_the_figures_of_a_generated_week_match_the_hand_computed_ones(env, tmp_path):
    env.settings.tracker_store_url = write_week_tracker(tmp_path / "rasa_tracker.db")
    wang, li, zhou = env.login("wang"), env.login("li"), env.login("zhou")
    build_week_handoffs(env, wang, li)

    response = zhou.get(URL, params=WEEK)
    assert response.status_code == 200, response.text
    k = response.json()
    assert (k["from"], k["to"], k["channel"]) == ("2026-11-23", "2026-11-29", None)
    assert k["since"] == "2026-11-23T00:00:00+08:00" and k["until"] == "2026-11-30T00:00:00+08:00"
    assert k["tracker"] == {"available": True, "reason": None}

    # conversations starting in the range: C1 C2 C3 C4 C5 C6 C7 C9 (u1's of the 20th, C8 on the
    # 30th, u7's on the 22nd and u4's session without a message are not) = 8
    assert k["conversations"] == 8
    # handed off: C2 C4 C7 C9 = 4 → contained 4 of 8
    assert k["containment"] == {"contained": 4, "conversations": 8, "rate": 0.5}
    assert k["handoff"]["handed_off"] == 4 and k["handoff"]["rate"] == 0.5
    # reasons: C2 request_human, C4 complain, C7 backend_down, C9 none set → request_human
    assert k["handoff"]["by_reason"] == {
        "upset": {"conversations": 0, "rate": 0.0},
        "low_confidence": {"conversations": 0, "rate": 0.0},
        "request_human": {"conversations": 2, "rate": 0.25},
        "complain": {"conversations": 1, "rate": 0.125},
        "errand_failed": {"conversations": 0, "rate": 0.0},
        "backend_down": {"conversations": 1, "rate": 0.125},
    }
    # customer messages: C1 2 + C2 3 + C3 1 + C4 2 + C5 2 + C6 3 + C7 1 + C9 1 = 15;
    # nlu_fallback in C2 and C6, out_of_scope in C4 = 3 → 3/15
    assert k["fallback"] == {"fallback_messages": 3, "customer_messages": 15, "rate": 0.2}
    # action_clarify_intent in C2 and C6 = 2 → 2/15 = 0.13333
    assert k["clarification"] == {"clarifications": 2, "customer_messages": 15, "rate": 0.1333}
    # errands: order_status C1 done, C3 done, C7 backend_down; logistics_track C2 failed;
    # cancel_order C6 abandoned → 2 of 5 completed
    assert k["resolution"] == {
        "attempted": 5,
        "completed": 2,
        "rate": 0.4,
        "by_errand": {
            "cancel_order": {
                "attempted": 1,
                "completed": 0,
                "failed": 0,
                "backend_down": 0,
                "abandoned": 1,
                "rate": 0.0,
            },
            "logistics_track": {
                "attempted": 1,
                "completed": 0,
                "failed": 1,
                "backend_down": 0,
                "abandoned": 0,
                "rate": 0.0,
            },
            "order_status": {
                "attempted": 3,
                "completed": 2,
                "failed": 0,
                "backend_down": 1,
                "abandoned": 0,
                "rate": 0.6667,
            },
        },
    }
    # with an errand: C1 C2 C3 C6 C7; C1 repeated by C3 (23 h), C7 by C8 (10 h, after the range) → 3 of 5
    assert k["fcr"] == {"conversations": 5, "first_contact": 3, "repeated": 2, "rate": 0.6}
    # order_status C1 C3 C7; nlu_fallback C2 C6; request_human C2 C9; the others once
    assert k["intents"] == [
        {"intent": "order_status", "messages": 3},
        {"intent": "nlu_fallback", "messages": 2},
        {"intent": "request_human", "messages": 2},
        *[
            {"intent": name, "messages": 1}
            for name in (
                "cancel_order",
                "complain",
                "faq_shipping",
                "goodbye",
                "greet",
                "logistics_track",
                "out_of_scope",
                "thank",
            )
        ],
    ]
    # the customer message before each handoff: C2 request_human, C9 request_human, C4 complain, C7 order_status
    assert k["handoff_intents"] == [
        {"intent": "request_human", "handoffs": 2, "messages": 2, "rate": 1.0},
        {"intent": "complain", "handoffs": 1, "messages": 1, "rate": 1.0},
        {"intent": "order_status", "handoffs": 1, "messages": 3, "rate": 0.3333},
    ]

    # the service's rows: H1 request_human, H2 complain, H3 backend_down, H4 request_human (live1/2 after)
    assert k["handoffs_opened"] == {
        "total": 4,
        "by_reason": {
            "upset": 0,
            "low_confidence": 0,
            "request_human": 2,
            "complain": 1,
            "errand_failed": 0,
            "backend_down": 1,
        },
    }
    # bot: 5, 4, 3 (the 1 of the 30th is after) → 4.0; asked: the 4 contained conversations → 3/4
    assert k["csat"]["bot"] == {
        "ratings": 3,
        "average": 4.0,
        "distribution": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1},
        "response_rate": 0.75,
    }
    # person: H1's survey 5, H2's 2 (stored in both places, counted once) → 3.5; served and ended: H1 H2
    assert k["csat"]["person"] == {
        "ratings": 2,
        "average": 3.5,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
        "response_rate": 1.0,
    }
    # waits 120, 300, 600 s: mean 340; nearest rank p50 = 2nd = 300, p90 = 3rd = 600
    assert k["queue_wait"] == {"count": 3, "average_seconds": 340.0, "p50_seconds": 300.0, "p90_seconds": 600.0}
    # first replies 30 (wang, H1) and 60 (li, H2): p50 = 1st of 2, p90 = 2nd
    assert k["first_response"] == {"count": 2, "average_seconds": 45.0, "p50_seconds": 30.0, "p90_seconds": 60.0}
    # handled to the end: H1 600, H2 900 (H4 still open)
    assert k["handle_time"] == {"count": 2, "average_seconds": 750.0, "p50_seconds": 600.0, "p90_seconds": 900.0}
    agents = {a["display_name"]: a for a in k["agents"]}
    assert set(agents) == {"小王", "小李"}
    assert agents["小王"]["accepted"] == 2  # H1, H4
    assert agents["小王"]["first_response"] == {
        "count": 1,
        "average_seconds": 30.0,
        "p50_seconds": 30.0,
        "p90_seconds": 30.0,
    }
    assert agents["小王"]["handle_time"] == {
        "count": 1,
        "average_seconds": 600.0,
        "p50_seconds": 600.0,
        "p90_seconds": 600.0,
    }
    assert agents["小李"]["accepted"] == 1
    assert agents["小李"]["first_response"]["average_seconds"] == 60.0
    assert agents["小李"]["handle_time"]["average_seconds"] == 900.0
    # H3's ticket: important, created Sun 23:01, at risk now (09:26), nothing breached
    assert k["tickets"]["important"] == {
        "active": 1,
        "at_risk": 1,
        "created": 1,
        "breached_respond": 0,
        "breached_resolve": 0,
    }
    assert k["tickets"]["urgent"]["created"] == 0 and k["tickets"]["general"]["active"] == 0
    # live: live1 since 09:00 and live2 since 09:20 waiting; online: only zhou (wang's and li's
    # sessions were last used last week) → longest 26 min
    assert k["live"] == {"waiting": 2, "agents_online": 1, "longest_wait_seconds": 1560.0}

    # WeChat only: C2 (handed off) and C6 (contained)
    w = zhou.get(URL, params={**WEEK, "channel": "wechat"}).json()
    assert w["conversations"] == 2 and w["containment"]["rate"] == 0.5
    assert w["handoff"]["by_reason"]["request_human"] == {"conversations": 1, "rate": 0.5}
    # messages: C2 3 + C6 3 = 6, fallbacks 2 → 0.3333; errands in C2 (tracking) and C6
    # (cancelling), neither repeated → FCR 2/2
    assert w["fallback"] == {"fallback_messages": 2, "customer_messages": 6, "rate": 0.3333}
    assert w["fcr"] == {"conversations": 2, "first_contact": 2, "repeated": 0, "rate": 1.0}
    assert w["handoffs_opened"]["total"] == 1  # H1
    assert w["csat"]["bot"]["ratings"] == 1 and w["csat"]["bot"]["response_rate"] == 1.0  # C6's 3 of 1 contained
    assert w["csat"]["person"]["average"] == 5.0  # H1
    assert w["queue_wait"]["p90_seconds"] == 120.0  # H1 only
    assert w["live"]["waiting"] == 1 and w["live"]["longest_wait_seconds"] == 360.0  # live2 since 09:20

    # one day, Monday 23rd: C1 and C2
    m = zhou.get(URL, params={"from": "2026-11-23", "to": "2026-11-23"}).json()
    assert m["conversations"] == 2 and m["fcr"]["repeated"] == 1  # C1 repeated by C3 of the next day


def test_without_a_readable_tracker_store_its_figures_are_null_and_the_rest_answers(env, tmp_path):
    zhou = env.login("zhou")
    env.settings.tracker_store_url = f"sqlite:///{tmp_path / 'missing.db'}"
    k = zhou.get(URL, params=WEEK).json()
    assert k["tracker"]["available"] is False and "does not exist" in k["tracker"]["reason"]
    assert k["conversations"] is None and k["containment"] is None and k["fcr"] is None
    assert k["csat"]["bot"]["response_rate"] is None and k["live"]["agents_online"] == 1
    assert not (tmp_path / "missing.db").exists()  # read-only: never created
    (tmp_path / "other.db").write_bytes(b"")  # a SQLite file without Rasa's table
    env.settings.tracker_store_url = f"sqlite:///{tmp_path / 'other.db'}"
    k = zhou.get(URL, params=WEEK).json()
    assert k["tracker"] == {"available": False, "reason": "the tracker store could not be read (OperationalError)"}
    env.settings.tracker_store_url = ""
    assert zhou.get(URL).json()["tracker"]["available"] is False


def test_only_supervisors_see_the_figures(env):
    assert env.client.get(URL).status_code == 401
    response = env.login("wang").get(URL)
    assert response.status_code == 403
    assert env.login("zhou").get(URL).status_code == 200


@pytest.mark.parametrize(
    "params, code",
    [
        ({"from": "2026-13-01"}, "bad_date"),
        ({"to": "yesterday"}, "bad_date"),
        ({"from": "2026-11-29", "to": "2026-11-23"}, "bad_range"),
        ({"from": "2026-08-01", "to": "2026-11-30"}, "range_too_long"),
        ({"channel": "fax"}, "unknown_channel"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(env, params, code):
    response = env.login("zhou").get(URL, params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
