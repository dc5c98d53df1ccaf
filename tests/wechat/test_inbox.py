"""The durable inbox of customer-service mode and WeChat's limits on pushes, over real HTTP
with the fake WeChat and a scripted bot standing in for Rasa (the real-Rasa versions are
in test_end_to_end_durable.py and test_end_to_end.py)."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.customer_state import CustomerState
from bot.channels.wechat.inbound import TEXT, Inbound
from bot.channels.wechat.inbox import Inbox
from bot.channels.wechat.output import WeChatOutput
from bot.channels.wechat.store import MemoryStore
from contract import delivery
from contract.delivery import NotDelivered
from contract.messages import QUEUE_UPDATE, agent_message
from devtools.waiting import wait_until
from tests.wechat.conftest import config_for
from tests.wechat.harness import ScriptedBot, ServedChannel


def inbound(openid: str, text: str, n: int) -> Inbound:
    return Inbound(TEXT, openid, "gh_fake0000000", f"msg:{openid}:{n}", text, f"wechat-{n}")


def test_the_inbox_keeps_items_in_order_once_and_their_replies(tmp_path):
    path = str(tmp_path / "sub" / "inbox.db")
    inbox = Inbox(path)
    assert inbox.put(inbound("oA", "一", 1)) and inbox.put(inbound("oB", "二", 2)) and inbox.put(inbound("oA", "三", 3))
    assert not inbox.put(inbound("oA", "一", 1))  # the same message again
    assert inbox.openids() == ["oA", "oB"]
    first = inbox.next_for("oA")
    assert first is not None and first.inbound == inbound("oA", "一", 1) and first.replies is None
    assert inbox.begin(first.id) == 1
    inbox.answered(first.id, ["答一", "答二"])
    inbox.sent_one(first.id)
    inbox.close()
    reopened = Inbox(path)  # another process
    again = reopened.next_for("oA")
    assert again is not None and again.id == first.id
    assert (again.replies, again.sent, again.attempts) == (["答一", "答二"], 1, 1)
    reopened.remove(again.id)
    following = reopened.next_for("oA")
    assert following is not None and following.inbound.text == "三"
    assert reopened.count() == 2


def test_a_push_that_cannot_be_stored_is_not_answered_success_and_the_resend_is_taken(fake):
    bot = ScriptedBot()
    with ServedChannel(config_for(fake), bot) as served:
        inbox = served.channel.inbox
        real_put, failures = inbox.put, []

        def failing_once(*args, **kwargs):
            if not failures:
                failures.append(1)
                raise OSError("disk full")
            return real_put(*args, **kwargs)

        inbox.put = failing_once  # type: ignore[method-assign]
        result = fake.push(served.webhook, fake.text_xml("oDisk", "在吗"))
        assert [d.status for d in result.deliveries] == [503, 200]
        assert result.deliveries[1].body == "success"
        assert fake.wait_for_sends("oDisk", 1) == ["您说的是：在吗"]
    assert bot.texts == ["在吗"]


def test_items_left_by_a_stopped_process_are_processed_at_start(fake, tmp_path):
    path = str(tmp_path / "inbox.db")
    left = Inbox(path)
    # one turn ran to its end and sent its first reply only; one never ran
    left.put(inbound("oLeft", "第一条", 1))
    answered = left.next_for("oLeft")
    assert answered is not None
    left.answered(answered.id, ["答复甲", "答复乙"])
    left.sent_one(answered.id)
    left.put(inbound("oLeft", "第二条", 2))
    left.close()
    fake.customer_wrote("oLeft")
    bot = ScriptedBot()
    with ServedChannel(config_for(fake, inbox_path=path), bot) as served:
        assert fake.wait_for_sends("oLeft", 2) == ["答复乙", "您说的是：第二条"]
        wait_until(lambda: served.channel.inbox.count() == 0)
    assert bot.texts == ["第二条"]  # the answered turn is not run again


def test_graceful_stop_waits_for_a_running_turn_and_leaves_new_pushes_for_the_next_start(fake):
    async def slow(message):
        await asyncio.sleep(1.5)
        await message.output_channel.send_text_message(message.sender_id, "慢慢来的回复")

    with ServedChannel(config_for(fake, drain_timeout_s=30), ScriptedBot(slow)) as served:
        fake.push(served.webhook, fake.text_xml("oStop", "在吗"))
        wait_until(lambda: len(served.channel._workers) == 1)
        served.call(served.channel.drain())
        # drain() returned only once the running turn sent its reply
        assert [s.content for s in fake.sends_to("oStop")] == ["慢慢来的回复"]
        result = fake.push(served.webhook, fake.text_xml("oStop", "还在吗"))
        assert result.deliveries[0].body == "success"  # stored, for the next start
        time.sleep(0.5)
        assert served.channel.inbox.count() == 1 and len(fake.sends_to("oStop")) == 1


def output_for(fake, reserve: int = 3):
    config = config_for(fake, queue_update_reserve=reserve)
    store = MemoryStore()
    return WeChatOutput(WeChatApi(config, store), CustomerState(store, config.choices_ttl_s), False, reserve)


def queue_update(text: str) -> dict:
    # a bot event's message as Rasa hands it to the channel: metadata merged in
    return {"text": text, QUEUE_UPDATE: True}


def agent_reply(text: str) -> dict:
    return {"text": None, "custom": agent_message(text, "小王")}


def test_queue_updates_leave_the_reserve_for_the_agents_reply(fake):
    output = output_for(fake, reserve=3)

    async def run():
        try:
            await output.api.budget.customer_wrote("oQueue", time.time())
            fake.customer_wrote("oQueue")
            await output.send_response("oQueue", {"text": "已为您转接人工客服，前面还有5位"})  # the turn's reply
            for position in (4, 3, 2, 1):
                await output.send_response("oQueue", queue_update(f"前面还有{position}位"))
            for n in range(3):
                await output.send_response("oQueue", agent_reply(f"人工回复{n}"))
            with pytest.raises(NotDelivered) as refused:
                await output.send_response("oQueue", agent_reply("第四条人工回复"))
            return refused.value
        finally:
            await output.api.close()

    refused = asyncio.run(run())
    assert refused.reason == delivery.WECHAT_QUOTA and "not_delivered:wechat_quota" in str(refused)
    sent = [s.content for s in fake.sends_to("oQueue", ok_only=False)]
    # one update fitted above the reserve; the refused reply was not even tried
    assert sent[:2] == ["已为您转接人工客服，前面还有5位", "前面还有4位"]
    assert len(sent) == 5 and all(s.errcode == 0 for s in fake.sends_to("oQueue", ok_only=False))


@pytest.mark.parametrize(
    "setup, reason",
    [
        ("window", delivery.WECHAT_WINDOW),
        ("quota", delivery.WECHAT_QUOTA),
        ("down", delivery.CHANNEL_UNREACHABLE),
        ("unknown_window", delivery.WECHAT_WINDOW),
    ],
)
def test_an_agent_reply_wechat_refuses_is_not_delivered_with_the_reason(fake, setup, reason):
    output = output_for(fake)
    fake.customer_wrote("oRefused")
    if setup == "window":
        fake.set_last_message_age("oRefused", 49 * 3600)
    elif setup == "quota":
        with fake.api.lock:
            fake.api.allowance["oRefused"] = 0
    elif setup == "down":
        fake.api.send_http_status = 503
    else:  # the connector knows nothing of the customer (e.g. restarted): WeChat decides
        fake.set_last_message_age("oRefused", 72 * 3600)

    async def run():
        try:
            if setup != "unknown_window":
                await output.api.budget.customer_wrote("oRefused", time.time())
            with pytest.raises(NotDelivered) as refused:
                await output.send_response("oRefused", agent_reply("您好"))
            # what WeChat said is remembered: the next reply is not tried
            tries = len(fake.sends_to("oRefused", ok_only=False))
            if setup != "down":
                with pytest.raises(NotDelivered):
                    await output.send_response("oRefused", agent_reply("还在吗"))
                assert len(fake.sends_to("oRefused", ok_only=False)) == tries
            return refused.value.reason
        finally:
            await output.api.close()

    assert asyncio.run(run()) == reason


def test_the_bots_own_messages_are_tried_and_never_raise(fake):
    output = output_for(fake)
    fake.set_last_message_age("oBot", 49 * 3600)

    async def run():
        try:
            await output.send_response("oBot", {"text": "感谢您的耐心等待"})
        finally:
            await output.api.close()

    asyncio.run(run())
    assert [s.errcode for s in fake.sends_to("oBot", ok_only=False)] == [45015]
