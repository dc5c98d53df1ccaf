"""Backend down: the customer gets an apology and a human, never silence.

An errand records the outcome `backend_down`, on which the handoff policy hands
the conversation to a human (tests/bot/test_handoff_policy.py); the identity step
apologises and offers one.
"""

from __future__ import annotations

import pytest

from actions import texts
from devtools.rasa_server import free_port
from tests.actions.conftest import ActionCall
from tests.services import running_actions


@pytest.fixture(scope="module")
def dead_action_url(tmp_path_factory):
    state = tmp_path_factory.mktemp("actions-no-backend")
    with running_actions(
        f"http://127.0.0.1:{free_port()}",
        state,
        extra_env={"ACTIONS_BACKEND_RETRY_BACKOFF_S": "0.01", "ACTIONS_HANDOFF_URL": f"http://127.0.0.1:{free_port()}"},
    ) as url:
        yield url


def test_errand_with_backend_down_apologises_and_records_it_for_the_handoff(dead_action_url, domain_dict):
    c = ActionCall(
        dead_action_url,
        domain_dict,
        verified=True,
        customer_id="C0001",
        errand="order_status",
        order_id="20261101000001",
    )
    c.user("查订单", "order_status")
    result = c.run("action_do_errand")
    assert result["text"] == texts.BACKEND_DOWN_APOLOGY
    assert c.slots["errand_outcome"] == "backend_down" and c.slots["errand_failures"] == 1


def test_identity_with_backend_down_apologises(dead_action_url, domain_dict):
    c = ActionCall(dead_action_url, domain_dict, errand="account_points").form("verify_identity_form", "phone")
    c.user("13800138000", "inform", phone="13800138000")
    result = c.run("validate_verify_identity_form")
    assert texts.BACKEND_DOWN in result["text"] and c.slots["phone"] is None


def test_order_check_with_backend_down_ends_the_form_with_an_apology(dead_action_url, domain_dict):
    c = ActionCall(dead_action_url, domain_dict, verified=True, customer_id="C0001", errand="cancel_order").form(
        "errand_form", "order_id"
    )
    c.user("20261101000003", "inform", order_id="20261101000003")
    c.run("validate_errand_form")
    assert c.slots["errand_blocked"] == "backend_down" and c.slots["requested_slot"] is None
    assert c.run("action_do_errand")["text"] == texts.BACKEND_DOWN_APOLOGY
    assert c.slots["errand_outcome"] == "backend_down"


def test_handoff_with_the_handoff_service_down_apologises_and_keeps_the_bot(dead_action_url, domain_dict):
    c = ActionCall(dead_action_url, domain_dict, handoff_trigger={"reason": "request_human", "reading": {}})
    c.user("转人工", "request_human")
    result = c.run("action_handoff")
    assert result["text"] == texts.HANDOFF_UNAVAILABLE
    assert not any(e["event"] == "pause" for e in result["events"]), "nobody would ever answer a paused bot"
