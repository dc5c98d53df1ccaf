"""WeChat pushes survive the Rasa process: real `rasa run`, action server and shop backend,
the fake WeChat in customer-service mode.

One Rasa is killed (SIGKILL) after it answered `success` to two pushes, before the
replies went out; a second Rasa on the same inbox and tracker store answers both, in
order, with each customer message once in the conversation; it is then stopped
(SIGTERM) while a reply is on its way and waits for it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
import uuid
from pathlib import Path

from devtools.rasa_server import free_port
from tests.services import running_actions
from tests.wechat.conftest import new_fake, serve_rasa_with_wechat, user_events


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def webhook(url: str) -> str:
    return f"{url}/webhooks/wechat/webhook"


def rasa_pid(port: int) -> int:
    """The pid of the Rasa server this test process started on `port`."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"bot.serve" in cmdline and str(port).encode() in cmdline:
            return int(entry)
    raise AssertionError(f"no Rasa process on port {port}")


def wait_for_exit(pid: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.1)
    raise AssertionError(f"process {pid} still running after {timeout} s")


def inbox_count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0])


def test_pushes_answered_success_survive_a_killed_rasa_and_a_graceful_stop_drains(model, backend_url, tmp_path):
    inbox = tmp_path / "wechat-inbox.db"
    settings = dict(inbox_path=str(inbox), reply_timeout_s=5.0, passive_budget_s=4.5, drain_timeout_s=60)
    customer = openid()
    with new_fake(timeout_s=5.0) as fake, running_actions(backend_url, tmp_path) as action_url:
        # 1. The replies cannot go out (WeChat's token endpoint hangs); Rasa is killed.
        fake.api.token_delay_s = 3600
        port = free_port()
        with serve_rasa_with_wechat(model, action_url, tmp_path, fake, port=port, **settings) as url:
            for text in ("你好", "請問你們支持七天無理由退貨嗎"):
                result = fake.push(webhook(url), fake.text_xml(customer, text))
                # (a loaded machine may miss WeChat's 5 s once: the resend is answered)
                assert (result.deliveries[-1].status, result.deliveries[-1].body) == (200, "success")
            fake.wait_until(lambda api: api.token_requests >= 1)  # the first turn ran; its replies wait
            pid = rasa_pid(port)
            os.kill(pid, signal.SIGKILL)
            wait_for_exit(pid)
        assert fake.sends_to(customer, ok_only=False) == []
        assert inbox_count(inbox) == 2
        fake.api.token_delay_s = 0

        # 2. A new Rasa on the same inbox and tracker store catches up.
        port = free_port()
        with serve_rasa_with_wechat(model, action_url, tmp_path, fake, port=port, **settings) as url:
            fake.wait_for_sends(customer, 2)
            replies = fake.settle(customer, quiet_s=3)
            assert "您好" in replies[0], replies
            assert "七天无理由" in " ".join(replies[1:]), replies
            assert [e["text"] for e in user_events(url, customer)] == ["你好", "請問你們支持七天無理由退貨嗎"]
            assert inbox_count(inbox) == 0

            # 3. Stopped while a reply is on its way (WeChat's API is slow): it arrives.
            before = len(replies)
            fake.api.send_delay_s = 4
            started = fake.api.sends_started
            result = fake.push(webhook(url), fake.text_xml(customer, "你好"))
            assert result.deliveries[0].body == "success"
            fake.wait_until(lambda api: api.sends_started > started)
            pid = rasa_pid(port)
            os.kill(pid, signal.SIGTERM)
            wait_for_exit(pid)
        after = fake.sends_to(customer)
        assert len(after) > before and "您好" in after[before].content
        assert inbox_count(inbox) == 0
