"""payment_issue (支付问题): the order's payment as the shop sees it, and the way to a person."""

from __future__ import annotations

from typing import List

from actions.common import short_time
from actions.errands.base import Errand, ErrandContext, Reply

PAYMENT = (
    "订单 {order_id} 当前状态：{status}{paid}。如果扣款成功但订单显示未支付，系统一般会在30分钟内自动同步；"
    "重复扣款会在1–3个工作日内原路退回。"
)
PAYMENT_PAID_AT = "，付款时间 {time}，实付 ¥{total}"
PAYMENT_HUMAN = "如果还有疑问，回复「转人工」，人工客服会帮您核对支付记录。"
BUTTON_HUMAN = "转人工"


class PaymentIssue(Errand, name="payment_issue", label="支付问题", slots=("order_id",)):
    async def do(self, ctx: ErrandContext) -> List[Reply]:
        order = await ctx.client.order(ctx.order_id, ctx.customer_id)
        paid = (
            PAYMENT_PAID_AT.format(time=short_time(order["paid_at"]), total=order.get("total"))
            if order.get("paid_at")
            else ""
        )
        return [
            (PAYMENT.format(order_id=ctx.order_id, status=order.get("status_text"), paid=paid), None),
            (PAYMENT_HUMAN, [{"title": BUTTON_HUMAN, "payload": "/request_human"}]),
        ]
