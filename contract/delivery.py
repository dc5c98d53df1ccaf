"""Whether an agent's reply reached the customer (channels → Rasa → handoff service → console).

An output channel that cannot deliver raises ``NotDelivered(reason)``. Rasa's
``POST /conversations/{id}/tracker/events`` turns any exception into a 500 whose message
ends with ``str(error)``; ``reason_in`` reads the reason back out of that message, so
the handoff service can show the agent why a reply did not arrive.
"""

from __future__ import annotations

import re
from typing import Optional

# Delivery states of an agent's message (handoff service, console).
PENDING = "pending"
DELIVERED = "delivered"
NOT_DELIVERED = "not_delivered"
STATES = (PENDING, DELIVERED, NOT_DELIVERED)

# Why a message was not delivered.
WECHAT_QUOTA = "wechat_quota"  # errcode 45047: WeChat's limit of messages after one customer message
WECHAT_WINDOW = "wechat_window"  # errcode 45015: the customer last wrote more than 48 hours ago
WECHAT_REFUSED = "wechat_refused"  # any other WeChat error code
CHANNEL_UNREACHABLE = "channel_unreachable"  # the channel's own servers did not answer
RASA_UNAVAILABLE = "rasa_unavailable"  # the Rasa server did not take the message
REASONS = (WECHAT_QUOTA, WECHAT_WINDOW, WECHAT_REFUSED, CHANNEL_UNREACHABLE, RASA_UNAVAILABLE)

# As the agent reads them in the console.
REASON_LABELS = {
    WECHAT_QUOTA: "微信限制：客户上次发言后可回复的条数已用完，请等客户再次发言",
    WECHAT_WINDOW: "微信限制：客户超过48小时未发言，无法再主动回复",
    WECHAT_REFUSED: "微信拒绝了这条消息",
    CHANNEL_UNREACHABLE: "渠道服务器无响应",
    RASA_UNAVAILABLE: "机器人服务暂时不可用",
}

_MARKER = "not_delivered:"
_REASON_IN_TEXT = re.compile(re.escape(_MARKER) + r"([a-z_]+)")


class NotDelivered(Exception):
    """Raised by an output channel when the customer did not get the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{_MARKER}{reason}")
        self.reason = reason


def reason_in(text: Optional[str]) -> Optional[str]:
    """The reason a ``NotDelivered`` carried, found in an error message (e.g. Rasa's 500 body)."""
    match = _REASON_IN_TEXT.search(text or "")
    return match.group(1) if match and match.group(1) in REASONS else None
