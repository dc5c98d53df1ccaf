"""Attack (finding 7): personal data reaching the agent unmasked, against the real processes.

Rasa, the action server, the shop backend and the handoff service run as `scripts/start`
runs them (tests/conftest.py). A customer types phone numbers in the forms the
normaliser accepts (groups, +86, full-width), a code, an e-mail and a street address,
asks for a person, and goes on typing while the conversation waits in the queue
(those messages travel through the event broker). What the agent's console reads —
the handoff package and every stored message — holds none of it in full; the
masked forms show that the messages did arrive.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Dict

import requests

from privacy.masking import find_personal_data
from tests.services import agent_session, rest_headers

TIMEOUT = 120


def say(url: str, sender: str, text: str) -> list:
    response = requests.post(
        f"{url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers=rest_headers(),
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.json()


def handoff_detail(handoff_url: str, sender: str, until) -> Dict[str, Any]:
    session = agent_session(handoff_url, "zhou")  # the supervisor sees every conversation
    deadline = time.monotonic() + TIMEOUT
    detail: Dict[str, Any] = {}
    while time.monotonic() < deadline:
        rows = session.get(f"{handoff_url}/api/handoffs", timeout=30).json()
        rows = rows.get("items", rows) if isinstance(rows, dict) else rows
        mine = [row for row in rows if row.get("sender_id") == sender]
        if mine:
            detail = session.get(f"{handoff_url}/api/handoffs/{mine[0]['id']}", timeout=30).json()
            if until(detail):
                return detail
        time.sleep(0.3)
    raise AssertionError(f"the handoff of {sender} never showed what was expected: {str(detail)[:500]}")


def test_the_agent_sees_no_phone_code_email_or_address_in_full(rasa_url, handoff_url):
    sender = f"masking-{uuid.uuid4().hex[:8]}"
    say(rasa_url, sender, "我的手机号是 138 0013 8000")
    say(rasa_url, sender, "发票发到 zhangwei@example.com，寄到北京市朝阳区建国路88号SOHO现代城A座1201")
    say(rasa_url, sender, "转人工")
    # while the conversation waits for a person, the broker relays what the customer types
    later = "还有 +86 139-1234-5678 和 １３７００００１１１１，验证码 482913"
    say(rasa_url, sender, later)

    def relayed(detail: Dict[str, Any]) -> bool:
        return any("139****5678" in (m.get("text") or "") for m in detail.get("messages") or [])

    detail = handoff_detail(handoff_url, sender, relayed)
    shown = json.dumps(detail, ensure_ascii=False)
    assert "138****8000" in shown and "137****1111" in shown and "zh***@example.com" in shown
    leaks = [
        (f.kind, shown[max(0, f.start - 20) : f.end + 5])
        for f in find_personal_data(shown)
        if f.kind in ("phone", "email", "address", "code", "id_card")
    ]
    assert leaks == []
    for full in ("13800138000", "138 0013 8000", "13912345678", "139-1234-5678", "１３７００００１１１１", "482913"):
        assert full not in shown
    assert "zhangwei@" not in shown and "建国路88号" not in shown
