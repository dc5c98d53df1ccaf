"""The per-conversation message rate limit, the one place channels ask before passing a message to Rasa.

A conversation (sender id) may send `MESSAGE_RATE_LIMIT` messages within any
`MESSAGE_RATE_WINDOW_S` seconds (default 20 per 60 s); a message over the limit
is answered with `contract.messages.RATE_LIMITED_TEXT` and not handed to Rasa.
Refused messages do not count, so a customer who waits is served again.

    retry = MESSAGE_RATE_LIMITER.retry_after(sender_id)
    if retry is not None:
        ...answer RATE_LIMITED_TEXT, do not pass the message on...

The memory is per process (each Rasa instance limits what it receives) and
bounded: at most `MESSAGE_RATE_MAX_SENDERS` conversations are tracked, the
least recently active one is forgotten first.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict, deque
from typing import Callable, Deque, Optional

DEFAULT_LIMIT = 20
DEFAULT_WINDOW_S = 60.0
DEFAULT_MAX_SENDERS = 100_000


class MessageRateLimiter:
    """A sliding-window limit per sender id."""

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        window_s: float = DEFAULT_WINDOW_S,
        max_senders: int = DEFAULT_MAX_SENDERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_s <= 0 or max_senders < 1:
            raise ValueError("the message rate limit needs limit >= 1, window > 0 and max_senders >= 1")
        self.limit, self.window_s, self.max_senders, self.clock = limit, window_s, max_senders, clock
        self._sent: OrderedDict[str, Deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, sender_id: str) -> Optional[float]:
        """None when this message may pass (it is counted); otherwise the seconds until one may."""
        now = self.clock()
        key = str(sender_id)
        with self._lock:
            sent = self._sent.get(key)
            if sent is None:
                sent = self._sent[key] = deque()
            self._sent.move_to_end(key)
            while sent and sent[0] <= now - self.window_s:
                sent.popleft()
            if len(sent) >= self.limit:
                return max(sent[0] + self.window_s - now, 0.001)
            sent.append(now)
            while len(self._sent) > self.max_senders:
                self._sent.popitem(last=False)
            return None

    def forget(self, sender_id: str) -> None:
        with self._lock:
            self._sent.pop(str(sender_id), None)


def from_environment() -> MessageRateLimiter:
    return MessageRateLimiter(
        limit=int(os.environ.get("MESSAGE_RATE_LIMIT", DEFAULT_LIMIT)),
        window_s=float(os.environ.get("MESSAGE_RATE_WINDOW_S", DEFAULT_WINDOW_S)),
        max_senders=int(os.environ.get("MESSAGE_RATE_MAX_SENDERS", DEFAULT_MAX_SENDERS)),
    )


# The limiter every channel of this process shares.
MESSAGE_RATE_LIMITER = from_environment()
