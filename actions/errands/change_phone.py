"""change_phone (换绑手机): a new phone number for the account, confirmed by a code sent to it.

Before the new phone is even asked, the customer proves again that they hold the
CURRENT phone: action_start_errand drops the previous proof and sends
verify_identity_form's code to the account's phone (RISK_ACCOUNT). Someone who only
knows or took over a conversation cannot move the account to their own phone.
The change happens while the form runs (validate_new_phone_code), each step only
with that proof fresh; action_do_errand only tells the customer.
"""

from __future__ import annotations

from typing import Any, Dict, List

from actions import identity, texts
from actions.backend_client import BackendError, BackendUnavailable, backend, idempotency_key
from actions.common import checked_phone, digits, say, turn_id
from actions.errands.base import (
    BLOCKED_BACKEND_DOWN,
    BLOCKED_VERIFICATION_EXPIRED,
    Errand,
    ErrandContext,
    Reply,
    explain,
    simple_ask,
)
from contract import slots
from privacy import mask_text

ASK_NEW_PHONE = "请发一下要换绑的新手机号。"
ASK_NEW_PHONE_CODE = "请回复新手机收到的6位验证码。"
NEW_PHONE_CODE_SENT = "验证码已发送到新手机 {phone}，5分钟内有效。"
PHONE_CHANGED = "手机号已换绑为 {phone}，以后请用新号码登录和接收通知。"
# After these the customer starts again from the new number.
ASK_NUMBER_AGAIN = ("phone_in_use", "same_phone", "code_expired", "code_locked")
# The proof of the current phone grew too old during the form: nothing is changed.
EXPIRED = {"new_phone": None, "new_phone_code": None, "errand_blocked": BLOCKED_VERIFICATION_EXPIRED}


class ChangePhone(Errand, name="change_phone", label="换绑手机", slots=("new_phone", "new_phone_code")):
    risk = identity.RISK_ACCOUNT  # who owns the account

    async def validate_new_phone(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        if not identity.is_fresh(tracker, self.risk):
            return EXPIRED
        phone = checked_phone(value, dispatcher)
        if phone is None:
            return {"new_phone": None}
        try:
            await backend().phone_change_code(tracker.get_slot("customer_id"), phone, requester=tracker.sender_id)
        except BackendError as error:
            say(dispatcher, self.trouble(error))
            return {"new_phone": None}
        except BackendUnavailable:
            return {"new_phone": phone, "errand_blocked": BLOCKED_BACKEND_DOWN}
        say(dispatcher, NEW_PHONE_CODE_SENT.format(phone=phone))
        return {"new_phone": phone, "new_phone_code": None}

    async def validate_new_phone_code(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        if not identity.is_fresh(tracker, self.risk):
            return EXPIRED
        code = digits(value)
        if len(code) != 6:
            say(dispatcher, texts.CODE_BAD_FORMAT)
            return {"new_phone_code": None}
        customer_id, new_phone = tracker.get_slot("customer_id"), tracker.get_slot("new_phone")
        key = idempotency_key(tracker.sender_id, self.name, new_phone, turn_id(tracker))
        try:
            await backend().phone_change(customer_id, new_phone, code, key)
        except BackendError as error:
            say(dispatcher, self.trouble(error))
            if error.code in ASK_NUMBER_AGAIN:
                return {"new_phone_code": None, "new_phone": None}
            return {"new_phone_code": None}
        except BackendUnavailable:
            return {"new_phone_code": "******", "errand_blocked": BLOCKED_BACKEND_DOWN}
        proof = dict(tracker.get_slot(slots.VERIFIED_FOR) or {}, phone=mask_text(new_phone))
        return {"new_phone_code": "******", "phone": new_phone, slots.VERIFIED_FOR: proof}

    def trouble(self, error: BackendError) -> str:
        return identity.throttled(error) if error.code == "rate_limited" else explain(error.code, self)

    async def do(self, ctx: ErrandContext) -> List[Reply]:
        return [(PHONE_CHANGED.format(phone=ctx.slot("phone") or ""), None)]


AskNewPhone = simple_ask("action_ask_new_phone", ASK_NEW_PHONE)
AskNewPhoneCode = simple_ask("action_ask_new_phone_code", ASK_NEW_PHONE_CODE)
