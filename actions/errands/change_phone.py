"""change_phone (换绑手机): a new phone number for the account, confirmed by a code sent to it.

The change happens while the form runs (validate_new_phone_code); action_do_errand
only tells the customer.
"""

from __future__ import annotations

from typing import Any, Dict, List

from actions import texts
from actions.backend_client import BackendError, BackendUnavailable, backend, idempotency_key
from actions.common import checked_phone, digits, say, user_turns
from actions.errands.base import BLOCKED_BACKEND_DOWN, Errand, ErrandContext, Reply, explain, simple_ask

ASK_NEW_PHONE = "请发一下要换绑的新手机号。"
ASK_NEW_PHONE_CODE = "请回复新手机收到的6位验证码。"
NEW_PHONE_CODE_SENT = "验证码已发送到新手机 {phone}，5分钟内有效。"
PHONE_CHANGED = "手机号已换绑为 {phone}，以后请用新号码登录和接收通知。"
# After these the customer starts again from the new number.
ASK_NUMBER_AGAIN = ("phone_in_use", "same_phone", "code_expired", "code_locked")


class ChangePhone(Errand, name="change_phone", label="换绑手机", slots=("new_phone", "new_phone_code")):
    async def validate_new_phone(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        phone = checked_phone(value, dispatcher)
        if phone is None:
            return {"new_phone": None}
        try:
            await backend().phone_change_code(tracker.get_slot("customer_id"), phone)
        except BackendError as error:
            say(dispatcher, explain(error.code, self))
            return {"new_phone": None}
        except BackendUnavailable:
            return {"new_phone": phone, "errand_blocked": BLOCKED_BACKEND_DOWN}
        say(dispatcher, NEW_PHONE_CODE_SENT.format(phone=phone))
        return {"new_phone": phone, "new_phone_code": None}

    async def validate_new_phone_code(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        code = digits(value)
        if len(code) != 6:
            say(dispatcher, texts.CODE_BAD_FORMAT)
            return {"new_phone_code": None}
        customer_id, new_phone = tracker.get_slot("customer_id"), tracker.get_slot("new_phone")
        key = idempotency_key(tracker.sender_id, self.name, new_phone, user_turns(tracker))
        try:
            await backend().phone_change(customer_id, new_phone, code, key)
        except BackendError as error:
            if error.code == "code_invalid" and error.details.get("attempts_left") is not None:
                say(dispatcher, texts.CODE_INVALID.format(left=error.details["attempts_left"]))
            else:
                say(dispatcher, explain(error.code, self))
            if error.code in ASK_NUMBER_AGAIN:
                return {"new_phone_code": None, "new_phone": None}
            return {"new_phone_code": None}
        except BackendUnavailable:
            return {"new_phone_code": "******", "errand_blocked": BLOCKED_BACKEND_DOWN}
        return {"new_phone_code": "******", "phone": new_phone}

    async def do(self, ctx: ErrandContext) -> List[Reply]:
        return [(PHONE_CHANGED.format(phone=ctx.slot("phone") or ""), None)]


AskNewPhone = simple_ask("action_ask_new_phone", ASK_NEW_PHONE)
AskNewPhoneCode = simple_ask("action_ask_new_phone_code", ASK_NEW_PHONE_CODE)
