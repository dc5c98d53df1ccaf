"""reset_password (重置密码): a password-reset SMS to the account's phone."""

from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Tracker

from actions.backend_client import BackendError, BackendUnavailable, backend
from actions.errands.base import CONFIRMED, Errand, ErrandContext, Reply
from privacy import mask_text

CONFIRM_RESET_PASSWORD = "确认向您绑定的手机 {phone} 发送重置密码的短信吗？"
BOUND_PHONE = "绑定手机"  # when the backend cannot tell the number
PASSWORD_RESET = "重置密码的短信已发送到 {phone}，请按短信提示设置新密码。"


class ResetPassword(Errand, name="reset_password", label="重置密码", slots=(CONFIRMED,)):
    async def confirmation(self, tracker: Tracker) -> Optional[str]:
        phone = tracker.get_slot("phone")
        if not phone:
            try:
                phone = (await backend().customer(tracker.get_slot("customer_id"))).get("phone", "")
            except (BackendError, BackendUnavailable):
                phone = ""
        return CONFIRM_RESET_PASSWORD.format(phone=mask_text(phone) or BOUND_PHONE)

    async def do(self, ctx: ErrandContext) -> List[Reply]:
        result = await ctx.client.password_reset(ctx.customer_id, ctx.key)
        return [(PASSWORD_RESET.format(phone=result.get("sent_to", "")), None)]
