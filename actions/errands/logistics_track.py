"""logistics_track (查物流): the parcel's latest events, by order number or by tracking number."""

from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Tracker

from actions import texts
from actions.backend_client import backend
from actions.common import short_date, short_time
from actions.errands.base import Errand, ErrandContext, Reply

LOGISTICS_HEAD = "订单 {order_id} 由{courier}承运，运单号 {tracking_no}，当前{status}。最近的物流信息："
LOGISTICS_EVENT = "· {time} {location} {description}"
LOGISTICS_NONE = "订单 {order_id} 还没有发货，暂时没有物流信息。{ship_by}"
TRACKING_NOT_FOUND = "抱歉，您的订单里没有找到运单号 {tracking_no}，请核对一下，或者直接发订单号给我。"


class LogisticsTrack(Errand, name="logistics_track", label="查物流", slots=("order_id",)):
    def required_slots(self, tracker: Tracker) -> List[str]:
        # a tracking number the customer gave stands for the order
        if tracker.get_slot("tracking_no") and not tracker.get_slot("order_id"):
            return []
        return list(self.slots)

    async def do(self, ctx: ErrandContext) -> List[Reply]:
        order_id: Optional[str] = ctx.order_id
        if not order_id:
            tracking_no = ctx.slot("tracking_no")
            order_id = next(
                (
                    o["id"]
                    for o in await ctx.client.orders(ctx.customer_id)
                    if (o.get("tracking_no") or "").upper() == (tracking_no or "").upper()
                ),
                None,
            )
            if not order_id:
                return [(TRACKING_NOT_FOUND.format(tracking_no=tracking_no), None)]
        return [(await logistics(order_id, ctx.customer_id), None)]


async def logistics(order_id: str, customer_id: str) -> str:
    logistics = await backend().logistics(order_id, customer_id)
    events = logistics.get("events") or []
    if not events:
        order = await backend().order(order_id, customer_id)
        ship_by = (
            texts.STATUS_SHIP_BY.format(date=short_date(order["expected_ship_by"]))
            if order.get("expected_ship_by")
            else ""
        )
        return LOGISTICS_NONE.format(order_id=order_id, ship_by=ship_by)
    lines = [
        LOGISTICS_HEAD.format(
            order_id=order_id,
            courier=logistics.get("courier", ""),
            tracking_no=logistics.get("tracking_no", ""),
            status=logistics.get("status_text", ""),
        )
    ]
    lines += [
        LOGISTICS_EVENT.format(
            time=short_time(e.get("time")), location=e.get("location", ""), description=e.get("description", "")
        )
        for e in events[:3]
    ]
    return "\n".join(lines)
