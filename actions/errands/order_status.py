"""order_status (查订单): the order's status, with the latest logistics event or the ship-by date."""

from __future__ import annotations

from typing import List

from actions import texts
from actions.common import items_text, short_date
from actions.errands.base import Errand, ErrandContext, Reply, latest_event

STATUS = "订单 {order_id}（{items}，实付 ¥{total}）当前状态：{status}。"


class OrderStatus(Errand, name="order_status", label="查订单", slots=("order_id",)):
    async def do(self, ctx: ErrandContext) -> List[Reply]:
        order = await ctx.client.order(ctx.order_id, ctx.customer_id)
        text = STATUS.format(
            order_id=ctx.order_id, items=items_text(order), total=order.get("total"), status=order.get("status_text")
        )
        if order.get("status") in ("shipped", "delivered", "completed"):
            text += await latest_event(ctx.order_id, ctx.customer_id)
        elif order.get("status") == "paid" and order.get("expected_ship_by"):
            text += texts.STATUS_SHIP_BY.format(date=short_date(order["expected_ship_by"]))
        return [(text, None)]
