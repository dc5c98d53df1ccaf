"""Output channels: the collector of one turn, and the sender for pushes outside a turn.

`WeChatOutput` is what `POST /conversations/{id}/execute?output_channel=latest`
uses (e.g. the handoff service relaying an agent's reply): every message goes
straight to the customer through the customer-service API, or, in passive mode,
waits to go out with the answer to the customer's next message. Like Rasa's own
output channels it knows nothing of the input channel: it is given the API client
to send with and the customers' state (numbered choices, late replies).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.customer_state import CustomerState
from bot.channels.wechat.render import Rendered, render_message
from contract.channels import WECHAT


class TurnCollector(CollectingOutputChannel):
    """Collects one turn's messages; unlike Rasa's collector it keeps paragraphs together."""

    @classmethod
    def name(cls) -> Text:
        return WECHAT

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


class WeChatOutput(OutputChannel):
    def __init__(self, api: WeChatApi, customers: CustomerState, passive: bool) -> None:
        self.api = api
        self.customers = customers
        self.passive = passive

    @classmethod
    def name(cls) -> Text:
        return WECHAT

    async def push(self, openid: str, rendered: Rendered) -> None:
        """Messages outside a customer's turn (e.g. an agent's reply)."""
        if not rendered.texts:
            return
        await self.customers.remember_choices(openid, rendered)
        if self.passive:
            # No API to push with: they go out with the answer to the next message.
            await self.customers.add_late(openid, rendered.texts)
            return
        await self.api.send_texts(openid, rendered.texts)

    async def _send(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        rendered = Rendered()
        render_message(message, rendered)
        await self.push(recipient_id, rendered)

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
