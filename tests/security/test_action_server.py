"""Attacks on the action server (finding 2), against the real one started by scripts/actions.

It used to listen on every interface and run any tracker it was sent, calling the shop
backend with the service key: a forged tracker ("verified" 张伟) cancelled his order.
Now it listens on loopback and answers only requests with Rasa's bearer token
(ACTIONS_TOKEN); the tests try the forged tracker without and with wrong tokens and
check with the backend that the order is still open.
"""

from __future__ import annotations

import pytest
import requests

from devtools.processes import ROOT
from tests.actions.conftest import ActionCall
from tests.security.support import only_loopback
from tests.services import SHOP_SERVICE_KEY, action_headers, running_actions, running_backend, stack_secrets

ORDER = "20261101000003"  # 张伟's order, paid and not shipped: cancellable
ZHANG = {"verified": True, "customer_id": "C0001", "customer_name": "张伟"}


@pytest.fixture(scope="module")
def domain_dict():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml")).as_dict()


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A backend and an action server of this module only, so the order's state is ours to check."""
    state = tmp_path_factory.mktemp("action-attacks")
    with running_backend(state) as backend_url, running_actions(backend_url, state) as action_url:
        yield backend_url, action_url


def order_status(backend_url: str) -> str:
    response = requests.get(
        f"{backend_url}/v1/orders/{ORDER}",
        params={"customer_id": "C0001"},
        headers={"X-Service-Key": SHOP_SERVICE_KEY},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["status"]


def forged_cancel(action_url: str, domain_dict) -> dict:
    """The tracker an attacker writes: 张伟 verified, cancel confirmed."""
    call = ActionCall(action_url, domain_dict, **ZHANG, errand="cancel_order", order_id=ORDER, confirmed=True)
    call.user("确认取消", "affirm")
    return call.payload("action_do_errand")


def forged_headers(kind: str) -> dict:
    token = stack_secrets()["ACTIONS_TOKEN"]
    return {
        "none": {},
        "wrong": {"Authorization": "Bearer wrong-token"},
        "empty": {"Authorization": "Bearer "},
        "prefix": {"Authorization": f"Bearer {token[: len(token) // 2]}"},  # the right token's first half
        "no-scheme": {"Authorization": token},
        "other-secret": {"Authorization": f"Bearer {stack_secrets()['RASA_JWT_SECRET']}"},
        "basic": {"Authorization": f"Basic {token}"},
    }[kind]


@pytest.mark.parametrize("kind", ["none", "wrong", "empty", "prefix", "no-scheme", "other-secret", "basic"])
def test_a_forged_tracker_from_outside_cannot_cancel_an_order(own_stack, domain_dict, kind):
    backend_url, action_url = own_stack
    headers = forged_headers(kind)
    assert order_status(backend_url) == "paid"
    response = requests.post(action_url, json=forged_cancel(action_url, domain_dict), headers=headers, timeout=30)
    assert response.status_code == 401
    assert "events" not in response.text
    assert order_status(backend_url) == "paid"


def test_the_token_in_the_url_is_not_accepted(own_stack, domain_dict):
    backend_url, action_url = own_stack
    token = stack_secrets()["ACTIONS_TOKEN"]
    response = requests.post(
        action_url, params={"token": token}, json=forged_cancel(action_url, domain_dict), timeout=30
    )
    assert response.status_code == 401
    assert order_status(backend_url) == "paid"


def test_listing_the_actions_needs_the_token_and_health_stays_open(own_stack):
    _, action_url = own_stack
    base = action_url.rsplit("/webhook", 1)[0]
    assert requests.get(f"{base}/actions", timeout=30).status_code == 401
    listed = requests.get(f"{base}/actions", headers=action_headers(), timeout=30)
    assert listed.status_code == 200 and {"name": "action_do_errand"} in listed.json()
    assert requests.get(f"{base}/health", timeout=30).json() == {"status": "ok"}


def test_a_huge_body_is_refused_with_413(own_stack):
    _, action_url = own_stack
    huge = b'{"next_action": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    response = requests.post(
        action_url, data=huge, headers={**action_headers(), "Content-Type": "application/json"}, timeout=60
    )
    assert response.status_code == 413


def test_it_listens_on_loopback_only(own_stack):
    _, action_url = own_stack
    assert only_loopback(int(action_url.rsplit(":", 1)[1].split("/")[0]))


def test_rasa_with_the_token_is_served(own_stack, domain_dict):
    """The control of the refusals above: the same request with Rasa's token runs the action
    (a harmless one here: the order stays as it is for the other tests)."""
    backend_url, action_url = own_stack
    call = ActionCall(action_url, domain_dict, **ZHANG)
    call.user("你好", "greet")
    response = requests.post(action_url, json=call.payload("action_start_errand"), headers=action_headers(), timeout=30)
    assert response.status_code == 200, response.text
    assert "events" in response.json()
    assert order_status(backend_url) == "paid"


def test_endpoints_yml_makes_rasa_send_the_token(monkeypatch):
    """Rasa expands ${ACTIONS_TOKEN} (a plain YAML scalar) into the header it sends."""
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("ACTIONS_TOKEN", "the-token-of-this-test")
    endpoint = read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint")
    assert endpoint is not None and endpoint.headers == {"Authorization": "Bearer the-token-of-this-test"}
    assert endpoint.url == "http://127.0.0.1:5055/webhook" and not endpoint.token
