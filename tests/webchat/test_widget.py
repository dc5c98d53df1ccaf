"""The web chat widget in a real browser against a real Rasa.

Headless Debian Chromium (scripts/install-browser) driven by Playwright opens the
demo shop page that Rasa itself serves (/webchat/), and talks to Rasa's socket.io
channel (bot.channels.webchat.WebChatInput, configured as in credentials.yml),
whose actions run on the real action server and shop backend (tests/conftest.py).
Waits wait for what the customer would see; nothing is timed.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import requests
import yaml

from bot import identity_token
from devtools.rasa_server import ROOT, running_rasa
from tests.browser import browser_fixtures
from tests.services import endpoints_file, rasa_headers

CHANNEL = "bot.channels.webchat.WebChatInput"
SCREENSHOT = ROOT / "var" / "screenshots" / "webchat.png"
WAIT_MS = 90_000  # a reply waits for NLU and the action server on a busy machine
MAX_INPUT_CHARS = 500  # webchat/widget.js MAX_INPUT_CHARS

browser, context = browser_fixtures(width=1100, height=760, timeout_ms=WAIT_MS)


def server_log_path() -> Path:
    """Under TEST_LOG_DIR, so that the log audit of the test run reads the server's log."""
    root = Path(os.environ.get("TEST_LOG_DIR") or ROOT / "var" / "test-logs")
    return root / f"webchat-{uuid.uuid4().hex[:8]}" / "rasa.log"


@pytest.fixture(scope="module")
def webchat_url(model: Path, action_url: str, tmp_path_factory) -> str:
    """Rasa with the project's web chat channel settings, the real action server, its own tracker store."""
    state = tmp_path_factory.mktemp("webchat-rasa")
    project = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    assert CHANNEL in project, f"credentials.yml has no {CHANNEL} section"
    credentials = state / "credentials.yml"
    # only the channels this test uses: other connectors have their own tests
    credentials.write_text(yaml.safe_dump({CHANNEL: project[CHANNEL]}), encoding="utf-8")
    with running_rasa(
        model, endpoints=endpoints_file(state, action_url), credentials=credentials, log_path=server_log_path()
    ) as url:
        yield url


# --- what the customer sees ---------------------------------------------------------------


def messages(page):
    """[(kind, label, text)] of the chat log, kind being user / bot / agent."""
    return [
        tuple(row)
        for row in page.eval_on_selector_all(
            ".xm-messages > .xm-msg",
            """rows => rows.map(row => [
        row.classList.contains('xm-msg--user') ? 'user' : row.classList.contains('xm-msg--agent') ? 'agent' : 'bot',
        (row.querySelector('.xm-label') || {}).textContent || '',
        row.querySelector('.xm-bubble').textContent])""",
        )
    ]


def user_texts(page):
    return [text for kind, _, text in messages(page) if kind == "user"]


def wait_for_reply(page, since: int, contains: str = ""):
    """Waits until a bot or agent message after row `since` contains `contains`; returns the new rows."""
    page.wait_for_function(
        """([since, contains]) => [...document.querySelectorAll('.xm-messages > .xm-msg')].slice(since)
              .some(row => !row.classList.contains('xm-msg--user')
                           && row.querySelector('.xm-bubble').textContent.includes(contains))""",
        arg=[since, contains],
        timeout=WAIT_MS,
    )
    return messages(page)[since:]


def watch_typing(page):
    page.evaluate("""() => {
        window.__typingSeen = false;
        const typing = document.querySelector('.xm-typing');
        new MutationObserver(() => { if (!typing.hidden) window.__typingSeen = true; })
            .observe(typing, {attributes: true, attributeFilter: ['hidden']});
    }""")


def say(page, text: str, expect: str = ""):
    """Types `text`, sends it with Enter, waits for the answer containing `expect`."""
    since = len(messages(page))
    watch_typing(page)
    page.fill(".xm-input", text)
    page.press(".xm-input", "Enter")
    rows = wait_for_reply(page, since, expect)
    assert rows[0] == ("user", "", text)
    assert page.evaluate("window.__typingSeen"), "the typing indicator showed while the bot worked"
    assert page.is_hidden(".xm-typing"), "and went away with the answer"
    return " ".join(text for kind, _, text in rows[1:])


def open_chat(page, url: str = ""):
    """Opens the chat window on `url` (by default on the page as it is)."""
    if url:
        page.goto(url)
    page.wait_for_selector(".xm-chat")  # the widget builds its window once its DOM helper (dom.js) is in
    if page.is_visible(".xm-launcher"):
        page.click(".xm-launcher")
    page.wait_for_selector(".xm-panel", state="visible")


def demo_login(page):
    """The demo page's login button: the server signs the demo customer in and renders the page again."""
    with page.expect_navigation():
        page.click("#demo-login")
    assert page.text_content("#shop-user") == "已登录：演示顾客 C0001"


