"""Every sentence the web chat channel itself says to a customer (Simplified Chinese).

The bot's own answers come from Rasa; these are only the channel's, for messages
it does not hand to Rasa.
"""

# A message longer than the channel takes (bot.channels.webchat.MAX_MESSAGE_CHARS).
TOO_LONG = "您的消息太长了（超过 {limit} 字），小蜜没能收下。请精简一下，或分几条发送。"

# Something that is not text (a number, a list, an object in place of the message).
NOT_TEXT = "抱歉，小蜜目前只能看懂文字消息，请直接用文字告诉我您的问题。"
