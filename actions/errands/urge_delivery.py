"""urge_delivery (催发货): asks the warehouse to hurry an order that has not shipped."""

from __future__ import annotations

from typing import List

from actions.backend_client import BackendError
from actions.common import short_date
from actions.errands.base import Errand, ErrandContext, Reply, latest_event

URGED = "已经帮您催促仓库加急处理订单 {order_id} 了🙏 预计 {date} 前发出，发货后会短信通知您。"
URGE_SHIPPED = "订单 {order_id} 已经发货了，不用再催啦～"
URGE_NOT_APPLICABLE = "订单 {order_id} 当前状态是「{status}」，不需要催发货哦。"


class UrgeDelivery(Errand, name="urge_delivery", label="催发货", slots=("order_id",)):
    action_word = "催发货"

    async def do(self, ctx: ErrandContext) -> List[Reply]:
        order_id = ctx.order_id
        try:
            result = await ctx.client.urge(order_id, ctx.customer_id, ctx.key)
        except BackendError as error:
            if error.code == "order_already_shipped":
                return [(URGE_SHIPPED.format(order_id=order_id) + await latest_event(order_id, ctx.customer_id), None)]
            if error.code == "order_not_cancellable" or error.status == 409:
                status = ctx.summary.get("status_text", "")
                return [(URGE_NOT_APPLICABLE.format(order_id=order_id, status=status), None)]
            raise
        return [(URGED.format(order_id=order_id, date=short_date(result.get("expected_ship_by"))), None)]
