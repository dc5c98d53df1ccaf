"""Finding 3 (conversation takeover) on the identity side: a proof of identity does not
last, and the bound phone moves only after a new code to the CURRENT phone.

Real processes: the shop backend, the action server and `rasa run` with the trained
model, started with the helpers of tests/services.py, talked to over the REST channel
as a customer (or whoever took their conversation over) would. The action server of
this module runs with a short ACTIONS_VERIFICATION_TTL_S / ACTIONS_HIGH_RISK_VERIFICATION_S
(PROOF_TTL_S), so that a proof can grow old while the test waits for it.
"""

from __future__ import annotations

import contextlib
import time
import uuid

import pytest
import requests

from actions import texts as bot_texts
from actions.errands import change_phone
from devtools.rasa_server import latest_model, running_rasa
from tests.services import SERVICE_KEY, dev_code, endpoints_file, running_actions, running_backend
from tests.test_rest_conversation import no_full_phone, say, texts

PROOF_TTL_S = 10.0  # both windows; a turn of the conversation takes far less
ZHANG = ("C0001", "13800138000")
WANG = ("C0003", "13700001111")
OPEN_ORDER = "20261101000003"  # 张伟's, paid, not shipped: cancellable


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    state = tmp_path_factory.mktemp("verification-stack")
    windows = {"ACTIONS_VERIFICATION_TTL_S": str(PROOF_TTL_S), "ACTIONS_HIGH_RISK_VERIFICATION_S": str(PROOF_TTL_S)}
    with contextlib.ExitStack() as running:
        backend_url = running.enter_context(running_backend(state))
        action_url = running.enter_context(running_actions(backend_url, state, extra_env=windows))
        endpoints = endpoints_file(state, action_url)
        rasa_url = running.enter_context(running_rasa(latest_model(), endpoints=endpoints, log_path=state / "rasa.log"))
        yield rasa_url, backend_url


def backend_get(backend_url: str, path: str, **params) -> dict:
    response = requests.get(f"{backend_url}{path}", params=params, headers={"X-Service-Key": SERVICE_KEY}, timeout=10)
    response.raise_for_status()
    return response.json()


def prove(rasa_url: str, backend_url: str, sender: str, phone: str) -> str:
    """The customer answers the bot's request for a code with the SMS's code."""
    return no_full_phone(texts(say(rasa_url, sender, dev_code(backend_url, phone))))


def wait_until_expired(proven_at: float) -> None:
    """Waits until a proof made no later than `proven_at` is older than PROOF_TTL_S."""
    time.sleep(max(0.0, proven_at + PROOF_TTL_S + 1.0 - time.time()))


def test_an_old_verification_cannot_cancel_an_order(stack):
    rasa_url, backend_url = stack
    sender = f"zhang-{uuid.uuid4().hex[:8]}"
    customer_id, phone = ZHANG
    asked = texts(say(rasa_url, sender, f"帮我取消订单 {OPEN_ORDER}"))
    assert "手机号" in asked
    assert "138****8000" in no_full_phone(texts(say(rasa_url, sender, phone)))
    confirm = prove(rasa_url, backend_url, sender, phone)
    proven_at = time.time()
    assert "张伟" in confirm and f"确认要取消订单 {OPEN_ORDER}" in confirm

    # The customer walks away; later someone in the conversation says yes.
    wait_until_expired(proven_at)
    refused = no_full_phone(texts(say(rasa_url, sender, "确认")))
    assert bot_texts.REVERIFY in refused and "验证码" in refused
    assert "已为您取消" not in refused
    assert backend_get(backend_url, f"/v1/orders/{OPEN_ORDER}", customer_id=customer_id)["status"] == "paid"
    # a guessed code does not help
    wrong = texts(say(rasa_url, sender, "000000"))
    assert bot_texts.CODE_INVALID in wrong and "已为您取消" not in wrong
    assert backend_get(backend_url, f"/v1/orders/{OPEN_ORDER}", customer_id=customer_id)["status"] == "paid"

    # The customer, with the new code on their phone, carries on where they were.
    done = prove(rasa_url, backend_url, sender, phone)
    assert f"订单 {OPEN_ORDER} 已为您取消" in done
    assert backend_get(backend_url, f"/v1/orders/{OPEN_ORDER}", customer_id=customer_id)["status"] == "cancelled"


def test_moving_the_account_to_another_phone_needs_a_code_to_the_current_phone(stack):
    rasa_url, backend_url = stack
    sender = f"wang-{uuid.uuid4().hex[:8]}"
    customer_id, phone = WANG
    attacker_phone = "13655556666"
    # The customer verifies for something harmless: the proof is fresh.
    say(rasa_url, sender, "查一下我的积分")
    say(rasa_url, sender, phone)
    assert "王芳" in prove(rasa_url, backend_url, sender, phone)

    # Someone who took the conversation over (they know its sender id) asks to change the phone.
    asked = no_full_phone(texts(say(rasa_url, sender, "我要换绑手机号")))
    assert bot_texts.REVERIFY_CURRENT_PHONE in asked and "137****1111" in asked, "the code goes to the current phone"
    assert change_phone.ASK_NEW_PHONE not in asked
    # without that code: a guess, their own phone number, a code for their own phone
    assert bot_texts.CODE_INVALID in texts(say(rasa_url, sender, "123456"))
    own = no_full_phone(texts(say(rasa_url, sender, attacker_phone)))
    assert "136****6666" in own and change_phone.ASK_NEW_PHONE not in own
    assert bot_texts.CODE_INVALID in texts(say(rasa_url, sender, "654321"))
    assert backend_get(backend_url, f"/v1/customers/{customer_id}")["phone"] == phone

    # The real customer, with the code from the current phone, can change it.
    sender = f"wang-{uuid.uuid4().hex[:8]}"
    say(rasa_url, sender, "我要换绑手机号")
    say(rasa_url, sender, phone)
    assert change_phone.ASK_NEW_PHONE in prove(rasa_url, backend_url, sender, phone)
    sent = no_full_phone(texts(say(rasa_url, sender, attacker_phone)))
    assert "136****6666" in sent
    response = requests.post(
        f"{backend_url}/v1/customers/{customer_id}/phone-change/code",
        json={"new_phone": attacker_phone},
        headers={"X-Service-Key": SERVICE_KEY},
        timeout=10,
    )
    response.raise_for_status()
    changed = texts(say(rasa_url, sender, response.json()["dev_code"]))
    assert "手机号已换绑为 136****6666" in changed
    assert backend_get(backend_url, f"/v1/customers/{customer_id}")["phone"] == attacker_phone
