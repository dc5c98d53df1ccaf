"""Whether an agent's reply reached the customer (channels → Rasa → handoff service → console).

An output channel that cannot deliver raises ``NotDelivered(reason)``. Rasa's
``POST /conversations/{id}/tracker/events`` turns any exception into a 500 whose message
ends with ``str(error)``; ``reason_in`` reads the reason back out of that message, so
the handoff service can show the agent why a reply did not arrive.

A channel that did not deliver live but took a ticket answer's fallback raises
``Rerouted(via, state)`` the same way (a WeChat template message: delivered; kept for the
customer's next message: pending); ``outcome_in`` reads either signal back. A 200 means
the channel delivered live (the caller knows the channel, hence the route).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from contract.tickets import VIAS

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


_ROUTED_MARKER = "rerouted:"
_ROUTE_IN_TEXT = re.compile(re.escape(_ROUTED_MARKER) + r"([a-z_]+):([a-z_]+)")


class Rerouted(Exception):
    """Raised by an output channel that took a fallback route instead of delivering live:
    ``via`` is a contract.tickets VIA_* route, ``state`` DELIVERED or PENDING.

    Rasa's events endpoint then answers 500 and saves none of the call's events (it
    saves the tracker only after the side effects succeed): the caller appends them
    again without side effects so that the conversation keeps the message."""

    def __init__(self, via: str, state: str) -> None:
        super().__init__(f"{_ROUTED_MARKER}{state}:{via}")
        self.via = via
        self.state = state


@dataclass(frozen=True)
class Outcome:
    """How a message the channel could not deliver live ended: ``state`` (one of STATES),
    ``reason`` (one of REASONS, for NOT_DELIVERED) and ``via`` (a route, for Rerouted)."""

    state: str
    reason: Optional[str] = None
    via: Optional[str] = None


def outcome_in(text: Optional[str]) -> Optional[Outcome]:
    """The signal (NotDelivered or Rerouted) a channel raised, found in an error message;
    None when the message carries neither (e.g. Rasa failed on its own)."""
    route = _ROUTE_IN_TEXT.search(text or "")
    if route and route.group(1) in (DELIVERED, PENDING) and route.group(2) in VIAS:
        return Outcome(state=route.group(1), via=route.group(2))
    reason = reason_in(text)
    return Outcome(state=NOT_DELIVERED, reason=reason) if reason else None
