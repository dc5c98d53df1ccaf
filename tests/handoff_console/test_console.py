"""The agent console (handoff/console/) in a real browser against the real handoff service and a real Rasa.

Headless Debian Chromium (scripts/install-browser) driven by Playwright opens /console/
of the handoff service (`handoff_url`: scripts/handoff), which talks to a real `rasa run`
(`rasa_url`), both from tests/conftest.py.
A conversation is opened in Rasa over its REST channel, handed off through the service-key
API the way the action server does, and an agent works it in the page: the queue, accepting,
the context the bot handed over, replies that reach Rasa's tracker, a customer message that
arrives over the websocket, an internal note, returning it to the bot.
Waits wait for what the agent would see; nothing is timed.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
import requests

from devtools.rasa_server import ROOT
from tests.browser import browser_fixtures, page_context
from tests.services import HANDOFF_DEMO_PASSWORD as DEMO_PASSWORD
from tests.services import HANDOFF_SERVICE_KEY, free_port, rasa_headers, rest_headers, running_handoff

SCREENSHOT = ROOT / "var" / "screenshots" / "console.png"
CONSOLE_MODULES = sorted((ROOT / "handoff" / "console").glob("*.js"))
WAIT_MS = 60_000
POLL_S = 60  # how long to wait for Rasa's tracker to show a pushed event
SERVICE_HEADERS = {"X-Service-Key": HANDOFF_SERVICE_KEY}
ORDER_ID = "20261101000001"

browser, context = browser_fixtures(width=1440, height=1100, timeout_ms=WAIT_MS)


# --- a customer and their handoff ----------------------------------------------------------


def talk_to_rasa(rasa_url: str, sender: str, text: str) -> list:
    response = requests.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers=rest_headers(),
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def greeting_turns(rasa_url: str, sender: str) -> list:
    """The real first turn of the conversation, read from Rasa's tracker as the action server reads it."""
    events = requests.get(f"{rasa_url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=30).json()[
        "events"
    ]
    user = next(e for e in events if e["event"] == "user")
    bot = next(e for e in events if e["event"] == "bot" and e["timestamp"] >= user["timestamp"])
    parse = user["parse_data"]
    assert "sentiment" in parse, "the sentiment component reads every message"
    return [
        {
            "role": "customer",
            "text": user["text"],
            "at": iso(user["timestamp"]),
            "intent": parse["intent"]["name"],
            "confidence": parse["intent"]["confidence"],
            "sentiment": parse["sentiment"],
        },
        {"role": "bot", "text": bot["text"], "at": iso(bot["timestamp"])},
    ]


def package(sender: str, greeting: list) -> dict:
    """A handoff package as the action server builds it for an upset gold-card customer: the real
    greeting turn, then two turns about an order (between the greeting and now)."""
    start = datetime.fromisoformat(greeting[-1]["at"]).timestamp()
    step = (time.time() - start) / 5
    return {
        "sender_id": sender,
        "channel": "rest",
        "customer": {"id": "C0001", "name": "张伟", "phone_masked": "138****8000", "level": "金卡", "verified": True},
        "reason": "upset",
        "trigger": {"reading": "sentiment 0.97 ≥ 0.85", "signal": "sentiment", "score": 0.97},
        "priority": 2,
        "summary": f"客户想查询订单 {ORDER_ID} 的物流进度，情绪激动，要求人工处理。",
        "transcript": greeting
        + [
            {
                "role": "customer",
                "text": f"我的订单 {ORDER_ID} 怎么还没到",
                "at": iso(start + step),
                "intent": "logistics_track",
                "confidence": 0.93,
                "sentiment": {"label": "negative", "score": 0.62},
            },
            {"role": "bot", "text": "您的包裹正在运输中，预计明天送达。", "at": iso(start + 2 * step)},
            {
                "role": "customer",
                "text": "都一个星期了！你们到底怎么回事，太气人了！",
                "at": iso(start + 3 * step),
                "intent": "complain",
                "confidence": 0.71,
                "sentiment": {"label": "negative", "score": 0.97},
            },
        ],
        "slots": {"order_id": ORDER_ID, "verified": True, "phone": "138****8000"},
        "orders": [
            {
                "order_id": ORDER_ID,
                "status": "shipped",
                "status_text": "已发货",
                "total": "299.00",
                "courier": "顺丰速运",
                "tracking_no": "SF1234567890123",
            }
        ],
    }


