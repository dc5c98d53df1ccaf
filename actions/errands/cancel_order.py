"""cancel_order (取消订单): cancels an order that has not shipped; the money goes back."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.errands.base import CONFIRMED, Errand, ErrandContext, Reply
from actions.identity import RISK_HIGH

CONFIRM_CANCEL = "确认要取消订单 {order_id}（{items}，¥{total}）吗？取消后款项会原路退回。"
CANCELLED = "订单 {order_id} 已为您取消，款项 ¥{total} 会在1–3个工作日内原路退回。"


class CancelOrder(Errand, name="cancel_order", label="取消订单", slots=("order_id", CONFIRMED)):
    risk = RISK_HIGH  # money goes back
    action_word = "取消"
    shipped_hint = "您可以在签收后申请退货，或者拒收，款项会原路退回。"

    def precheck(self, order: Dict[str, Any]) -> Optional[str]:
        status = order.get("status")
        if status in ("shipped", "delivered"):
            return "order_already_shipped"
        if status in ("completed", "cancelled", "refunding", "refunded"):
            return "order_not_cancellable"
        return None

    async def confirmation(self, tracker: Tracker) -> Optional[str]:
        summary = tracker.get_slot("order_summary") or {}
        return CONFIRM_CANCEL.format(
            order_id=tracker.get_slot("order_id"), items=summary.get("items", ""), total=summary.get("total", "")
        )

    async def do(self, ctx: ErrandContext) -> List[Reply]:
        order = await ctx.client.cancel(ctx.order_id, ctx.customer_id, ctx.key)
        return [(CANCELLED.format(order_id=ctx.order_id, total=order.get("total", ctx.summary.get("total"))), None)]
