"""WeChat Official Account connector for Rasa (credentials.yml: `bot.channels.wechat.WeChatInput`)."""

from bot.channels.wechat.channel import WeChatInput
from bot.channels.wechat.output import WeChatOutput

__all__ = ["WeChatInput", "WeChatOutput"]