def open_handoff(handoff_url: str, rasa_url: str) -> tuple[str, dict, int]:
    """A fresh REST conversation in Rasa, handed off; returns (sender, package, handoff id)."""
    sender = uuid.uuid4().hex
    assert talk_to_rasa(rasa_url, sender, "你好"), "Rasa answers the greeting"
    handed = package(sender, greeting_turns(rasa_url, sender))
    response = requests.post(f"{handoff_url}/api/handoffs", json=handed, headers=SERVICE_HEADERS, timeout=30)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "QUEUED" and body["on_duty"] is True, body
    return sender, handed, body["id"]


def customer_says(handoff_url: str, sender: str, text: str) -> None:
    """A customer message as Rasa's event broker publishes it (bot/brokers/handoff_relay.py)."""
    event = {
        "sender_id": sender,
        "event": "user",
        "timestamp": time.time(),
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": "logistics_track", "confidence": 0.88},
            "entities": [],
            "sentiment": {"label": "negative", "score": 0.81},
        },
        "input_channel": "rest",
        "message_id": uuid.uuid4().hex,
        "metadata": {},
    }
    response = requests.post(f"{handoff_url}/api/rasa-events", json=event, headers=SERVICE_HEADERS, timeout=30)
    assert response.status_code == 202, response.text


def agent_session(handoff_url: str, username: str) -> requests.Session:
    """An agent's API session (the cookie of POST /api/auth/login), for what the test does besides the page."""
    session = requests.Session()
    response = session.post(
        f"{handoff_url}/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}, timeout=30
    )
    assert response.ok, response.text
    return session


