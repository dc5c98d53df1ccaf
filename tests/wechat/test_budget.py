"""WeChat's limits (5 messages per customer message, 48-hour window) as pure decisions, table by table."""

import asyncio

import pytest

from bot.channels.wechat.budget import (
    AGENT_REPLY,
    BOT,
    CLOSED,
    ERR_QUOTA,
    ERR_WINDOW,
    QUEUE_UPDATE,
    REFUSE,
    SEND,
    SKIP,
    SKIP_RESERVE,
    SKIP_UNKNOWN,
    SKIP_WINDOW,
    WINDOW_S,
    Budget,
    BudgetTracker,
    Decision,
    after_customer_message,
    after_send,
    decide,
    reason_for,
    remaining,
)
from bot.channels.wechat.store import MemoryStore
from contract import delivery

NOW = 1_800_000_000.0
HOUR = 3600.0
UNKNOWN = Budget()


def wrote(hours_ago: float, sent: int = 0) -> Budget:
    return Budget(NOW - hours_ago * HOUR, sent)


@pytest.mark.parametrize(
    "budget, left",
    [
        (UNKNOWN, None),
        (wrote(0), 5),
        (wrote(1, sent=2), 3),
        (wrote(1, sent=5), 0),
        (wrote(1, sent=7), 0),
        (wrote(47.9, sent=1), 4),
        (wrote(48), 0),
        (Budget(CLOSED), 0),
    ],
)
def test_remaining(budget, left):
    assert remaining(budget, NOW) == left


@pytest.mark.parametrize(
    "kind, budget, reserve, decision",
    [
        # queue updates: only above the reserve, never on an unknown budget
        (QUEUE_UPDATE, wrote(0, sent=0), 3, Decision(SEND)),
        (QUEUE_UPDATE, wrote(0, sent=1), 3, Decision(SEND)),
        (QUEUE_UPDATE, wrote(0, sent=2), 3, Decision(SKIP, SKIP_RESERVE)),
        (QUEUE_UPDATE, wrote(0, sent=5), 3, Decision(SKIP, SKIP_RESERVE)),
        (QUEUE_UPDATE, wrote(0, sent=4), 0, Decision(SEND)),
        (QUEUE_UPDATE, wrote(0, sent=5), 0, Decision(SKIP, SKIP_RESERVE)),
        (QUEUE_UPDATE, wrote(49), 3, Decision(SKIP, SKIP_WINDOW)),
        (QUEUE_UPDATE, UNKNOWN, 3, Decision(SKIP, SKIP_UNKNOWN)),
        # agent replies: refused only when the figures rule them out
        (AGENT_REPLY, wrote(0, sent=4), 3, Decision(SEND)),
        (AGENT_REPLY, wrote(0, sent=5), 3, Decision(REFUSE, delivery.WECHAT_QUOTA)),
        (AGENT_REPLY, wrote(49, sent=0), 3, Decision(REFUSE, delivery.WECHAT_WINDOW)),
        (AGENT_REPLY, wrote(49, sent=5), 3, Decision(REFUSE, delivery.WECHAT_WINDOW)),
        (AGENT_REPLY, Budget(CLOSED), 3, Decision(REFUSE, delivery.WECHAT_WINDOW)),
        (AGENT_REPLY, UNKNOWN, 3, Decision(SEND)),
        # the bot's own words are always tried
        (BOT, wrote(0, sent=5), 3, Decision(SEND)),
        (BOT, wrote(49), 3, Decision(SEND)),
        (BOT, UNKNOWN, 3, Decision(SEND)),
    ],
)
def test_decide(kind, budget, reserve, decision):
    assert decide(kind, budget, NOW, reserve) == decision


@pytest.mark.parametrize(
    "budget, errcode, after",
    [
        (wrote(1, sent=2), 0, wrote(1, sent=3)),
        (UNKNOWN, 0, UNKNOWN),
        (wrote(1, sent=2), ERR_QUOTA, wrote(1, sent=5)),
        (UNKNOWN, ERR_QUOTA, Budget(NOW, 5)),
        (wrote(1, sent=2), ERR_WINDOW, Budget(CLOSED, 2)),
        (wrote(1, sent=2), 45002, wrote(1, sent=2)),
        (wrote(1, sent=2), None, wrote(1, sent=2)),
    ],
)
def test_after_send(budget, errcode, after):
    assert after_send(budget, errcode, NOW) == after


@pytest.mark.parametrize(
    "budget, at, after",
    [
        (UNKNOWN, NOW, Budget(NOW, 0)),
        (wrote(1, sent=5), NOW, Budget(NOW, 0)),
        (Budget(CLOSED, 5), NOW, Budget(NOW, 0)),
        (Budget(NOW, 3), NOW - HOUR, Budget(NOW, 3)),  # an older message (catch-up) changes nothing
        (Budget(NOW, 3), NOW, Budget(NOW, 3)),
    ],
)
def test_after_customer_message(budget, at, after):
    assert after_customer_message(budget, at) == after


@pytest.mark.parametrize(
    "errcode, reason",
    [
        (ERR_QUOTA, delivery.WECHAT_QUOTA),
        (ERR_WINDOW, delivery.WECHAT_WINDOW),
        (48001, delivery.WECHAT_REFUSED),
        (-1, delivery.WECHAT_REFUSED),
        (None, delivery.CHANNEL_UNREACHABLE),
    ],
)
def test_reason_for(errcode, reason):
    assert reason_for(errcode) == reason
    assert reason in delivery.REASONS


def test_the_tracker_keeps_the_figures_in_the_store():
    async def run():
        tracker = BudgetTracker(MemoryStore())
        seen = [await tracker.read("o1")]
        await tracker.customer_wrote("o1", NOW)
        for _ in range(3):
            await tracker.record("o1", 0, NOW)
        seen.append(await tracker.read("o1"))
        await tracker.record("o1", ERR_QUOTA, NOW)
        seen.append(await tracker.read("o1"))
        await tracker.customer_wrote("o1", NOW + 10)  # a new message starts a new count
        seen.append(await tracker.read("o1"))
        await tracker.record("o1", ERR_WINDOW, NOW + 20)
        seen.append(await tracker.read("o1"))
        await tracker.record("o2", ERR_QUOTA, NOW)  # learnt without a known message
        seen.append(await tracker.read("o2"))
        return seen

    assert asyncio.run(run()) == [
        UNKNOWN,
        Budget(NOW, 3),
        Budget(NOW, 5),
        Budget(NOW + 10, 0),
        Budget(CLOSED, 0),
        Budget(NOW, 5),
    ]
    assert WINDOW_S == 48 * HOUR
