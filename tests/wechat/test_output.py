"""WeChatOutput on its own: built from an API client and the customers' state, no input channel.

The API client talks to the fake WeChat over real HTTP; the store is the in-process one.
"""

from __future__ import annotations

import asyncio

from bot.channels.wechat import texts
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.customer_state import CustomerState
from bot.channels.wechat.output import WeChatOutput
from bot.channels.wechat.store import MemoryStore
from contract.messages import agent_message
from tests.wechat.conftest import config_for

BUTTONS = [{"title": "查订单", "payload": "/order_status"}, {"title": "转人工", "payload": "/request_human"}]


def output_for(fake, passive: bool):
    config = config_for(fake, mode="passive" if passive else "customer_service")
    store = MemoryStore()
    customers = CustomerState(store, config.choices_ttl_s)
    return WeChatOutput(WeChatApi(config, store), customers, passive=passive), customers


def test_a_push_goes_out_through_the_api_and_its_choices_answer_a_digit(fake):
    output, customers = output_for(fake, passive=False)
    fake.customer_wrote("oOutput")  # the customer wrote a moment ago

    async def run():
        await output.send_text_with_buttons("oOutput", "请选择", BUTTONS)
        try:
            return await customers.resolve_choice("oOutput", "2")
        finally:
            await output.api.close()

    assert asyncio.run(run()) == "/request_human"
    [sent] = fake.wait_for_sends("oOutput", 1)
    assert sent.startswith("请选择") and "2. 转人工" in sent


def test_a_passive_push_waits_for_the_customers_next_message(fake):
    output, customers = output_for(fake, passive=True)

    async def run():
        await output.send_custom_json("oLater", agent_message("您的订单已加急。", "小王"))
        return await customers.pop_late("oLater")

    assert asyncio.run(run()) == [texts.PASSIVE_EARLIER + "\n【人工客服 小王】您的订单已加急。"]
    assert fake.api.sends == []