def agent_events(rasa_url: str, sender: str) -> list:
    tracker = requests.get(f"{rasa_url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=30).json()
    return [
        e
        for e in tracker["events"]
        if e["event"] == "bot" and ((e.get("data") or {}).get("custom") or {}).get("sender") == "agent"
    ]


def wait_for_agent_text(rasa_url: str, sender: str, text: str) -> dict:
    """Polls Rasa's tracker until a bot event of the agent carries `text` (the service pushes it)."""
    deadline = time.monotonic() + POLL_S
    while True:
        events = agent_events(rasa_url, sender)
        found = [e for e in events if e["data"]["custom"].get("text") == text]
        if found or time.monotonic() > deadline:
            assert found, f"no agent event with {text!r} in Rasa's tracker: {events}"
            return found[0]
        time.sleep(0.5)


# --- the page -------------------------------------------------------------------------------


def login(page, handoff_url: str, username: str, password: str = DEMO_PASSWORD):
    page.goto(f"{handoff_url}/console/")
    page.wait_for_selector("#login-form", state="visible")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")


def wait_for_lists(page):
    """Waits until the page has loaded the queue and the agent's lists (body[data-lists-loaded])."""
    page.wait_for_selector("body[data-lists-loaded]", state="attached")


def conv(page, list_id: str, handoff_id: int):
    return page.locator(f"#{list_id} .conv[data-handoff-id='{handoff_id}']")


def chat_texts(page, role: str) -> list:
    return page.eval_on_selector_all(f"#messages .msg-{role} .msg-text", "rows => rows.map(r => r.textContent)")


def wait_for_chat_text(page, role: str, text: str):
    page.wait_for_function(
        """([role, text]) => [...document.querySelectorAll('#messages .msg-' + role + ' .msg-text')]
              .some(row => row.textContent === text)""",
        arg=[role, text],
    )


# --- tests ------------------------------------------------------------------------------------


def test_the_console_is_served(handoff_url):
    page = requests.get(f"{handoff_url}/console/", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="console.js"></script>' in page.text
    for name, kind in (("console.js", "javascript"), ("console.css", "text/css")):
        served = requests.get(f"{handoff_url}/console/{name}", timeout=30)
        assert served.status_code == 200 and kind in served.headers["content-type"], name
    # every module the entry module imports, at a JavaScript type (browsers refuse modules served otherwise)
    for module in CONSOLE_MODULES:
        served = requests.get(f"{handoff_url}/console/{module.name}", timeout=30)
        assert served.status_code == 200 and "javascript" in served.headers["content-type"], module.name
        assert "innerHTML" not in served.text, f"{module.name}: server texts go in with textContent"


def test_an_agent_takes_a_handoff_replies_and_returns_it_to_the_bot(handoff_url, rasa_url, context):
    sender, handed, handoff_id = open_handoff(handoff_url, rasa_url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    login(page, handoff_url, "wang")
    page.wait_for_selector("#app-view", state="visible")
    assert page.is_hidden("#login-view")
    page.wait_for_selector("#connection[data-state='online']")

    # the queue: 张伟, VIP and upset, with the reason in Chinese and a wait time
    row = conv(page, "queue", handoff_id)
    row.wait_for()
    assert "张伟" in row.locator(".conv-name").text_content()
    assert row.locator(".conv-reason").text_content() == "情绪激动"
    assert row.locator(".badge-vip").count() == 1 and row.locator(".badge-upset").count() == 1
    assert "已等待" in row.locator(".conv-wait").text_content()

    # open it, accept it
    row.click()
    page.wait_for_selector("#chat-main[data-state='QUEUED']")
    assert page.text_content("#chat-state") == "排队中"
    assert page.is_disabled("#reply")
    page.click("#btn-accept")
    page.wait_for_selector("#chat-main[data-state='AGENT']")
    assert page.text_content("#chat-state") == "人工接待中"
    conv(page, "mine", handoff_id).wait_for()
    page.wait_for_function("id => !document.querySelector(`#queue .conv[data-handoff-id='${id}']`)", arg=handoff_id)

    # the context the bot handed over; the bot's part of the chat is shown as history
    assert page.locator("#messages .msg-history").count() == 5
    assert page.text_content("#ctx-summary") == handed["summary"]
    customer = page.text_content("#ctx-customer")
    assert "张伟" in customer and "138****8000" in customer and "金卡" in customer and "已验证" in customer
    assert page.text_content("#ctx-reason") == "情绪激动"
    assert "sentiment 0.97 ≥ 0.85" in page.text_content("#ctx-trigger")
    assert page.locator("#ctx-sentiment svg circle.sentiment-point").count() == 3
    scores = page.eval_on_selector_all(
        "#ctx-sentiment circle.sentiment-point", "points => points.map(p => Number(p.dataset.score))"
    )
    assert scores == [pytest.approx(handed["transcript"][0]["sentiment"]["score"]), 0.62, 0.97]
    assert page.locator("#ctx-transcript .turn").count() == 5
    transcript = page.text_content("#ctx-transcript")
    assert "logistics_track · 93%" in transcript and "complain · 71%" in transcript
    assert ORDER_ID in page.text_content("#ctx-slots")
    assert page.text_content("#ctx-orders .order-id") == ORDER_ID

    # a canned reply fills the box; Enter sends it
    page.click("#canned summary")
    canned = page.locator(".canned-item").first
    canned.wait_for()
    canned_text = canned.get_attribute("title")
    assert canned_text
    canned.click()
    assert page.input_value("#reply") == canned_text
    page.press("#reply", "Enter")
    wait_for_chat_text(page, "agent", canned_text)
    assert page.input_value("#reply") == ""

    # a typed reply: Shift+Enter breaks the line, Enter sends
    page.click("#reply")
    page.keyboard.type("张先生您好，我是客服小王。")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("您的订单已催促快递，今天内会有更新。")
    typed = "张先生您好，我是客服小王。\n您的订单已催促快递，今天内会有更新。"
    assert page.input_value("#reply") == typed
    page.keyboard.press("Enter")
    wait_for_chat_text(page, "agent", typed)
    assert chat_texts(page, "agent") == [canned_text, typed], "each reply shown once (answer and push)"

    # both reached the customer's conversation in Rasa as the agent's messages
    wait_for_agent_text(rasa_url, sender, canned_text)
    pushed = wait_for_agent_text(rasa_url, sender, typed)
    assert pushed["data"]["custom"].get("agent_name")

    # the customer answers (through Rasa's broker): it shows up live, no reload
    page.evaluate("window.__notReloaded = true")
    customer_text = "好的，那我再等等，谢谢。"
    customer_says(handoff_url, sender, customer_text)
    wait_for_chat_text(page, "customer", customer_text)
    assert page.evaluate("window.__notReloaded") is True
    page.wait_for_function("() => document.querySelectorAll('#ctx-sentiment circle.sentiment-point').length === 4")

    # an internal note: shown apart from the chat, never sent to the customer
    note = "客户情绪已缓和，已联系顺丰加急，明天回访。"
    page.fill("#note-input", note)
    page.click("#note-save")
    page.wait_for_function(
        "text => [...document.querySelectorAll('#notes .note-text')].some(n => n.textContent === text)", arg=note
    )
    assert note not in page.text_content("#messages")
    note_bg = page.eval_on_selector("#notes .note", "n => getComputedStyle(n).backgroundColor")
    chat_bg = page.eval_on_selector("#messages .msg-agent", "n => getComputedStyle(n).backgroundColor")
    assert note_bg != chat_bg

    # markup typed by anyone is shown as text
    markup = '<img src=x onerror="window.__xss=1"><b>粗体</b>'
    customer_says(handoff_url, sender, markup)
    wait_for_chat_text(page, "customer", markup)
    assert page.locator("#messages img, #messages b").count() == 0
    assert page.evaluate("window.__xss") is None

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # back to the bot
    page.click("#btn-return")
    page.wait_for_selector("#chat-main[data-state='BOT']")
    assert page.text_content("#chat-state") == "机器人接待"
    assert page.is_disabled("#reply") and page.is_hidden("#btn-return")
    page.wait_for_function("id => !document.querySelector(`#mine .conv[data-handoff-id='${id}']`)", arg=handoff_id)

    tracker_text = str(
        requests.get(f"{rasa_url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=30).json()
    )
    assert note not in tracker_text, "internal notes never reach the customer's conversation"
    assert not errors, errors


def test_a_wrong_password_is_refused_and_an_ended_session_goes_back_to_the_login(handoff_url, context):
    page = context.new_page()
    login(page, handoff_url, "wang", "not-the-password")
    page.wait_for_selector("#login-error", state="visible")
    assert page.text_content("#login-error") == "用户名或密码错误"
    assert page.is_hidden("#app-view")
    assert page.input_value("#login-password") == ""
    assert context.request.get(f"{handoff_url}/api/auth/me").status == 401

    # the right password; then the session ends behind the page's back: the page's next call
    # (its periodic refresh of the queue) answers 401 and the agent is back at the login form
    page.fill("#login-username", "wang")
    page.fill("#login-password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#app-view", state="visible")
    context.clear_cookies()
    page.wait_for_selector("#login-view", state="visible")
    assert page.is_hidden("#app-view")
    assert page.text_content("#login-error") == "登录已过期，请重新登录。"


def test_a_locked_login_says_how_long_to_wait(handoff_url, context):
    # five failures lock a username, known or not (the service's login limit); "zhao" is no
    # agent, so no other test is locked out
    for _ in range(5):
        body = {"username": "zhao", "password": "wrong-password"}
        assert requests.post(f"{handoff_url}/api/auth/login", json=body, timeout=30).status_code == 401
    page = context.new_page()
    login(page, handoff_url, "zhao", "wrong-password")
    page.wait_for_selector("#login-error", state="visible")
    assert page.text_content("#login-error") == "登录失败次数过多，账号已暂时锁定，请 15 分钟后再试。"
    assert page.is_hidden("#app-view")


def test_taking_a_conversation_someone_else_took_first_is_explained(handoff_url, rasa_url, context):
    _, _, handoff_id = open_handoff(handoff_url, rasa_url)
    # The page's live updates are held back, so that it still shows the conversation as queued
    # when the agent clicks: the race of two agents accepting at the same moment.
    context.route_web_socket("**/ws", lambda ws: None)
    page = context.new_page()
    login(page, handoff_url, "wang")
    row = conv(page, "queue", handoff_id)
    row.wait_for()
    row.click()
    page.wait_for_selector(f"#chat-main[data-handoff-id='{handoff_id}'][data-state='QUEUED']")

    li = agent_session(handoff_url, "li")
    assert li.post(f"{handoff_url}/api/handoffs/{handoff_id}/accept", timeout=30).ok

    page.click("#btn-accept")
    page.wait_for_selector("#notice[data-kind='error']", state="visible")
    assert page.text_content("#notice-text") == "该会话已被其他客服接入"
    page.wait_for_function("id => !document.querySelector(`#queue .conv[data-handoff-id='${id}']`)", arg=handoff_id)
    assert li.post(f"{handoff_url}/api/handoffs/{handoff_id}/close", json={"disposition": "duplicate"}, timeout=30).ok


def test_a_supervisor_sees_everything_and_another_agent_does_not(handoff_url, rasa_url, browser):
    _, _, handoff_id = open_handoff(handoff_url, rasa_url)
    wang = agent_session(handoff_url, "wang")
    assert wang.post(f"{handoff_url}/api/handoffs/{handoff_id}/accept", timeout=30).ok
    wang_name = wang.get(f"{handoff_url}/api/auth/me", timeout=30).json()["display_name"]

    # 主管 zhou: every conversation with who holds it, and each agent's load
    with page_context(browser, 1440, 1000, WAIT_MS) as zhou_context:
        zhou = zhou_context.new_page()
        login(zhou, handoff_url, "zhou")
        zhou.wait_for_selector("#supervisor-all", state="visible")
        row = conv(zhou, "all-conversations", handoff_id)
        row.wait_for()
        assert "张伟" in row.text_content() and wang_name in row.text_content()
        assert row.locator(".state-badge").text_content() == "人工接待中"
        load = zhou.locator("#agent-load tr[data-username='wang'] .load-count")
        load.wait_for()
        assert int(load.text_content()) >= 1
        assert zhou.locator("#agent-load tr[data-username='li']").count() == 1
        row.click()
        zhou.wait_for_selector(f"#chat-main[data-handoff-id='{handoff_id}'][data-state='AGENT']")
        assert wang_name in zhou.text_content("#chat-assignee")

    # agent li: neither in the queue nor among li's conversations, and not readable
    with page_context(browser, 1440, 1000, WAIT_MS) as li_context:
        li = li_context.new_page()
        login(li, handoff_url, "li")
        li.wait_for_selector("#app-view", state="visible")
        wait_for_lists(li)
        assert li.is_hidden("#supervisor-all") and li.is_hidden("#supervisor-load")
        assert li.locator(f".conv[data-handoff-id='{handoff_id}']").count() == 0
        assert li_context.request.get(f"{handoff_url}/api/handoffs/{handoff_id}").status == 404
    # leave no conversation held for the other suites that share the service
    assert wang.post(f"{handoff_url}/api/handoffs/{handoff_id}/close", json={"disposition": "resolved"}, timeout=30).ok


def test_the_live_connection_comes_back_after_a_drop(handoff_url, context):
    sockets = []

    def through(ws):  # the page's websocket, passed through to the service
        ws.connect_to_server()
        sockets.append(ws)

    context.route_web_socket("**/ws", through)
    page = context.new_page()
    login(page, handoff_url, "wang")
    page.wait_for_selector("#connection[data-state='online']")
    assert len(sockets) == 1
    sockets[0].close(code=1012, reason="service restart")
    page.wait_for_function("() => document.querySelector('#connection').dataset.state !== 'online'")
    page.wait_for_selector("#connection[data-state='online']")  # reconnected with backoff, no reload
    assert len(sockets) == 2
    assert page.is_visible("#app-view")


def test_a_reply_that_did_not_reach_the_customer_is_marked_and_can_be_resent(context, tmp_path):
    """A handoff service whose Rasa does not answer: the reply is kept, marked 「未送达」 with the
    reason, and offers 重发 (which, with Rasa still away, leaves it marked)."""
    with running_handoff(tmp_path, rasa_url=f"http://127.0.0.1:{free_port()}") as url:
        now = time.time()
        greeting = [
            {"role": "customer", "text": "你好", "at": iso(now - 60)},
            {"role": "bot", "text": "您好，请问有什么可以帮您？", "at": iso(now - 59)},
        ]
        handed = package(f"rest-{uuid.uuid4().hex}", greeting)
        response = requests.post(f"{url}/api/handoffs", json=handed, headers=SERVICE_HEADERS, timeout=30)
        assert response.status_code == 201, response.text
        handoff_id = response.json()["id"]
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        login(page, url, "wang")
        conv(page, "queue", handoff_id).click()
        page.click("#btn-accept")
        page.wait_for_selector("#chat-main[data-state='AGENT']")
        page.fill("#reply", "您好，我来帮您查一下")
        page.press("#reply", "Enter")
        mark = page.locator("#messages .msg-agent .msg-not-delivered")
        mark.wait_for()
        assert mark.locator(".msg-delivery-reason").text_content() == "未送达：机器人服务暂时不可用"
        assert chat_texts(page, "agent") == ["您好，我来帮您查一下"]
        with page.expect_response(lambda r: r.url.endswith("/resend")) as resent:
            mark.locator(".msg-resend").click()
        assert resent.value.status == 200 and resent.value.json()["delivery"] == "not_delivered"
        mark.wait_for()
        stored = agent_session(url, "wang").get(f"{url}/api/handoffs/{handoff_id}", timeout=30).json()
        [reply] = [m for m in stored["messages"] if m["role"] == "agent"]
        assert (reply["delivery"], reply["delivery_reason"]) == ("not_delivered", "rasa_unavailable")
        # reloaded, the page shows the mark from what the service stored
        page.reload()
        wait_for_lists(page)
        conv(page, "mine", handoff_id).click()
        page.locator("#messages .msg-agent .msg-not-delivered").wait_for()
        assert errors == []
