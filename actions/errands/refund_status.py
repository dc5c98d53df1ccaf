"""refund_status (查退款): the order's refund, its amount and when it arrives."""

from __future__ import annotations

from typing import List

from actions.common import short_date
from actions.errands.base import Errand, ErrandContext, Reply

REFUND = "订单 {order_id} 的退款{status}，金额 ¥{amount}{expected}。"
REFUND_EXPECTED = "，预计 {date} 前到账"


class RefundStatus(Errand, name="refund_status", label="查退款", slots=("order_id",)):
    async def do(self, ctx: ErrandContext) -> List[Reply]:
        refund = await ctx.client.refund(ctx.order_id, ctx.customer_id)
        expected = (
            REFUND_EXPECTED.format(date=short_date(refund["expected_by"]))
            if refund.get("expected_by") and refund.get("status") != "refunded"
            else ""
        )
        text = REFUND.format(
            order_id=ctx.order_id,
            status=refund.get("status_text", ""),
            amount=refund.get("amount", ""),
            expected=expected,
        )
        return [(text, None)]
