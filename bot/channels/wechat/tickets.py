"""An agent's answer to a ticket (工单) on WeChat: how it reads, and its template message.

The handoff service sends it like a live reply, with the ticket number in the bot event's
metadata (contract.tickets.TICKET_ANSWER; Rasa merges it into the message). Within
WeChat's 48-hour window it goes out as customer-service messages; past the window (or
the 5 messages) the answer is kept for the customer's next message and, when a template
is configured, a template message tells them it is there (output.py).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from bot.channels.wechat import texts
from contract.tickets import TICKET_ANSWER
from privacy import mask_text

# A ticket number longer than this is not one of ours (cut rather than trusted).
MAX_TICKET_CHARS = 32
# WeChat shows about 20 characters of a template field (limit of `thing` fields since 2023).
EXCERPT_CHARS = 20


def ticket_of(message: Dict[str, Any]) -> Optional[str]:
    """The ticket number a message answers (None: not a ticket answer)."""
    value = message.get(TICKET_ANSWER)
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    ticket = str(value).strip()[:MAX_TICKET_CHARS]
    return ticket or None


def with_header(ticket: str, rendered: List[str]) -> List[str]:
    """The answer's texts, the first one saying which ticket it answers."""
    if not rendered:
        return rendered
    return [texts.TICKET_ANSWER_HEADER.format(ticket=ticket) + "\n" + rendered[0]] + rendered[1:]


def excerpt(answer: str) -> str:
    """The start of the answer, personal data masked, short enough for a template field."""
    flat = " ".join(mask_text(answer).split())
    if len(flat) <= EXCERPT_CHARS:
        return flat
    return flat[: EXCERPT_CHARS - len(texts.TICKET_EXCERPT_MORE)] + texts.TICKET_EXCERPT_MORE


def template_data(ticket: str, answer: str) -> Dict[str, Dict[str, str]]:
    """The `data` of the template message (WeChat's template/send body)."""
    return {
        "first": {"value": texts.TICKET_TEMPLATE_FIRST},
        "keyword1": {"value": ticket},
        "keyword2": {"value": excerpt(answer)},
        "remark": {"value": texts.TICKET_TEMPLATE_REMARK},
    }
