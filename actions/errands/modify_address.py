"""modify_address (改地址): a new delivery address for an order that has not shipped."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.address_parser import missing_parts, parse_address
from actions.common import say
from actions.errands.base import CONFIRMED, Errand, ErrandContext, Reply, simple_ask
from actions.identity import RISK_HIGH

ASK_ADDRESS = "请发一下新的收货地址（省市区 + 详细地址；如果收件人或电话也要改，请一起写上）。"
# What the address is missing (actions/address_parser.missing_parts).
ADDRESS_MISSING = {
    "region": "麻烦补充一下省市区，比如「上海市浦东新区张江路88号」。",
    "detail": "麻烦补充一下详细地址（街道、门牌号或小区楼栋），快递员才能送到哦。",
}
CONFIRM_ADDRESS = "确认把订单 {order_id} 的收货地址改为：{address}？"
ADDRESS_CHANGED = "好的，订单 {order_id} 的收货地址已改为：{address}。"


class ModifyAddress(Errand, name="modify_address", label="改地址", slots=("order_id", "new_address", CONFIRMED)):
    risk = RISK_HIGH  # where the parcel goes
    action_word = "修改地址"
    shipped_hint = "可以联系快递改派，或者回复「转人工」帮您处理。"

    def precheck(self, order: Dict[str, Any]) -> Optional[str]:
        status = order.get("status")
        if status in ("shipped", "delivered", "completed"):
            return "order_already_shipped"
        if status in ("cancelled", "refunding", "refunded"):
            return "order_not_modifiable"
        return None

    async def validate_new_address(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        text = str(value or "").strip()
        if text.startswith("/"):
            return {"new_address": None}
        missing = missing_parts(parse_address(text))
        if missing:
            say(dispatcher, ADDRESS_MISSING[missing[0]])
            return {"new_address": None}
        return {"new_address": text[:200]}

    async def confirmation(self, tracker: Tracker) -> Optional[str]:
        return CONFIRM_ADDRESS.format(order_id=tracker.get_slot("order_id"), address=tracker.get_slot("new_address"))

    async def do(self, ctx: ErrandContext) -> List[Reply]:
        address = ctx.slot("new_address")
        # The district stays inside `detail`: the backend has no field for it.
        fields = {k: v for k, v in parse_address(address).items() if k != "district"}
        await ctx.client.change_address(ctx.order_id, ctx.customer_id, fields, ctx.key)
        return [(ADDRESS_CHANGED.format(order_id=ctx.order_id, address=address), None)]


AskNewAddress = simple_ask("action_ask_new_address", ASK_ADDRESS)
