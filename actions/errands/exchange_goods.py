"""exchange_goods (换货): an exchange request for a delivered order, within 7 days of delivery."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions import texts
from actions.errands.base import CONFIRMED, Errand, ErrandContext, Reply, free_text, return_precheck, simple_ask
from actions.identity import RISK_HIGH

ASK_EXCHANGE_FOR = "请说一下想换成什么（比如：换成L码、换成黑色、同款换新），以及换货原因。"
CONFIRM_EXCHANGE = "确认为订单 {order_id} 申请换货吗？换成：{exchange_for}。"
EXCHANGE_CREATED = "换货申请已提交（申请号 {id}），换成：{exchange_for}。审核通过后会短信通知您寄回方式。"


class ExchangeGoods(Errand, name="exchange_goods", label="换货", slots=("order_id", "exchange_for", CONFIRMED)):
    risk = RISK_HIGH  # goods go out
    kind_word = texts.KIND_WORDS["exchange"]

    def precheck(self, order: Dict[str, Any]) -> Optional[str]:
        return return_precheck(order)

    async def validate_exchange_for(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return free_text("exchange_for", value, 200)

    async def confirmation(self, tracker: Tracker) -> Optional[str]:
        return CONFIRM_EXCHANGE.format(
            order_id=tracker.get_slot("order_id"), exchange_for=tracker.get_slot("exchange_for")
        )

    async def do(self, ctx: ErrandContext) -> List[Reply]:
        wanted = ctx.slot("exchange_for")
        result = await ctx.client.create_return(
            ctx.order_id, ctx.customer_id, "exchange", wanted, ctx.key, exchange_for=wanted
        )
        return [(EXCHANGE_CREATED.format(id=result.get("id"), exchange_for=wanted), None)]


AskExchangeFor = simple_ask("action_ask_exchange_for", ASK_EXCHANGE_FOR)
