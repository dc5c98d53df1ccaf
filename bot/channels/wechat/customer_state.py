"""What the connector remembers per customer between messages, in the shared store.

- the numbered choices of the last reply (buttons), so that a digit picks one;
- for a passive account, the replies that could not go out in time, delivered with
  the answer to the customer's next message.
"""

from __future__ import annotations

import json
from typing import List

from bot.channels.wechat import texts
from bot.channels.wechat.render import Rendered, choice_number
from bot.channels.wechat.store import Store

# Replies a passive account could not deliver in time wait this long for the next message.
LATE_TTL_S = 24 * 3600


class CustomerState:
    def __init__(self, store: Store, choices_ttl_s: float) -> None:
        self.store = store
        self.choices_ttl_s = choices_ttl_s

    # ---------------------------------------------------------------- choices
    async def remember_choices(self, openid: str, rendered: Rendered) -> None:
        """The choices of the latest reply replace earlier ones; a reply without any clears them."""
        key = "choices:" + openid
        if rendered.choices:
            payloads = [payload for _, payload in rendered.choices]
            await self.store.set(key, json.dumps(payloads, ensure_ascii=False), self.choices_ttl_s)
        else:
            await self.store.delete(key)

    async def resolve_choice(self, openid: str, text: str) -> str:
        """A digit answering the numbered choices becomes that button's payload."""
        number = choice_number(text)
        if number is None:
            return text
        stored = await self.store.get("choices:" + openid)
        payloads = json.loads(stored) if stored else []
        if 1 <= number <= len(payloads):
            return payloads[number - 1]
        return text

    # ---------------------------------------------------- passive: late replies
    async def add_late(self, openid: str, replies: List[str]) -> None:
        key = "late:" + openid
        stored = await self.store.get(key)
        pending = (json.loads(stored) if stored else []) + list(replies)
        await self.store.set(key, json.dumps(pending, ensure_ascii=False), LATE_TTL_S)

    async def pop_late(self, openid: str) -> List[str]:
        stored = await self.store.pop("late:" + openid)
        pending = json.loads(stored) if stored else []
        if pending:
            pending[0] = texts.PASSIVE_EARLIER + "\n" + pending[0]
        return pending
