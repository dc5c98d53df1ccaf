"""Output channels: the collector of one turn, and the sender for pushes outside a turn.

`WeChatOutput` is what `POST /conversations/{id}/execute?output_channel=latest`
uses (e.g. the handoff service relaying an agent's reply): every message goes
straight to the customer through the customer-service API, or, in passive mode,
waits to go out with the answer to the customer's next message. Like Rasa's own
output channels it knows nothing of the input channel: it is given the API client
to send with and the customers' state (numbered choices, late replies).

WeChat's limits (budget.py) decide what goes out: a queue-position update (the bot
event's metadata carries contract.messages.QUEUE_UPDATE) only while more than
`queue_update_reserve` messages remain, else it is skipped; an agent's reply that the
limits rule out or that WeChat refuses raises contract.delivery.NotDelivered, which
Rasa's events endpoint answers with a 500 naming the reason. The bot's own messages
are always tried, and a refusal is logged.

An answer to a ticket (the bot event's metadata carries contract.tickets.TICKET_ANSWER)
that the window or the count rules out is not lost: it is held in the durable inbox and
goes out first when the customer next writes; a template message (config
ticket_template_id) tells the customer meanwhile. The channel then raises
contract.delivery.Rerouted naming the route (template: delivered; otherwise pending).
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any, Dict, List, NoReturn, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel

from bot.channels.wechat import budget, tickets
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.customer_state import CustomerState
from bot.channels.wechat.inbox import Inbox
from bot.channels.wechat.render import Rendered, fit_messages, render_message
from contract import delivery, messages
from contract.channels import WECHAT
from contract.delivery import NotDelivered, Rerouted
from contract.tickets import VIA_NEXT_CONTACT, VIA_TEMPLATE

logger = logging.getLogger(__name__)


class TurnCollector(CollectingOutputChannel):
    """Collects one turn's messages; unlike Rasa's collector it keeps paragraphs together."""

    @classmethod
    def name(cls) -> Text:
        return WECHAT

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


def kind_of(message: Dict[str, Any]) -> str:
    """A queue-position update (the bot event's metadata, merged into the message by
    Rasa), an agent's reply (custom payload), or the bot's own words."""
    if message.get(messages.QUEUE_UPDATE) is True:
        return budget.QUEUE_UPDATE
    if messages.is_agent_message(message.get("custom")):
        return budget.AGENT_REPLY
    return budget.BOT


# WeChat's refusals that a ticket answer outlives by waiting for the customer's next message.
FALLBACK_REASONS = (delivery.WECHAT_WINDOW, delivery.WECHAT_QUOTA)


class WeChatOutput(OutputChannel):
    def __init__(
        self,
        api: WeChatApi,
        customers: CustomerState,
        passive: bool,
        queue_update_reserve: int = 3,
        inbox: Optional[Inbox] = None,
        ticket_template_id: str = "",
    ) -> None:
        self.api = api
        self.customers = customers
        self.passive = passive
        self.queue_update_reserve = queue_update_reserve
        self.inbox = inbox
        self.ticket_template_id = ticket_template_id

    @classmethod
    def name(cls) -> Text:
        return WECHAT

    async def push(
        self, openid: str, rendered: Rendered, kind: str = budget.BOT, ticket: Optional[str] = None, answer: str = ""
    ) -> None:
        """Messages outside a customer's turn (e.g. an agent's reply, a queue update).

        Raises NotDelivered for an agent's reply that WeChat refused or that its limits
        already rule out; a queue update that would eat into the reserve is skipped. An
        agent's answer to `ticket` (its text: `answer`) takes the fallback instead when
        the window or the count rules it out (Rerouted)."""
        if not rendered.texts:
            return
        if self.passive:
            # No API to push with: they go out with the answer to the next message.
            await self.customers.remember_choices(openid, rendered)
            await self.customers.add_late(openid, rendered.texts)
            if ticket is not None:
                raise Rerouted(VIA_NEXT_CONTACT, delivery.PENDING)
            return
        pieces = fit_messages(rendered.texts)
        if kind != budget.BOT:
            decision = budget.decide(kind, await self.api.budget.read(openid), time.time(), self.queue_update_reserve)
            if decision.action == budget.SKIP:
                logger.info("wechat: queue update not sent (%s)", decision.reason)
                return
            if decision.action == budget.REFUSE:
                logger.warning("wechat: agent reply not sent (%s)", decision.reason)
                await self._fall_back_or_refuse(openid, decision.reason, ticket, answer, pieces)
        await self.customers.remember_choices(openid, rendered)
        for index, text in enumerate(pieces):
            errcode = await self.api.send_text_result(openid, text)
            if errcode != 0 and kind == budget.AGENT_REPLY:
                await self._fall_back_or_refuse(openid, budget.reason_for(errcode), ticket, answer, pieces[index:])

    async def _fall_back_or_refuse(
        self, openid: str, reason: str, ticket: Optional[str], answer: str, unsent: List[str]
    ) -> NoReturn:
        """Raises NotDelivered(reason), or for a ticket's answer refused for the window or
        the count: holds the unsent part for the customer's next message, tells them with
        a template message when one is configured, and raises Rerouted."""
        if ticket is None or self.inbox is None or reason not in FALLBACK_REASONS:
            raise NotDelivered(reason)
        self.inbox.hold(openid, ticket, unsent)
        logger.info("wechat: the answer to ticket %s is kept for the customer's next message (%s)", ticket, reason)
        if self.ticket_template_id:
            digest = hashlib.sha256(f"{ticket}\n{answer}".encode()).hexdigest()[:16]
            errcode = await self.api.send_template(
                openid, self.ticket_template_id, tickets.template_data(ticket, answer), f"ticket-{digest}"
            )
            if errcode == 0:
                raise Rerouted(VIA_TEMPLATE, delivery.DELIVERED)
        raise Rerouted(VIA_NEXT_CONTACT, delivery.PENDING)

    async def _send(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        rendered = Rendered()
        render_message(message, rendered)
        kind = kind_of(message)
        ticket = tickets.ticket_of(message) if kind == budget.AGENT_REPLY else None
        if ticket is None:
            await self.push(recipient_id, rendered, kind)
            return
        rendered.texts = tickets.with_header(ticket, rendered.texts)
        answer = messages.agent_text(message["custom"])
        await self.push(recipient_id, rendered, kind, ticket, answer)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        # One Rasa message is one WeChat message (the base class splits paragraphs).
        await self._send(recipient_id, message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, {"text": text, "buttons": buttons})

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, {"text": text, "buttons": quick_replies})

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, {"image": image})

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, {"attachment": attachment})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send(recipient_id, {"custom": json_message})
