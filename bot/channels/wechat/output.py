"""Output channels: the collector of one turn, and the sender for pushes outside a turn.

`WeChatOutput` is what `POST /conversations/{id}/execute?output_channel=latest`
uses (e.g. the handoff service relaying an agent's reply): every message goes
straight to the customer through the customer-service API, or, in passive mode,
waits to go out with the answer to the customer's next message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Text

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel

from bot.channels.wechat.render import Rendered, render_message

if TYPE_CHECKING:
    from bot.channels.wechat.channel import WeChatInput


class TurnCollector(CollectingOutputChannel):
    """Collects one turn's messages; unlike Rasa's collector it keeps paragraphs together."""

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


class WeChatOutput(OutputChannel):
    def __init__(self, channel: WeChatInput) -> None:
        self.channel = channel

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    async def _send(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        rendered = Rendered()
        render_message(message, rendered)
        await self.channel.push(recipient_id, rendered)

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
