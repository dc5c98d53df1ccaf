"""WeChat's limits on customer-service messages, tracked per customer (OpenID).

After a customer message WeChat accepts at most 5 customer-service messages to that
customer (errcode 45047 beyond), and none once 48 hours have passed without a customer
message (errcode 45015). The connector counts what it sent since the customer's last
message so that queue-position updates never use up what an agent's reply needs: an
update goes out only while more than `queue_update_reserve` messages remain; an agent's
reply that the count or the window already rules out is not attempted and reported as
not delivered (contract.delivery).

The decisions are pure functions of a `Budget` (unit-tested table by table); the
`BudgetTracker` keeps the figures in the shared store (in-process or Redis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.channels.wechat.store import Store
from contract import delivery

# WeChat's rules (since 2023-06): messages per customer message, and the window after it.
MESSAGES_PER_CUSTOMER_MESSAGE = 5
WINDOW_S = 48 * 3600.0
ERR_QUOTA = 45047  # out of response count limit
ERR_WINDOW = 45015  # response out of time limit

# What a message to a customer is, as far as the budget is concerned.
BOT = "bot"  # the bot's own words (a turn's replies, a survey, an executed action)
QUEUE_UPDATE = "queue_update"  # a queue-position update from the handoff service
AGENT_REPLY = "agent_reply"  # a person's reply from the handoff service

SEND = "send"
SKIP = "skip"
REFUSE = "refuse"

# Why a queue update was skipped (logged).
SKIP_RESERVE = "would use the reserve kept for an agent's reply"
SKIP_WINDOW = "the 48-hour window is closed"
SKIP_UNKNOWN = "nothing known of the customer's last message"

# How long the figures are kept: past the window they decide nothing.
KEEP_S = 2 * WINDOW_S
# A window WeChat said was closed (45015) is stored as a customer message at the epoch.
CLOSED = 0.0


@dataclass(frozen=True)
class Budget:
    """What is known of one customer: the time of their last message (wall clock,
    None when unknown, e.g. after a restart with the in-process store) and the
    customer-service messages WeChat accepted since."""

    last_customer_at: Optional[float] = None
    sent: int = 0


@dataclass(frozen=True)
class Decision:
    action: str  # SEND, SKIP or REFUSE
    reason: str = ""  # SKIP: one of SKIP_*; REFUSE: a contract.delivery reason


def window_open(budget: Budget, now: float) -> Optional[bool]:
    if budget.last_customer_at is None:
        return None
    return now - budget.last_customer_at < WINDOW_S


def remaining(budget: Budget, now: float) -> Optional[int]:
    """Messages WeChat will still accept (None when unknown)."""
    is_open = window_open(budget, now)
    if is_open is None:
        return None
    if not is_open:
        return 0
    return max(0, MESSAGES_PER_CUSTOMER_MESSAGE - budget.sent)


def decide(kind: str, budget: Budget, now: float, reserve: int) -> Decision:
    """Whether a message of `kind` goes out.

    - a queue update only while more than `reserve` messages remain (never on an unknown budget);
    - an agent's reply unless the window or the count rules it out (an unknown budget is
      tried: WeChat then says);
    - the bot's own messages are always tried (WeChat's refusal is logged)."""
    left = remaining(budget, now)
    if kind == QUEUE_UPDATE:
        if left is None:
            return Decision(SKIP, SKIP_UNKNOWN)
        if not window_open(budget, now):
            return Decision(SKIP, SKIP_WINDOW)
        if left <= reserve:
            return Decision(SKIP, SKIP_RESERVE)
        return Decision(SEND)
    if kind == AGENT_REPLY and left is not None:
        if not window_open(budget, now):
            return Decision(REFUSE, delivery.WECHAT_WINDOW)
        if left <= 0:
            return Decision(REFUSE, delivery.WECHAT_QUOTA)
    return Decision(SEND)


def reason_for(errcode: Optional[int]) -> str:
    """The delivery reason of a failed send (None: WeChat's servers did not answer)."""
    if errcode is None:
        return delivery.CHANNEL_UNREACHABLE
    if errcode == ERR_QUOTA:
        return delivery.WECHAT_QUOTA
    if errcode == ERR_WINDOW:
        return delivery.WECHAT_WINDOW
    return delivery.WECHAT_REFUSED


def after_send(budget: Budget, errcode: Optional[int], now: float) -> Budget:
    """What is known after WeChat answered `errcode` to a send (None: no answer)."""
    if errcode == 0:
        if budget.last_customer_at is None:
            return budget  # nothing to count against
        return Budget(budget.last_customer_at, budget.sent + 1)
    if errcode == ERR_QUOTA:
        # Used up until the customer writes again (the window may still be open).
        last = budget.last_customer_at if budget.last_customer_at is not None else now
        return Budget(last, MESSAGES_PER_CUSTOMER_MESSAGE)
    if errcode == ERR_WINDOW:
        return Budget(CLOSED, budget.sent)
    return budget


def after_customer_message(budget: Budget, at: float) -> Budget:
    """A customer message at `at` renews the window and the count (an older one changes nothing)."""
    if budget.last_customer_at is not None and budget.last_customer_at >= at:
        return budget
    return Budget(at, 0)


class BudgetTracker:
    """The figures of each customer in the store: `cs-last:<openid>` holds the time of the
    last customer message, `cs-sent:<openid>:<that time>` the count since (a new
    message starts a new counter, so counting stays one atomic increment)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _last_key(openid: str) -> str:
        return "cs-last:" + openid

    @staticmethod
    def _sent_key(openid: str, last: str) -> str:
        return f"cs-sent:{openid}:{last}"

    async def read(self, openid: str) -> Budget:
        last = await self.store.get(self._last_key(openid))
        if last is None:
            return Budget()
        sent = await self.store.get(self._sent_key(openid, last))
        return Budget(float(last), int(sent or 0))

    async def customer_wrote(self, openid: str, at: float) -> None:
        current = await self.read(openid)
        updated = after_customer_message(current, at)
        if updated != current:
            await self.store.set(self._last_key(openid), repr(at), KEEP_S)

    async def record(self, openid: str, errcode: Optional[int], now: float) -> None:
        """Counts an accepted message; learns from WeChat's 45047 and 45015."""
        last = await self.store.get(self._last_key(openid))
        if errcode == 0:
            if last is not None:
                await self.store.incr(self._sent_key(openid, last), KEEP_S)
            return
        current = Budget(float(last), 0) if last is not None else Budget()
        updated = after_send(current, errcode, now)
        if updated == current or updated.last_customer_at is None:
            return
        same_message = last is not None and updated.last_customer_at == current.last_customer_at
        stamp = last if same_message and last is not None else repr(updated.last_customer_at)
        await self.store.set(self._last_key(openid), stamp, KEEP_S)
        await self.store.set(self._sent_key(openid, stamp), str(updated.sent), KEEP_S)
