"""The console's 工单 pages in a real browser against the real handoff service and a real Rasa.

A handoff service of this module's own (`ticket_desk`) opens tickets instead of queue
entries: it requires an agent online and nobody is online until a test logs in, so that
each handoff of the module's setup becomes a ticket whose clock starts at once. The
tickets come from real REST conversations in the shared test Rasa, which the service
delivers the agents' answers to. The alert test starts a service of its own whose
"urgent" first response is due within a minute and whose ticket watcher looks every
second, so that the deadline comes near and passes while the agent watches.
An agent finds the tickets nearest deadline first with their time left, claims one,
answers it (Ctrl+Enter), sees it answered and how the answer reached the customer,
resolves it; the time left ticks on without a reload; a deadline alert shows as a toast
and a count on the 工单 tab; an answer Rasa did not take is marked 「未送达」 with its reason
(a service of its own whose Rasa is away); a supervisor sees every ticket and gives one to
an agent.
Waits wait for what the agent would see; nothing is timed.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests

from devtools.rasa_server import ROOT
from tests.browser import browser_fixtures, page_context
from tests.services import free_port, running_handoff

from .test_console import (
    SERVICE_HEADERS,
    WAIT_MS,
    agent_session,
    greeting_turns,
    iso,
    login,
    package,
    talk_to_rasa,
    wait_for_agent_text,
)

SCREENSHOTS = ROOT / "var" / "screenshots"
# The service's default SLA classes (handoff/settings.py).
SLA_CLASSES = {
    "urgent": {"respond_minutes": 5, "resolve_minutes": 4 * 60},
    "important": {"respond_minutes": 30, "resolve_minutes": 8 * 60},
    "general": {"respond_minutes": 2 * 60, "resolve_minutes": 24 * 60},
    "suggestion": {"respond_minutes": 24 * 60, "resolve_working_days": 5},
}
# The handoff reasons of the module's tickets → their class (the service's default reason_sla).
REASONS = {"upset": "urgent", "complain": "urgent", "backend_down": "important", "request_human": "general"}
TIME_LEFT = re.compile(r"^(首次响应|解决)时限 (剩余 (\d+天)?(\d+小时)?(\d+分钟?)?|剩余 不到1分钟|已超时 .+|刚刚超时)$")

browser, context = browser_fixtures(width=1440, height=1000, timeout_ms=WAIT_MS)


@pytest.fixture(scope="module")
def ticket_desk(rasa_url: str, tmp_path_factory) -> Iterator[Dict]:
    """The service's URL and, by reason, {"id", "number", "sender", "package"} of its tickets."""
    settings = {"HANDOFF_REQUIRE_AGENT_ONLINE": "true"}
    with running_handoff(tmp_path_factory.mktemp("ticket-desk"), rasa_url=rasa_url, extra_env=settings) as url:
        tickets = {}
        for reason in REASONS:
            sender = uuid.uuid4().hex
            assert talk_to_rasa(rasa_url, sender, "你好"), "Rasa answers the greeting"
            handed = {**package(sender, greeting_turns(rasa_url, sender)), "reason": reason}
            response = requests.post(f"{url}/api/handoffs", json=handed, headers=SERVICE_HEADERS, timeout=30)
            assert response.status_code == 201, response.text
            opened = response.json()
            assert opened["on_duty"] is False and opened["ticket"]["sla_class"] == REASONS[reason], opened
            tickets[reason] = {**opened["ticket"], "sender": sender, "package": handed}
        yield {"url": url, "tickets": tickets}


