"""How long a proven identity counts, run in this process against trackers built here.

Thresholds are read from the action server's settings (actions/settings.py, the one
home of ACTIONS_VERIFICATION_TTL_S and ACTIONS_HIGH_RISK_VERIFICATION_S); each rule
is tried on both sides of its threshold, MARGIN_S away from it. The backend is a
recording fake: the tests also check what was NOT sent to it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import httpx
import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import errand_actions, identity, texts
from actions.backend_client import BackendClient, BackendError, requester_id
from actions.errand_actions import ActionDoErrand, ActionStartErrand
from actions.errands import ERRANDS, change_phone
from actions.handoff_package import customer_verified
from actions.handoff_package import slots as package_slots
from actions.identity import ValidateVerifyIdentityForm
from actions.settings import _seconds, settings
from bot import identity_token
from contract import slots as slot_names
from contract.http import REQUESTER_HEADER
from devtools.rasa_server import ROOT
from privacy import mask_text
from tests.actions.inprocess.trackers import VERIFIED, call, proof, run, slot_events, tracker

TTL = settings.verification_ttl_s
HIGH = min(settings.high_risk_verification_s, TTL)
MARGIN_S = 30.0  # far from the threshold compared with how long a test runs
ORDER = "100120261101001"
SUMMARY = {"id": ORDER, "status": "paid", "status_text": "待发货", "items": "纯棉T恤", "total": "199.00"}
CURRENT_PHONE = "13800138000"
HIGH_RISK = ("cancel_order", "modify_address", "return_goods", "exchange_goods", "invoice_request")


class FakeBackend:
    """The backend calls the identity step and these errands make, recorded."""

    def __init__(self) -> None:
        self.calls: List[tuple] = []
        self.send_error: Optional[BackendError] = None
        self.check_error: Optional[BackendError] = None

    async def customer(self, customer_id: str) -> Dict[str, Any]:
        self.calls.append(("customer", customer_id))
        return {"id": customer_id, "name": "张伟", "phone": CURRENT_PHONE, "level": "金卡"}

    async def send_code(self, phone: str, requester: str) -> Dict[str, Any]:
        self.calls.append(("send_code", phone, requester))
        if self.send_error:
            raise self.send_error
        return {"sent": True, "expires_in": 300}

    async def check_code(self, phone: str, code: str) -> Dict[str, Any]:
        self.calls.append(("check_code", phone, code))
        if self.check_error:
            raise self.check_error
        return {"customer_id": "C0001"}

    async def cancel(self, order_id: str, customer_id: str, key: str) -> Dict[str, Any]:
        self.calls.append(("cancel", order_id, customer_id))
        return {"total": "199.00"}

    async def points(self, customer_id: str) -> Dict[str, Any]:
        self.calls.append(("points", customer_id))
        return {"balance": 1280}

    async def phone_change_code(self, customer_id: str, new_phone: str, requester: str) -> Dict[str, Any]:
        self.calls.append(("phone_change_code", customer_id, new_phone, requester))
        return {"sent": True}

    async def phone_change(self, customer_id: str, new_phone: str, code: str, key: str) -> Dict[str, Any]:
        self.calls.append(("phone_change", customer_id, new_phone))
        return {"phone": "139****0000"}

    def names(self) -> List[str]:
        return [c[0] for c in self.calls]


@pytest.fixture
def fake(monkeypatch) -> FakeBackend:
    fake = FakeBackend()
    for module in (identity, errand_actions, change_phone):
        monkeypatch.setattr(module, "backend", lambda: fake)
    return fake


def verified(age_s: float, **more: Any) -> Dict[str, Any]:
    return {**VERIFIED, **proof(age_s), **more}


def followup(result: Dict[str, Any]) -> Optional[str]:
    return next((e["name"] for e in result["events"] if e.get("event") == "followup"), None)


def start(errand: str, **slots: Any) -> Dict[str, Any]:
    result = run(ActionStartErrand(), tracker("…", errand, **slots))
    result["slots"] = slot_events(result["events"])
    return result


# ---------------------------------------------------------------- the settings
def test_the_windows_have_safe_defaults(monkeypatch):
    monkeypatch.delenv("ACTIONS_VERIFICATION_TTL_S", raising=False)
    assert _seconds("ACTIONS_VERIFICATION_TTL_S", 1800) == 1800
    for bad in ("0", "-5", "nan", "inf", "half an hour"):
        monkeypatch.setenv("ACTIONS_VERIFICATION_TTL_S", bad)
        with pytest.raises(ValueError, match="ACTIONS_VERIFICATION_TTL_S"):
            _seconds("ACTIONS_VERIFICATION_TTL_S", 1800)


def test_which_errands_are_high_risk():
    assert {name for name, e in ERRANDS.items() if e.risk == identity.RISK_HIGH} == set(HIGH_RISK)
    assert ERRANDS["change_phone"].risk == identity.RISK_ACCOUNT


# ---------------------------------------------------------------- every errand: ACTIONS_VERIFICATION_TTL_S
def test_a_proof_within_the_ttl_is_trusted(fake):
    result = start("account_points", **verified(TTL - MARGIN_S))
    assert result["slots"]["verified"] is True
    assert result["text"] == "" and fake.calls == []


def test_a_proof_older_than_the_ttl_asks_for_a_new_code_to_the_accounts_phone(fake):
    result = start("account_points", **verified(TTL + MARGIN_S))
    assert result["slots"]["verified"] is False
    assert result["slots"]["verification_code"] is None
    # the form is activated with the account's current phone: its code goes there
    assert result["slots"]["phone"] == CURRENT_PHONE and ("customer", "C0001") in fake.calls
    assert texts.REVERIFY in result["text"]


def test_the_verified_flag_alone_is_not_trusted(fake):
    # an old tracker (before verified_at) or slots posted without a proof
    result = start("account_points", **VERIFIED, verified_at=None, verified_for=None)
    assert result["slots"]["verified"] is False


@pytest.mark.parametrize(
    "slots",
    [
        {"verified_for": {"customer_id": "C0002", "via": "code"}},  # proven for someone else
        {"verified_at": 10**12},  # a proof from the future
        {"verified_at": "recently"},
        {"verified_at": True},
        {"verified_for": "C0001"},
    ],
)
def test_a_proof_counts_only_for_its_customer_and_when_it_reads(fake, slots):
    result = start("account_points", **{**verified(0), **slots})
    assert result["slots"]["verified"] is False


def test_do_refuses_a_proof_that_expired_during_the_form(fake):
    state = tracker(errand="account_points", **verified(TTL + MARGIN_S))
    result = run(ActionDoErrand(), state)
    assert "points" not in fake.names()
    assert followup(result) == "verify_identity_form"
    assert slot_events(result["events"])["verified"] is False and texts.REVERIFY in result["text"]
    # the errand is kept: after the code it goes on with what the form collected
    assert "errand" not in slot_events(result["events"])


def test_do_within_the_ttl_does_it(fake):
    result = run(ActionDoErrand(), tracker(errand="account_points", **verified(TTL - MARGIN_S)))
    assert "points" in fake.names() and "1280" in result["text"]


# ---------------------------------------------------------------- high risk: ACTIONS_HIGH_RISK_VERIFICATION_S
@pytest.mark.parametrize("errand", HIGH_RISK)
def test_high_risk_errands_take_a_recent_proof(fake, errand):
    assert start(errand, **verified(HIGH - MARGIN_S))["slots"]["verified"] is True
    older = start(errand, **verified(HIGH + MARGIN_S))
    assert older["slots"]["verified"] is False and older["slots"]["phone"] == CURRENT_PHONE
    assert texts.REVERIFY in older["text"]


def test_the_short_window_is_only_for_high_risk(fake):
    assert HIGH + MARGIN_S < TTL
    assert start("order_status", **verified(HIGH + MARGIN_S))["slots"]["verified"] is True


def cancel_tracker(age_s: float):
    return tracker(errand="cancel_order", order_id=ORDER, order_summary=SUMMARY, confirmed=True, **verified(age_s))


def test_cancel_with_an_old_proof_is_not_done(fake):
    result = run(ActionDoErrand(), cancel_tracker(HIGH + MARGIN_S))
    assert "cancel" not in fake.names()
    assert followup(result) == "verify_identity_form"
    assert texts.REVERIFY in result["text"]


def test_cancel_with_a_recent_proof_is_done(fake):
    result = run(ActionDoErrand(), cancel_tracker(HIGH - MARGIN_S))
    assert ("cancel", ORDER, "C0001") in fake.calls and "已为您取消" in result["text"]


def test_a_proof_from_a_channel_token_counts_for_high_risk_errands(fake):
    channel = {**VERIFIED, **proof(HIGH - MARGIN_S, via="channel")}
    assert start("cancel_order", **channel)["slots"]["verified"] is True


# ---------------------------------------------------------------- changing the bound phone
def test_change_phone_always_takes_a_new_code_to_the_current_phone(fake):
    result = start("change_phone", **verified(0))
    slots = result["slots"]
    assert slots["verified"] is False
    assert slots["verified_at"] is None and slots["verified_for"] is None  # the earlier proof is dropped
    assert slots["phone"] == CURRENT_PHONE  # the code goes to the account's phone, not one the caller names
    assert texts.REVERIFY_CURRENT_PHONE in result["text"]


def new_phone_step(slot: str, value: str, **slots: Any):
    method = getattr(change_phone.ChangePhone(), f"validate_{slot}")
    dispatcher = CollectingDispatcher()
    state = tracker(value, "inform", active_loop="errand_form", errand="change_phone", **slots)
    return call(method(value, dispatcher, state, {}))


@pytest.mark.parametrize(
    "slot, value, extra", [("new_phone", "13900001111", {}), ("new_phone_code", "123456", {"new_phone": "13900001111"})]
)
def test_change_phone_steps_need_a_fresh_code_proof(fake, slot, value, extra):
    done = new_phone_step(slot, value, **verified(HIGH - MARGIN_S), **extra)
    assert done.get("errand_blocked") is None and done[slot] is not None
    for stale in (
        verified(HIGH + MARGIN_S),  # too old
        {**VERIFIED, **proof(0, via="channel")},  # a channel token is not a code to the current phone
        {**VERIFIED, "verified_at": None},  # the flag alone
    ):
        fake.calls.clear()
        refused = new_phone_step(slot, value, **stale, **extra)
        assert refused == change_phone.EXPIRED
        assert fake.calls == [], "nothing is sent to the backend"


def test_change_phone_refused_mid_form_changes_nothing_and_says_so(fake):
    state = tracker(errand="change_phone", errand_blocked="verification_expired", **verified(HIGH + MARGIN_S))
    result = run(ActionDoErrand(), state)
    assert result["text"] == texts.ERRORS["verification_expired"]
    assert followup(result) is None


def test_the_new_phone_code_request_names_the_conversation(fake):
    new_phone_step("new_phone", "13900001111", **verified(0))
    assert ("phone_change_code", "C0001", "13900001111", "inprocess") in fake.calls


# ---------------------------------------------------------------- the code step (backend contract)
def validate(slot: str, value: str, **slots: Any):
    method = getattr(ValidateVerifyIdentityForm(), f"validate_{slot}")
    dispatcher = CollectingDispatcher()
    state = tracker(value, "inform", active_loop="verify_identity_form", **slots)
    result = call(method(value, dispatcher, state, {}))
    return result, " ".join(m["text"] for m in dispatcher.messages)


def test_a_code_is_asked_for_with_one_sentence_for_every_phone(fake):
    known = validate("phone", "13800138000")
    fake.send_error = BackendError("customer_not_found", status=404)  # an older backend tells
    unknown = validate("phone", "13511112222")
    assert known[0] == {"phone": "13800138000", "verification_code": None}
    assert unknown[0] == {"phone": "13511112222", "verification_code": None}
    assert known[1] == texts.CODE_SENT.format(phone="138****8000")
    assert unknown[1] == texts.CODE_SENT.format(phone="135****2222")
    assert [c[2] for c in fake.calls if c[0] == "send_code"] == ["inprocess", "inprocess"]  # X-Requester


@pytest.mark.parametrize("retry_after, minutes", [(1, 1), (60, 1), (61, 2), (900, 15), (None, 1)])
def test_a_throttled_customer_is_told_when_to_retry(fake, retry_after, minutes):
    details = {"retry_after": retry_after} if retry_after is not None else {}
    fake.send_error = BackendError("rate_limited", status=429, details=details)
    result, said = validate("phone", "13800138000")
    assert said == texts.CODE_THROTTLED.format(minutes=minutes)
    assert result["phone"] == "13800138000"  # a code sent earlier may still be valid


@pytest.mark.parametrize(
    "error",
    [
        BackendError("code_invalid", status=400, details={"attempts_left": 4}),  # a known phone
        BackendError("code_invalid", status=400, details={"attempts_left": 5}),  # an unknown one (older backend)
        BackendError("code_invalid", status=400),
        BackendError("customer_not_found", status=404),
    ],
)
def test_a_wrong_code_reads_the_same_for_every_phone(fake, error):
    fake.check_error = error
    result, said = validate("verification_code", "123456", phone="13800138000")
    assert result == {"verification_code": None} and said == texts.CODE_INVALID


def test_a_right_code_stamps_the_proof(fake):
    before = identity.clock()
    result, _ = validate("verification_code", "123456", phone="13800138000")
    assert result["verified"] is True and result["customer_id"] == "C0001"
    assert before <= result["verified_at"] <= identity.clock()
    assert result["verified_for"] == {"customer_id": "C0001", "phone": "138****8000", "via": "code"}
    assert result["verification_code"] == "******"


def test_the_client_sends_the_requester_and_reads_the_throttle():
    seen: List[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(202, json={"sent": True, "expires_in": 300})
        if len(seen) == 2:
            body = {"error": {"code": "rate_limited", "message": "slow down", "retry_after": 75}}
            return httpx.Response(429, json=body)
        return httpx.Response(
            429, json={"error": {"code": "rate_limited", "message": "x"}}, headers={"Retry-After": "30"}
        )

    client = BackendClient(settings, transport=httpx.MockTransport(answer))
    assert call(client.send_code("13800138000", requester="web-abc")) == {"sent": True, "expires_in": 300}
    with pytest.raises(BackendError) as first:
        call(client.send_code("13800138000", requester="web-abc"))
    with pytest.raises(BackendError) as second:
        call(client.phone_change_code("C0001", "13900001111", requester="微信用户"))
    assert seen[0].headers[REQUESTER_HEADER] == "web-abc"
    assert first.value.code == "rate_limited" and first.value.details["retry_after"] == 75
    assert second.value.details["retry_after"] == 30
    assert seen[2].headers[REQUESTER_HEADER] == requester_id("微信用户") != "微信用户"
    assert "13800138000" not in str(seen[0].url)


@pytest.mark.parametrize("sender", ["", "a b", "x" * 500, "\ud800", "用户"])
def test_the_requester_header_is_always_ascii_and_stable(sender):
    value = requester_id(sender)
    assert value.isascii() and value.isprintable() and len(value) <= 128
    assert value == requester_id(sender)


# ---------------------------------------------------------------- the handoff package
def test_the_package_shows_verified_only_while_the_proof_counts():
    assert customer_verified(tracker(**verified(TTL - MARGIN_S))) is True
    assert package_slots(tracker(**verified(TTL - MARGIN_S)))["verified"] is True
    assert customer_verified(tracker(**verified(TTL + MARGIN_S))) is False
    assert package_slots(tracker(**verified(TTL + MARGIN_S)))["verified"] is False
    assert customer_verified(tracker(**VERIFIED, verified_at=None)) is False


def test_the_package_masks_what_the_customer_typed():
    address = "上海市浦东新区张江路88号 收件人王芳 13912345678"
    email = "wang.fang@example.com"
    values = package_slots(tracker(new_address=address, invoice_email=email, new_phone="13900001111"))
    assert values["new_address"] == mask_text(address) and "13912345678" not in values["new_address"]
    assert values["invoice_email"] == mask_text(email)
    assert values["new_phone"] == mask_text("13900001111") and "13900001111" not in values["new_phone"]


def test_do_with_the_same_customers_channel_token_renews_the_proof(fake):
    state = cancel_tracker(HIGH + MARGIN_S)
    state.events[-1]["metadata"] = {"identity_token": identity_token.sign({"shop_customer_id": "C0001"})}
    result = run(ActionDoErrand(), state)
    assert ("cancel", ORDER, "C0001") in fake.calls and followup(result) is None
    renewed = slot_events(result["events"])
    assert renewed["verified_for"]["via"] == "channel" and identity.clock() - renewed["verified_at"] < MARGIN_S


def test_do_with_another_customers_channel_token_asks_for_a_code(fake):
    state = cancel_tracker(HIGH + MARGIN_S)
    state.events[-1]["metadata"] = {"identity_token": identity_token.sign({"shop_customer_id": "C0002"})}
    result = run(ActionDoErrand(), state)
    assert "cancel" not in fake.names() and followup(result) == "verify_identity_form"


def test_a_declined_errand_needs_no_new_code(fake):
    state = tracker(errand="cancel_order", order_id=ORDER, confirmed=False, **verified(TTL + MARGIN_S))
    result = run(ActionDoErrand(), state)
    assert result["text"] == texts.DECLINED and followup(result) is None and fake.calls == []


def test_the_domain_keeps_the_proof_and_no_slot_outlives_a_session():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name in (slot_names.VERIFIED_AT, slot_names.VERIFIED_FOR):
        slot = domain["slots"][name]
        assert slot["mappings"] == [{"type": "custom"}], "only the actions set a proof"
        assert slot["influence_conversation"] is False
    assert domain["session_config"]["carry_over_slots_to_new_session"] is False


def test_a_channel_token_alone_cannot_change_the_phone(fake):
    state = tracker("我要换绑手机", "change_phone")
    state.events[-1]["metadata"] = {"identity_token": identity_token.sign({"shop_customer_id": "C0001"})}
    result = run(ActionStartErrand(), state)
    slots = slot_events(result["events"])
    assert slots["verified"] is False and slots["phone"] == CURRENT_PHONE
    assert "customer_id" not in slots, "the account is known only once the code is back"
    assert texts.REVERIFY_CURRENT_PHONE in result["text"]
