"""The agent-message shape: a bot message that channels show as a person's words.

The handoff service posts it to Rasa as the custom payload of a `bot` event;
web chat labels it 「人工客服 <name>」, WeChat prefixes 【人工客服 <name>】.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

SENDER = "sender"
AGENT = "agent"
AGENT_NAME = "agent_name"
TEXT = "text"


def agent_message(text: str, agent_name: str) -> Dict[str, str]:
    """The custom payload of an agent's reply."""
    return {TEXT: text, SENDER: AGENT, AGENT_NAME: agent_name}


def is_agent_message(payload: Any) -> bool:
    """Whether a custom payload (or an event's metadata) marks an agent's words."""
    return isinstance(payload, dict) and payload.get(SENDER) == AGENT


def agent_name(payload: Any) -> Optional[str]:
    return payload.get(AGENT_NAME) if is_agent_message(payload) else None


def agent_text(payload: Dict[str, Any]) -> str:
    return str(payload.get(TEXT) or "")


# What a channel answers instead of passing a message on when the conversation sends
# faster than bot/rate_limit.py allows.
RATE_LIMITED_TEXT = "您发送得太快了，请稍等片刻再发。"


# Metadata key of a queue-position update (a `bot` event the handoff service appends):
# Rasa merges a bot event's metadata into the message a channel sends, so a channel can
# tell an update from an agent's reply and never spend on it a budget the reply needs.
QUEUE_UPDATE = "queue_update"