def open_ticket_without_rasa(url: str, reason: str) -> Dict:
    """A ticket of a conversation Rasa never saw (for a service whose Rasa is away)."""
    now = time.time()
    greeting = [
        {"role": "customer", "text": "你好", "at": iso(now - 60)},
        {"role": "bot", "text": "您好，请问有什么可以帮您？", "at": iso(now - 59)},
    ]
    handed = {**package(f"rest-{uuid.uuid4().hex}", greeting), "reason": reason}
    response = requests.post(f"{url}/api/handoffs", json=handed, headers=SERVICE_HEADERS, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["ticket"]


def screenshot(page, name: str) -> Path:
    path = SCREENSHOTS / f"console-tickets{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def open_tickets_tab(page, url: str, username: str):
    login(page, url, username)
    page.wait_for_selector("#app-view", state="visible")
    page.click("#tab-tickets")
    page.wait_for_selector("#tickets-side", state="visible")
    page.wait_for_selector("body[data-tickets-loaded]", state="attached")


def row(page, ticket_id: int):
    return page.locator(f"#ticket-list .ticket[data-ticket-id='{ticket_id}']")


def listed_ids(page) -> list:
    return page.eval_on_selector_all("#ticket-list .ticket", "rows => rows.map(r => Number(r.dataset.ticketId))")


def wait_for_status(page, ticket_id: int, status: str):
    page.wait_for_selector(f"#ticket-main[data-ticket-id='{ticket_id}'][data-status='{status}']")


def customer_writes(url: str, ticket: Dict, text: str) -> None:
    """The customer's next message on their ticket, as the action server puts it there."""
    body = {"sender_id": ticket["sender"], "text": text, "message_id": uuid.uuid4().hex}
    path = f"{url}/api/service/tickets/{ticket['number']}/messages"
    response = requests.post(path, json=body, headers=SERVICE_HEADERS, timeout=30)
    assert response.status_code == 201, response.text


def timeline(page) -> list:
    return page.eval_on_selector_all("#ticket-events .event-what", "rows => rows.map(r => r.textContent)")


def test_an_agent_claims_answers_resolves_reopens_and_closes_a_ticket(ticket_desk, rasa_url, context):
    url, tickets = ticket_desk["url"], ticket_desk["tickets"]
    ticket = tickets["upset"]
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_tickets_tab(page, url, "wang")

    # every ticket of the module, nearest deadline first (either order for two due within the same
    # second: the service counts whole seconds), each with its class and time left in words
    wang = agent_session(url, "wang")
    served = wang.get(f"{url}/api/tickets", timeout=30).json()
    assert {t["id"] for t in served} == {t["id"] for t in tickets.values()}
    page.wait_for_function("n => document.querySelectorAll('#ticket-list .ticket').length === n", arg=len(tickets))
    respond_by = {t["id"]: datetime.fromisoformat(t["respond_by"]) for t in tickets.values()}
    shown = [respond_by[ticket_id] for ticket_id in listed_ids(page)]
    assert all(a <= b + timedelta(seconds=1) for a, b in zip(shown, shown[1:])), listed_ids(page)
    for reason, opened in tickets.items():
        line = row(page, opened["id"])
        assert line.locator(".ticket-number").text_content() == opened["number"]
        assert (
            line.locator(".sla-badge").text_content()
            == {"urgent": "紧急", "important": "重要", "general": "一般"}[REASONS[reason]]
        )
        assert line.locator(".ticket-status").text_content() == "待受理"
        assert line.locator(".ticket-assignee").text_content() == "未受理"
        assert TIME_LEFT.match(line.locator(".ticket-left").text_content()), line.locator(".ticket-left").text_content()
    general_left = row(page, tickets["request_human"]["id"]).locator(".ticket-left").text_content()
    assert general_left.startswith("首次响应时限 剩余 1小时"), general_left

    # open it: the handoff it came from is in the context panel, as a conversation's is
    row(page, ticket["id"]).click()
    wait_for_status(page, ticket["id"], "open")
    assert page.text_content("#ticket-number") == "工单 " + ticket["number"]
    assert page.is_disabled("#ticket-answer") and page.is_visible("#ticket-claim")
    assert page.text_content("#ctx-summary") == ticket["package"]["summary"]
    assert "张伟" in page.text_content("#ctx-customer")
    assert page.locator("#ctx-transcript .turn").count() == len(ticket["package"]["transcript"])
    assert page.is_hidden("#notes"), "internal notes belong to conversations"
    assert timeline(page) == ["创建工单"]

    # 受理
    page.click("#ticket-claim")
    wait_for_status(page, ticket["id"], "assigned")
    me = wang.get(f"{url}/api/auth/me", timeout=30).json()["display_name"]
    assert page.text_content("#ticket-badges .ticket-status") == "处理中"
    assert me in page.text_content("#ticket-assignee")
    assert timeline(page) == ["创建工单", "受理/指派"]
    row(page, ticket["id"]).locator(".ticket-assignee", has_text=me).wait_for()

    # 答复: Enter breaks the line, Ctrl+Enter sends
    page.click("#ticket-answer")
    page.keyboard.type("张先生您好，您的订单已加急处理。")
    page.keyboard.press("Enter")
    page.keyboard.type("明天中午前会有快递更新，请留意短信。")
    answer = "张先生您好，您的订单已加急处理。\n明天中午前会有快递更新，请留意短信。"
    assert page.input_value("#ticket-answer") == answer
    page.keyboard.press("Control+Enter")
    wait_for_status(page, ticket["id"], "answered")
    assert page.text_content("#ticket-badges .ticket-status") == "已答复，待客户回复"
    reply = page.locator("#ticket-messages .msg-agent")
    assert reply.locator(".msg-text").text_content() == answer
    assert reply.locator(".msg-delivery").text_content() == "已送达 · 对话记录"  # a REST conversation
    assert page.input_value("#ticket-answer") == ""
    assert timeline(page)[-1] == "客服已答复"
    assert page.text_content("#ticket-left").startswith("解决时限 "), "the first answer ends the respond deadline"
    pushed = wait_for_agent_text(rasa_url, ticket["sender"], answer)
    assert pushed["metadata"].get("ticket_answer") == ticket["number"]
    screenshot(page, "")

    # the customer writes again: shown at once, and the ticket is back at work (no reload)
    page.evaluate("window.__notReloaded = true")
    words = "收到，谢谢！如果明天还没到怎么办？"
    customer_writes(url, ticket, words)
    page.locator("#ticket-messages .msg-customer .msg-text", has_text=words).wait_for()
    wait_for_status(page, ticket["id"], "assigned")
    assert timeline(page)[-2:] == ["客户留言", "重新打开"]
    row(page, ticket["id"]).locator(".ticket-status", has_text="处理中").wait_for()
    assert page.evaluate("window.__notReloaded") is True

    # 标记已解决: it leaves the list of active tickets
    page.click("#ticket-resolve")
    wait_for_status(page, ticket["id"], "resolved")
    assert page.text_content("#ticket-badges .ticket-status") == "已解决"
    assert page.text_content("#ticket-left") == ""
    assert page.is_visible("#ticket-reopen") and page.is_hidden("#ticket-resolve")
    assert timeline(page)[-1] == "标记已解决"
    gone = "id => !document.querySelector(`#ticket-list .ticket[data-ticket-id='${id}']`)"
    page.wait_for_function(gone, arg=ticket["id"])
    page.select_option("#ticket-status-filter", "resolved")
    row(page, ticket["id"]).wait_for()

    # 重新打开, then 关闭: final, only 重新打开 is left
    page.click("#ticket-reopen")
    wait_for_status(page, ticket["id"], "assigned")
    assert timeline(page)[-1] == "重新打开" and page.is_enabled("#ticket-answer")
    page.click("#ticket-close")
    wait_for_status(page, ticket["id"], "closed")
    assert page.text_content("#ticket-badges .ticket-status") == "已关闭"
    assert timeline(page)[-1] == "工单关闭"
    assert page.is_visible("#ticket-reopen") and page.is_hidden("#ticket-close") and page.is_disabled("#ticket-answer")
    page.select_option("#ticket-status-filter", "closed")
    row(page, ticket["id"]).wait_for()
    assert errors == []


def test_the_time_left_ticks_on_without_a_reload(ticket_desk, context):
    url, tickets = ticket_desk["url"], ticket_desk["tickets"]
    important = tickets["backend_down"]["id"]
    context.route_web_socket("**/ws", lambda ws: None)  # no pushes: whatever changes, the page's clock did it
    page = context.new_page()
    page.clock.install()
    fetches = []
    page.on("request", lambda request: fetches.append(request.url) if "/api/tickets" in request.url else None)
    open_tickets_tab(page, url, "li")
    page.wait_for_selector("body[data-tickets-loaded='2']", state="attached")  # at login, and the tab's own
    left = row(page, important).locator(".ticket-left")
    assert left.text_content().startswith("首次响应时限 剩余 ") and left.get_attribute("data-urgency") == "ok"
    loaded = len(fetches)

    page.clock.fast_forward("40:00")  # past the 30 minutes of an "important" first response
    page.wait_for_function(
        "id => document.querySelector(`#ticket-list .ticket[data-ticket-id='${id}'] .ticket-left`)"
        ".textContent.startsWith('首次响应时限 已超时')",
        arg=important,
    )
    assert re.fullmatch(r"首次响应时限 已超时 \d+分钟", left.text_content()), left.text_content()
    assert left.get_attribute("data-urgency") == "breached"
    color = left.evaluate("node => getComputedStyle(node).color")
    assert color == "rgb(198, 40, 40)", "overdue is red"
    general = row(page, tickets["request_human"]["id"]).locator(".ticket-left").text_content()
    assert re.fullmatch(r"首次响应时限 剩余 (1小时\d+分|\d+分钟)", general), general
    assert len(fetches) == loaded, "ticking needs no request"


def test_a_deadline_alert_shows_a_toast_and_a_count_on_the_tab(context, tmp_path):
    """A service of the test's own whose "urgent" first response is due within a minute, at
    risk half-way: the alerts come while the agent watches (no Rasa needed: nobody answers)."""
    settings = {
        "HANDOFF_REQUIRE_AGENT_ONLINE": "true",
        "HANDOFF_SLA_CLASSES": json.dumps({**SLA_CLASSES, "urgent": {"respond_minutes": 1, "resolve_minutes": 10}}),
        "HANDOFF_TICKET_AT_RISK_SHARE": "0.5",
        "HANDOFF_TICKET_WATCH_SECONDS": "1",
    }
    with running_handoff(tmp_path, rasa_url=f"http://127.0.0.1:{free_port()}", extra_env=settings) as url:
        ticket = open_ticket_without_rasa(url, "complain")
        assert ticket["sla_class"] == "urgent"
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        login(page, url, "li")  # on the 会话 tab: the alert must reach the agent there
        page.wait_for_selector("#connection[data-state='online']")

        # half of its minute gone: at risk, in amber, counted on the 工单 tab
        at_risk = page.locator(f"#toasts .toast[data-ticket-id='{ticket['id']}'][data-kind='at_risk']")
        at_risk.wait_for()
        assert at_risk.locator(".toast-text").text_content() == f"工单 {ticket['number']} 首次响应即将超时"
        assert page.text_content("#tickets-badge") == "1"
        screenshot(page, "-alert")

        # the minute passed: breached, still one ticket on the count
        breached = page.locator(f"#toasts .toast[data-ticket-id='{ticket['id']}'][data-kind='breached']")
        breached.wait_for()
        assert breached.locator(".toast-text").text_content() == f"工单 {ticket['number']} 首次响应已超时"
        assert page.text_content("#tickets-badge") == "1"

        # the toast opens its ticket: overdue in red, the alerts on its timeline
        breached.locator(".toast-text").click()
        wait_for_status(page, ticket["id"], "open")
        assert page.is_hidden("#tickets-badge"), "looking at the tickets clears the count"
        assert page.get_attribute("#ticket-left", "data-urgency") == "breached"
        assert re.match(r"首次响应时限 (已超时|刚刚超时)", page.text_content("#ticket-left"))
        assert timeline(page) == ["创建工单", "首次响应即将超时", "首次响应已超时"]
        assert row(page, ticket["id"]).get_attribute("data-urgency") == "breached"
        screenshot(page, "-overdue")
        assert errors == []


def test_an_answer_that_did_not_reach_the_customer_is_marked(context, tmp_path):
    """A service whose Rasa does not answer: the answer is kept, marked 「未送达」 with the reason,
    and the ticket stays with the agent to answer again."""
    settings = {"HANDOFF_REQUIRE_AGENT_ONLINE": "true"}
    with running_handoff(tmp_path, rasa_url=f"http://127.0.0.1:{free_port()}", extra_env=settings) as url:
        ticket = open_ticket_without_rasa(url, "request_human")
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        open_tickets_tab(page, url, "wang")
        row(page, ticket["id"]).click()
        wait_for_status(page, ticket["id"], "open")
        page.click("#ticket-claim")
        wait_for_status(page, ticket["id"], "assigned")
        page.fill("#ticket-answer", "您好，我们已收到您的留言，正在为您处理。")
        with page.expect_response(lambda r: r.url.endswith("/answer")) as answered:
            page.click("#ticket-send")
        assert answered.value.status == 201 and answered.value.json()["delivery"] == "not_delivered"
        mark = page.locator("#ticket-messages .msg-agent .msg-not-delivered")
        mark.wait_for()
        assert mark.text_content() == "未送达：机器人服务暂时不可用"
        assert page.get_attribute("#ticket-main", "data-status") == "assigned"
        assert page.text_content("#ticket-badges .ticket-status") == "处理中"
        assert "客服已答复" not in timeline(page)
        assert page.text_content("#ticket-left").startswith("首次响应时限 "), "the first response is still due"
        assert page.is_enabled("#ticket-answer"), "the agent answers again"
        assert errors == []


def test_a_supervisor_sees_every_ticket_and_gives_one_to_an_agent(ticket_desk, browser):
    url, tickets = ticket_desk["url"], ticket_desk["tickets"]
    wang_claimed = tickets["upset"]["id"]
    general = tickets["request_human"]["id"]
    li = agent_session(url, "li")
    li_id = li.get(f"{url}/api/auth/me", timeout=30).json()["id"]
    before = [t for t in li.get(f"{url}/api/tickets", timeout=30).json() if t["id"] == general]
    assert before and before[0]["assigned_agent_id"] is None, "nobody's yet"

    with page_context(browser, 1440, 1000, WAIT_MS) as zhou_context:
        zhou = zhou_context.new_page()
        open_tickets_tab(zhou, url, "zhou")
        zhou.select_option("#ticket-status-filter", "closed")
        row(zhou, wang_claimed).wait_for()  # another agent's, closed: a supervisor sees it
        zhou.select_option("#ticket-status-filter", "")
        row(zhou, general).click()
        wait_for_status(zhou, general, "open")
        zhou.click("#ticket-assign")
        zhou.wait_for_selector("#ticket-assign-panel", state="visible")
        zhou.select_option("#ticket-assign-agent", str(li_id))
        zhou.click("#ticket-assign-confirm")
        wait_for_status(zhou, general, "assigned")
        assert "受理客服：" in zhou.text_content("#ticket-assignee")
        assert zhou.text_content("#ticket-badges .ticket-status") == "处理中"
        line = row(zhou, general)
        line.locator(".ticket-status", has_text="处理中").wait_for()
        zhou.wait_for_selector("#ticket-assign-panel", state="hidden")
        assert zhou.is_enabled("#ticket-answer"), "a supervisor may answer any ticket"
        screenshot(zhou, "-supervisor")

    mine = [t for t in li.get(f"{url}/api/tickets", timeout=30).json() if t["id"] == general]
    assert mine and mine[0]["assigned_agent_id"] == li_id and mine[0]["status"] == "assigned"
