"""return_goods (退货): a return request for a delivered order, within 7 days of delivery."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.errands.base import CONFIRMED, Errand, ErrandContext, Reply, free_text, return_precheck, simple_ask
from actions.identity import RISK_HIGH

ASK_RETURN_REASON = "请简单说一下退货原因（比如：尺码不合适、质量问题、不想要了）。"
CONFIRM_RETURN = "确认为订单 {order_id} 申请退货吗？退货原因：{reason}。"
RETURN_CREATED = "退货申请已提交（申请号 {id}）{refund}。审核通过后我们会短信通知您寄回方式。"
RETURN_REFUND = "，预计退款 ¥{amount}"


class ReturnGoods(Errand, name="return_goods", label="退货", slots=("order_id", "return_reason", CONFIRMED)):
    risk = RISK_HIGH  # a refund

    def precheck(self, order: Dict[str, Any]) -> Optional[str]:
        return return_precheck(order)

    async def validate_return_reason(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return free_text("return_reason", value, 200)

    async def confirmation(self, tracker: Tracker) -> Optional[str]:
        return CONFIRM_RETURN.format(order_id=tracker.get_slot("order_id"), reason=tracker.get_slot("return_reason"))

    async def do(self, ctx: ErrandContext) -> List[Reply]:
        result = await ctx.client.create_return(
            ctx.order_id, ctx.customer_id, "return", ctx.slot("return_reason"), ctx.key
        )
        refund = RETURN_REFUND.format(amount=result["refund_amount"]) if result.get("refund_amount") else ""
        return [(RETURN_CREATED.format(id=result.get("id"), refund=refund), None)]


AskReturnReason = simple_ask("action_ask_return_reason", ASK_RETURN_REASON)
