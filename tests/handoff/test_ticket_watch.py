"""The ticket watcher: at risk, then breached, each raised once per deadline and pushed to the
consoles; the supervisors' figures."""

from __future__ import annotations

import json
from datetime import datetime

import httpx
from websockets.sync.client import connect

from contract import tickets
from handoff.app import create_app
from handoff.auth import COOKIE_NAME
from servicekit.clock import Clock
from servicekit.testing import LiveServer

from .support import MONDAY_10, PASSWORD, SERVICE, SHANGHAI, make_settings, package, reset_database

RECEIVE_TIMEOUT = 15  # a guard against hanging, not a measurement


def _night_complaint(env, sender_id: str) -> dict:
    env.clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI))
    response = env.client.post("/api/handoffs", json=package(sender_id, reason="complain"), headers=SERVICE)
    assert response.status_code == 201, response.text
    return response.json()["ticket"]


def _at(env, hour, minute, second=0):
    env.clock.set(datetime(2026, 12, 1, hour, minute, second, tzinfo=SHANGHAI))


def test_at_risk_then_breached_once_each_per_deadline(env):
    ticket = _night_complaint(env, "web-risk")  # respond by 09:05, resolve by 13:00 (clock from 09:00)
    _at(env, 9, 3, 0)  # 2 of 5 minutes left: more than 20 %
    assert env.watch()["alerts"] == 0
    _at(env, 9, 4, 1)  # 59 s of 300 left: at risk
    assert env.watch()["alerts"] == 1
    assert env.watch()["alerts"] == 0  # once
    zhou = env.login("zhou")
    detail = zhou.get(f"/api/tickets/{ticket['id']}").json()
    assert (detail["respond_alert"], detail["resolve_alert"]) == ("at_risk", None)
    _at(env, 9, 5, 0)
    assert env.watch()["alerts"] == 1  # breached
    _at(env, 9, 30, 0)
    assert env.watch()["alerts"] == 0
    zhou = env.login("zhou")
    detail = zhou.get(f"/api/tickets/{ticket['id']}").json()
    assert (detail["respond_alert"], detail["resolve_alert"]) == ("breached", None)
    assert detail["respond_seconds_left"] == -25 * 60
    alerts = [(e["kind"], e["detail"]) for e in detail["events"] if e["kind"] in tickets.ALERTS]
    assert alerts == [("at_risk", "respond"), ("breached", "respond")]


def test_an_answered_ticket_stops_the_respond_deadline_and_a_deadline_found_past_is_breached_only(env):
    ticket = _night_complaint(env, "web-answered")
    _at(env, 9, 2)
    wang = env.login("wang")
    wang.post(f"/api/tickets/{ticket['id']}/claim")
    wang.post(f"/api/tickets/{ticket['id']}/answer", json={"text": "您好，已为您处理。"})
    _at(env, 14, 0)  # the service was away: resolve (13:00) is past, respond was met
    assert env.watch()["alerts"] == 1
    wang = env.login("wang")
    detail = wang.get(f"/api/tickets/{ticket['id']}").json()
    assert (detail["respond_alert"], detail["resolve_alert"]) == (None, "breached")
    assert [(e["kind"], e["detail"]) for e in detail["events"] if e["kind"] in tickets.ALERTS] == [
        ("breached", "resolve")
    ]


def test_a_resolved_ticket_raises_nothing(env):
    ticket = _night_complaint(env, "web-done")
    _at(env, 9, 1)
    wang = env.login("wang")
    wang.post(f"/api/tickets/{ticket['id']}/claim")
    wang.post(f"/api/tickets/{ticket['id']}/resolve")
    _at(env, 20, 0)
    assert env.watch() == {"alerts": 0, "closed": 0}


def test_stats_for_supervisors_only(env):
    urgent = _night_complaint(env, "web-s1")
    env.clock.set(datetime(2026, 11, 30, 23, 40, tzinfo=SHANGHAI))
    env.client.post("/api/handoffs", json=package("web-s2", reason="request_human"), headers=SERVICE)
    _at(env, 9, 4, 30)
    env.watch()  # urgent respond at risk
    _at(env, 9, 6)
    env.watch()  # urgent respond breached
    zhou, wang = env.login("zhou"), env.login("wang")
    assert wang.get("/api/tickets/stats").status_code == 403
    stats = zhou.get("/api/tickets/stats").json()
    assert stats["since"] == "2026-11-25T00:00:00+08:00" and stats["until"] == "2026-12-02T00:00:00+08:00"
    assert stats["classes"]["urgent"] == {
        "active": 1,
        "at_risk": 0,
        "created": 1,
        "breached_respond": 1,
        "breached_resolve": 0,
    }
    assert stats["classes"]["general"]["active"] == 1 and stats["classes"]["general"]["created"] == 1
    assert stats["classes"]["suggestion"]["active"] == 0
    later = zhou.get("/api/tickets/stats?since=2026-12-02&until=2026-12-03").json()
    assert later["classes"]["urgent"]["breached_respond"] == 0 and later["classes"]["urgent"]["active"] == 1
    assert zhou.get("/api/tickets/stats?since=2026-12-03&until=2026-12-01").status_code == 422
    assert zhou.get("/api/tickets/stats?since=yesterday").status_code == 422
    wang.post(f"/api/tickets/{urgent['id']}/claim")
    assert zhou.get("/api/tickets/stats").json()["classes"]["urgent"]["active"] == 1


def _login(base_url: str, username: str) -> str:
    response = httpx.post(f"{base_url}/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.cookies[COOKIE_NAME]


def _next(ws, wanted_type: str) -> dict:
    while True:
        event = json.loads(ws.recv(timeout=RECEIVE_TIMEOUT))
        if event["type"] == wanted_type:
            return event


def test_alerts_and_changes_are_pushed_to_the_consoles(database_url, recorder):
    # the watcher runs on its own here, as in production (rounds a fraction of a second apart)
    settings = make_settings(database_url, recorder, ticket_watch_seconds=0.2)
    clock = Clock(datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI))
    reset_database(settings, Clock(MONDAY_10))
    recorder.reset()
    app = create_app(settings, clock=clock)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, headers=SERVICE) as http:
        opened = http.post("/api/handoffs", json=package("web-push", reason="complain")).json()
        ticket_id = opened["ticket"]["id"]
        token = _login(server.url, "zhou")
        with connect(server.ws_url, additional_headers={"Cookie": f"{COOKIE_NAME}={token}"}) as ws:
            clock.set(datetime(2026, 12, 1, 9, 4, 30, tzinfo=SHANGHAI))  # connected first: the alert comes after
            alert = _next(ws, tickets.WS_TICKET_ALERT)
            assert (alert["kind"], alert["deadline"]) == ("at_risk", "respond")
            assert alert["ticket"]["id"] == ticket_id and alert["ticket"]["respond_alert"] == "at_risk"
            cookie = {"Cookie": f"{COOKIE_NAME}={token}"}
            assert httpx.post(f"{server.url}/api/tickets/{ticket_id}/claim", headers=cookie).status_code == 200
            changed = _next(ws, tickets.WS_TICKET)
            assert changed["ticket"]["status"] == "assigned" and changed["ticket"]["id"] == ticket_id
