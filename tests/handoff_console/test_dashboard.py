"""The supervisors' dashboard (handoff/console/dashboard.html) in a real browser against a
real handoff service (scripts/handoff) that reads a tracker store of this module's own.

The tracker store is a SQLite file with Rasa's `events` table holding three conversations of
today (two on the web, one on WeChat; one handed off); the service gets a waiting handoff and
a bot rating through its service-key API. A supervisor opens the dashboard from the console,
reads the figures and charts, filters by channel and is told about a reversed range; an agent
and a visitor without a session are told the page is for supervisors. Screenshots go to
var/screenshots/. No Rasa is needed (the service's calls to it fail harmlessly).
Waits wait for what the supervisor would see; nothing is timed.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from typing import Iterator

import pytest
import requests

from devtools.rasa_server import ROOT
from tests.browser import browser_fixtures
from tests.services import free_port, running_handoff

from .test_console import SERVICE_HEADERS, WAIT_MS, login

SCREENSHOTS = ROOT / "var" / "screenshots"
EVENTS_TABLE = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,"
    " timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)

browser, context = browser_fixtures(width=1440, height=1300, timeout_ms=WAIT_MS)


def write_tracker(path) -> None:
    """Three conversations of the last hour: web (order status done), web (complaint → handoff),
    WeChat (not understood, clarified, FAQ)."""
    start = time.time() - 3600
    rows = []

    def add(sender, type_name, moment, data, intent=None, action=None):
        body = json.dumps({"event": type_name, "timestamp": moment, **data}, ensure_ascii=False)
        rows.append((sender, type_name, moment, intent, action, body))

    def conversation(sender, moment, channel, steps):
        add(sender, "session_started", moment - 1, {})
        for step in steps:
            if step[0] == "user":
                parse = {"intent": {"name": step[1], "confidence": 0.9}}
                add(
                    sender, "user", moment, {"text": "…", "parse_data": parse, "input_channel": channel}, intent=step[1]
                )
            elif step[0] == "action":
                add(sender, "action", moment, {"name": step[1]}, action=step[1])
            else:
                add(sender, "slot", moment, {"name": step[1], "value": step[2]})
            moment += 1

    conversation(
        "d1",
        start,
        "socketio",
        [("user", "order_status"), ("slot", "errand", "order_status"), ("slot", "errand_outcome", "done")],
    )
    conversation(
        "d2",
        start + 60,
        "socketio",
        [("user", "complain"), ("slot", "handoff_trigger", {"reason": "complain"}), ("action", "action_handoff")],
    )
    conversation(
        "d3",
        start + 120,
        "wechat",
        [("user", "nlu_fallback"), ("action", "action_clarify_intent"), ("user", "faq_shipping")],
    )
    with sqlite3.connect(path) as db:
        db.execute(EVENTS_TABLE)
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    db.close()


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("dashboard")
    write_tracker(state / "rasa_tracker.db")
    settings = {"HANDOFF_TRACKER_STORE_URL": f"sqlite:///{state / 'rasa_tracker.db'}"}
    # Rasa is not needed: a port nobody listens on
    with running_handoff(state, rasa_url=f"http://127.0.0.1:{free_port()}", extra_env=settings) as url:
        package = {
            "sender_id": "d2",
            "channel": "socketio",
            "customer": {"id": "C0001", "name": "张伟", "level": "金卡", "verified": True},
            "reason": "complain",
            "trigger": {},
            "priority": 1,
            "summary": "客户投诉物流太慢，要求人工处理。",
            "transcript": [],
            "slots": {},
            "orders": [],
        }
        opened = requests.post(f"{url}/api/handoffs", json=package, headers=SERVICE_HEADERS, timeout=30)
        assert opened.status_code == 201, opened.text
        rating = {
            "sender_id": "d1",
            "channel": "socketio",
            "handled_by": "bot",
            "rating": 5,
            "request_id": uuid.uuid4().hex,
        }
        rated = requests.post(f"{url}/api/service/ratings", json=rating, headers=SERVICE_HEADERS, timeout=30)
        assert rated.status_code == 201, rated.text
        yield url


def card(page, name: str):
    return page.locator(f'.card[data-kpi="{name}"] .card-value')


def test_a_supervisor_reads_the_figures_filters_by_channel_and_is_told_about_a_reversed_range(dashboard_url, context):
    page = context.new_page()
    login(page, dashboard_url, "zhou")
    page.wait_for_selector("#open-dashboard", state="visible")
    page.click("#open-dashboard")
    page.wait_for_selector("body[data-kpis-loaded]", state="attached")
    # all channels: 3 conversations, d2 handed off → 2 of 3 contained; 1 clarification of 4 messages
    assert card(page, "conversations").inner_text() == "3"
    assert card(page, "containment").inner_text() == "67%"
    assert card(page, "handoff").inner_text() == "33%"
    assert card(page, "fallback").inner_text() == "25%"
    assert card(page, "resolution").inner_text() == "100%"
    assert card(page, "waiting").inner_text() == "1" and card(page, "online").inner_text() == "1"
    assert card(page, "csat-bot").inner_text() == "5.00 分"
    assert page.locator("#kpi-tracker").is_hidden()
    # charts: the complaint is the one handoff reason with a bar, in Chinese
    reasons = page.locator("#chart-reasons svg g.bar")
    assert reasons.count() == 6
    complaint = page.locator('#chart-reasons g.bar[data-value="1"] text.chart-label')
    assert complaint.text_content() == "投诉"
    assert page.locator('#chart-intents g.bar[data-label="complain"]').count() == 1
    assert page.locator("#chart-csat-bot svg g.column").count() == 5
    assert page.locator('#table-tickets tbody tr[data-sla-class="urgent"] td').first.inner_text() == "紧急"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    # WeChat only: d3, contained, its first message not understood
    page.select_option("#kpi-channel", "wechat")
    page.click("#kpi-submit")
    page.wait_for_selector('body[data-kpis-loaded*="channel=wechat"]', state="attached")
    assert card(page, "conversations").inner_text() == "1"
    assert card(page, "containment").inner_text() == "100%"
    assert card(page, "fallback").inner_text() == "50%"
    assert card(page, "waiting").inner_text() == "0"
    assert "微信" in page.locator("#kpi-range").inner_text()

    # a reversed range: the service refuses it, the page says why
    page.fill("#kpi-from", "2026-11-29")
    page.fill("#kpi-to", "2026-11-23")
    page.click("#kpi-submit")
    page.wait_for_selector("#kpi-error", state="visible")
    assert page.locator("#kpi-error").inner_text() == "开始日期不能晚于结束日期。"


def test_an_agent_and_a_visitor_without_a_session_see_no_figures(dashboard_url, context):
    page = context.new_page()
    page.goto(f"{dashboard_url}/console/dashboard.html")
    page.wait_for_selector("#kpi-error", state="visible")
    assert page.locator("#kpi-error").inner_text() == "请先登录主管账号。"
    login(page, dashboard_url, "wang")
    page.wait_for_selector("#me-name:not(:empty)", state="attached")
    assert page.locator("#open-dashboard").is_hidden()
    page.goto(f"{dashboard_url}/console/dashboard.html")
    page.wait_for_selector("#kpi-error", state="visible")
    assert page.locator("#kpi-error").inner_text() == "仅主管可查看数据看板。"
    assert page.locator("#kpi-body").is_hidden()
    page.screenshot(path=str(SCREENSHOTS / "dashboard-agent.png"))
