"""Turns the bot's Rasa messages into WeChat text messages.

WeChat text messages have no buttons, a size limit, and at most 5 customer-service
messages may answer one customer message; buttons become numbered choices.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from bot.channels.wechat import texts
from contract import messages as agent_messages

# WeChat's text limit is 2048 bytes of UTF-8 (about 680 Chinese characters).
MAX_TEXT_BYTES = 2048
# Customer-service messages allowed per customer message (WeChat rule since 2023-06).
MAX_MESSAGES_PER_TURN = 5
PARAGRAPH = "\n\n"


@dataclass
class Rendered:
    texts: List[str] = field(default_factory=list)
    # (title, payload) in the order they are numbered, starting at 1
    choices: List[Tuple[str, str]] = field(default_factory=list)


def agent_text(custom: Dict[str, Any]) -> Optional[str]:
    """An agent's message (contract.messages: {"text", "sender": "agent", "agent_name"}) with its prefix."""
    if not agent_messages.is_agent_message(custom):
        return None
    name = str(agent_messages.agent_name(custom) or "").strip()
    prefix = texts.AGENT_PREFIX.format(name=name) if name else texts.AGENT_PREFIX_NO_NAME
    return prefix + agent_messages.agent_text(custom).strip()


def render_message(message: Dict[str, Any], rendered: Rendered) -> None:
    """Adds one Rasa message (as CollectingOutputChannel stores it) to `rendered`."""
    parts: List[str] = []
    if message.get("text"):
        parts.append(str(message["text"]).strip())
    buttons = message.get("buttons") or message.get("quick_replies") or []
    choices = [
        (str(b.get("title") or b.get("payload")), str(b.get("payload") or b.get("title")))
        for b in buttons
        if isinstance(b, dict) and (b.get("title") or b.get("payload"))
    ]
    if choices:
        lines = [texts.CHOICES_HEADER]
        for title, payload in choices:
            rendered.choices.append((title, payload))
            lines.append(texts.CHOICE_LINE.format(number=len(rendered.choices), title=title))
        parts.append("\n".join(lines))
    if message.get("image"):
        parts.append(texts.IMAGE_LINK.format(url=message["image"]))
    if message.get("attachment"):
        attachment = message["attachment"]
        url = attachment.get("payload", {}).get("src") if isinstance(attachment, dict) else attachment
        if url:
            parts.append(texts.ATTACHMENT_LINK.format(url=url))
    custom = message.get("custom")
    if custom is not None:
        agent = agent_text(custom)
        if agent:
            parts.append(agent)
        elif isinstance(custom, dict) and custom.get("text"):
            parts.append(str(custom["text"]).strip())
    text = "\n".join(part for part in parts if part)
    if text:
        rendered.texts.append(text)


def render_turn(messages: List[Dict[str, Any]]) -> Rendered:
    rendered = Rendered()
    for message in messages:
        render_message(message, rendered)
    return rendered


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> List[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut at line ends where possible."""
    if utf8_len(text) <= limit:
        return [text]
    pieces: List[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while utf8_len(line) > limit:  # one line longer than a message
            head = _prefix_within(line, limit - utf8_len(current))
            if not head:
                pieces.append(current)
                current = ""
                continue
            current += head
            line = line[len(head) :]
        if utf8_len(current + line) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current:
        pieces.append(current)
    return [piece.strip("\n") for piece in pieces if piece.strip()]


def _prefix_within(text: str, budget: int) -> str:
    """The longest prefix of whole characters that fits in `budget` bytes."""
    if budget <= 0:
        return ""
    encoded = text.encode("utf-8")[:budget]
    return encoded.decode("utf-8", errors="ignore")


def fit_messages(
    messages: List[str], max_messages: int = MAX_MESSAGES_PER_TURN, limit: int = MAX_TEXT_BYTES
) -> List[str]:
    """At most `max_messages` texts of at most `limit` bytes, in order.

    Up to `max_messages` replies go out one by one as the bot wrote them; more
    are packed together (blank line between them), and what still does not fit
    is cut with a note.
    """
    pieces = [piece for message in messages for piece in split_text(message, limit)]
    if len(pieces) <= max_messages:
        return pieces
    packed: List[str] = []
    for piece in pieces:
        if packed and utf8_len(packed[-1] + PARAGRAPH + piece) <= limit:
            packed[-1] += PARAGRAPH + piece
        else:
            packed.append(piece)
    if len(packed) <= max_messages:
        return packed
    kept = packed[:max_messages]
    note = PARAGRAPH + texts.TRUNCATED
    kept[-1] = _prefix_within(kept[-1], limit - utf8_len(note)) + note
    return kept


def merge_into_one(messages: List[str], limit: int = MAX_TEXT_BYTES) -> Tuple[str, List[str]]:
    """Passive mode has one reply: as much as fits, and the rest for later."""
    pieces = [piece for message in messages for piece in split_text(message, limit)]
    if not pieces:
        return "", []
    reply = pieces[0]
    rest = pieces[1:]
    while rest and utf8_len(reply + PARAGRAPH + rest[0]) <= limit:
        reply += PARAGRAPH + rest.pop(0)
    if rest:
        note = PARAGRAPH + texts.PASSIVE_MORE
        if utf8_len(reply + note) > limit:
            # make room for the note; the cut text goes out with the rest
            head = _prefix_within(reply, limit - utf8_len(note))
            rest.insert(0, reply[len(head) :])
            reply = head
        reply += note
    return reply, rest


_DIGITS = re.compile(r"\d{1,2}")


def choice_number(text: str) -> Optional[int]:
    """1-based number if the message is just a number ("2", "２", " 2 "), else None."""
    normalised = unicodedata.normalize("NFKC", text or "").strip().rstrip("。.、")
    if _DIGITS.fullmatch(normalised):
        return int(normalised)
    return None