def demo_logout(page):
    with page.expect_navigation():
        page.click("#demo-login")
    assert page.text_content("#shop-user") == "游客"


def session_id(page) -> str:
    return page.get_attribute(".xm-chat", "data-session-id")


def wait_for_connected(page):
    page.wait_for_function(
        "() => { const c = XiaomiChat.instance(); return c && c.ready && c.socket.connected; }", timeout=WAIT_MS
    )


# --- tests ----------------------------------------------------------------------------------


def test_rasa_serves_the_widget_files_and_nothing_else(webchat_url):
    page = requests.get(f"{webchat_url}/webchat/", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="widget.js"></script>' in page.text and "XiaomiChat.init(" in page.text
    assert '<script id="demo-login-state" type="application/json">{}</script>' in page.text, "a visitor's page"
    bare = requests.get(f"{webchat_url}/webchat", timeout=30, allow_redirects=False)
    assert bare.status_code in (301, 302) and bare.headers["location"].endswith("/webchat/")
    for name, kind, needle in (
        ("widget.js", "javascript", "XiaomiChat"),
        ("widget.css", "text/css", ".xm-chat"),
        ("vendor/socket.io.min.js", "javascript", "Socket.IO v4"),
        ("dom.js", "javascript", "export function el("),  # the console's DOM helper (handoff/console/dom.js)
    ):
        served = requests.get(f"{webchat_url}/webchat/{name}", timeout=30)
        assert served.status_code == 200, (name, served.text[:200])
        assert kind in served.headers["content-type"] and needle in served.text
    for name in (
        "index.html",  # the page's template: only rendered, at /webchat/
        "package.json",
        "node_modules/socket.io-client/package.json",
        "../credentials.yml",
        "%2e%2e/credentials.yml",
        "index.html/x",
    ):
        assert requests.get(f"{webchat_url}/webchat/{name}", timeout=30).status_code == 404, name


def test_a_logged_in_customer_chats_reloads_and_an_agent_answers(webchat_url, context):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{webchat_url}/webchat/")
    demo_login(page)  # 张伟 (C0001): the page's "shop server" signs a token for the widget
    open_chat(page)
    token = page.evaluate("XiaomiChat.instance().identityToken")
    assert identity_token.verify(token)["shop_customer_id"] == "C0001"

    # the shop's greeting, before anything is sent
    assert messages(page) == [
        ("bot", "", "您好，欢迎光临示例商城！我是智能客服小蜜，订单、物流、退换货等问题都可以问我。")
    ]
    wait_for_connected(page)
    sender = session_id(page)
    assert len(sender) == 32

    assert "您好" in say(page, "你好", "您好")
    # the hours of the handoff service the action server asks (tests/services.py: always open)
    assert "服务时间是全天24小时" in say(page, "你们几点上班", "服务时间")

    # an order question: the signed token makes 张伟 verified, so no phone number is asked
    asked = say(page, "我的订单到哪了", "哪一笔订单")
    assert "手机号" not in asked and "验证码" not in asked
    button = page.locator(".xm-msg:last-child .xm-quick-reply", has_text="20261101000001")
    title = button.text_content()
    assert "20261101000001" in title
    since = len(messages(page))
    button.click()
    answer = " ".join(text for kind, _, text in wait_for_reply(page, since, "SF1234567890123")[1:])
    assert messages(page)[since] == ("user", "", title), "the button's title is shown as the customer's words"
    assert "20261101000001" in answer and "验证码" not in answer
    assert page.locator(".xm-quick-reply:not([disabled])").count() == 0, "used buttons are spent"

    # what reached Rasa: the server's session id as sender, the token in every message's metadata
    tracker = requests.get(f"{webchat_url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=30).json()
    user_events = [e for e in tracker["events"] if e["event"] == "user"]
    assert [e["text"] for e in user_events] == [
        "你好",
        "你们几点上班",
        "我的订单到哪了",
        '/inform{"order_id":"20261101000001"}',
    ]
    assert all(e["input_channel"] == "socketio" for e in user_events)
    assert all(e["metadata"].get("identity_token") == token for e in user_events)
    assert tracker["slots"]["verified"] is True

    # input rules: nothing empty is sent, long input is capped with a note, text is never markup
    before = messages(page)
    page.fill(".xm-input", "   \n  ")
    assert page.is_disabled(".xm-send")
    page.press(".xm-input", "Enter")
    page.fill(".xm-input", "好" * (MAX_INPUT_CHARS + 100))
    assert page.input_value(".xm-input") == "好" * MAX_INPUT_CHARS
    assert f"最多 {MAX_INPUT_CHARS} 字" in page.text_content(".xm-note")
    assert page.text_content(".xm-counter") == f"{MAX_INPUT_CHARS}/{MAX_INPUT_CHARS}"
    page.fill(".xm-input", "")
    assert messages(page) == before, "an empty message is not sent"
    markup = '<img src=x onerror="window.__xss=1"><b>粗体</b>'
    say(page, markup)
    assert user_texts(page)[-1] == markup
    assert page.locator(".xm-messages img, .xm-messages b").count() == 0
    assert page.evaluate("window.__xss") is None

    # a human agent's reply, the way the handoff service pushes one: a bot event with the
    # agent's custom json, sent to the customer's socket by Rasa's own HTTP API
    since = len(messages(page))
    pushed = requests.post(
        f"{webchat_url}/conversations/{sender}/tracker/events",
        params={"execute_side_effects": "true", "output_channel": "latest"},
        json=[
            {
                "event": "bot",
                "text": None,
                "data": {
                    "custom": {
                        "text": "您好，我是人工客服小王，您的包裹正在派送，今天会送到。",
                        "sender": "agent",
                        "agent_name": "小王",
                    }
                },
            }
        ],
        headers=rasa_headers(),
        timeout=30,
    )
    assert pushed.status_code == 200, pushed.text
    rows = wait_for_reply(page, since, "人工客服小王")
    assert rows == [("agent", "人工客服 小王", "您好，我是人工客服小王，您的包裹正在派送，今天会送到。")]
    agent_style = page.eval_on_selector(".xm-msg--agent .xm-bubble", "b => getComputedStyle(b).backgroundColor")
    bot_style = page.eval_on_selector(".xm-msg--bot .xm-bubble", "b => getComputedStyle(b).backgroundColor")
    assert agent_style != bot_style, "an agent's message looks different from the bot's"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    # a dropped connection comes back to the same session, without duplicating the log
    seen = messages(page)
    assert (
        page.evaluate("() => { const s = XiaomiChat.instance().socket; s.io.engine.close(); return s.connected; }")
        is False
    )
    wait_for_connected(page)
    assert session_id(page) == sender and messages(page) == seen

    # after a reload (the shop renders a fresh token for the same customer) the same
    # conversation is there again, buttons shown by their titles
    page.reload()
    page.wait_for_selector(".xm-panel", state="visible")
    page.wait_for_function("() => document.querySelectorAll('.xm-msg--history').length > 0", timeout=WAIT_MS)
    assert session_id(page) == sender
    restored = messages(page)
    assert restored[0][2].startswith("您好，欢迎光临示例商城")
    assert [text for kind, _, text in restored if kind == "user"] == [
        "你好",
        "你们几点上班",
        "我的订单到哪了",
        title,
        markup,
    ]
    assert restored == seen, "the reloaded page shows what the customer saw"
    assert page.locator(".xm-msg--agent .xm-label").text_content() == "人工客服 小王"
    assert "全天24小时" in page.text_content(".xm-messages")
    assert page.locator(".xm-messages img, .xm-messages b").count() == 0

    # and the conversation goes on in the same session
    assert "20261101000001" in say(page, "再帮我查一下订单20261101000001", "20261101000001")
    assert not errors, errors


def test_another_customer_on_the_same_browser_gets_a_new_conversation(webchat_url, context):
    page = context.new_page()
    page.goto(f"{webchat_url}/webchat/")
    demo_login(page)
    open_chat(page)
    wait_for_connected(page)
    first = session_id(page)
    say(page, "你好", "您好")

    # the same browser, now with nobody logged in (the customer logs out in another tab of the shop)
    guest = context.new_page()
    guest.goto(f"{webchat_url}/webchat/?visitor")
    demo_logout(guest)
    open_chat(guest)
    wait_for_connected(guest)
    assert session_id(guest) != first
    assert [kind for kind, _, _ in messages(guest)] == ["bot"], "only the greeting: not 张伟's conversation"


def test_agent_message_rendering_is_marked_and_safe(webchat_url, context):
    page = context.new_page()
    open_chat(page, f"{webchat_url}/webchat/")
    # the history a (re)connection brings replaces the log: inject only after it came
    wait_for_connected(page)
    page.evaluate("""XiaomiChat.instance().receive(
        {text: "<script>window.__x=1</script>稍等，我帮您查一下", sender: "agent", agent_name: "小王"})""")
    page.evaluate("""XiaomiChat.instance().receive(
        {text: "请选择：", quick_replies: [{title: "<b>查订单</b>", payload: "/order_status"}]})""")
    rows = messages(page)
    assert rows[-2] == ("agent", "人工客服 小王", "<script>window.__x=1</script>稍等，我帮您查一下")
    assert rows[-1] == ("bot", "", "请选择：")
    assert page.text_content(".xm-quick-reply") == "<b>查订单</b>"
    assert page.locator(".xm-messages script, .xm-messages b").count() == 0
    assert page.evaluate("window.__x") is None
