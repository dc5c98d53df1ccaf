"""Every sentence the WeChat connector itself says to a customer (Simplified Chinese).

The bot's own answers come from Rasa (domain.yml, actions/texts.py, actions/errands/); these are
only the connector's: unsupported message types, numbered choices, agent prefix.
"""

# Shown for images, voice, video, location, links, files and menu clicks the bot cannot read.
UNSUPPORTED = (
    "抱歉，小蜜目前只能看懂文字消息，暂时无法识别图片、语音、视频、位置或链接哦。"
    "请直接用文字告诉我您的问题，比如“查一下我的订单”或“我要退货”。"
)

# Sent to Rasa's greeting when someone follows the account; used as is if Rasa fails.
WELCOME_FALLBACK = (
    "您好，欢迎关注！我是智能客服小蜜，可以帮您查订单、查物流、办理退换货和开发票。请直接发送文字告诉我您需要什么帮助。"
)

# Buttons become numbered choices the customer answers with a digit.
CHOICES_HEADER = "回复数字选择："
CHOICE_LINE = "{number}. {title}"

# A message from a human agent (custom json {"sender": "agent", ...}, contract.messages).
AGENT_PREFIX = "【人工客服 {name}】"
AGENT_PREFIX_NO_NAME = "【人工客服】"

# Media the bot sends that WeChat's text messages cannot carry.
IMAGE_LINK = "图片：{url}"
ATTACHMENT_LINK = "附件：{url}"

# More replies than WeChat lets us send for one customer message.
# Nothing can fetch the cut part later, so the note does not promise a "继续".
TRUNCATED = "……（内容较多，这里未能全部显示，您可以换个更具体的问法再问我）"

# When Rasa fails to answer at all.
BOT_ERROR = "抱歉，系统开小差了，请稍后再发一次消息试试，或回复“转人工”联系人工客服。"

# Passive mode: the answer was not ready within WeChat's last retry.
PASSIVE_STILL_WORKING = "您的问题正在处理中，结果稍后会在您发送下一条消息时一并告诉您。"
# Passive mode: replies that were ready too late or did not fit, delivered with the next answer.
PASSIVE_EARLIER = "【上一条消息的回复】"
PASSIVE_MORE = "（还有后续内容，发送任意消息即可查看）"

# An agent's answer to a ticket (工单), often a day after the customer asked: which ticket it is.
TICKET_ANSWER_HEADER = "您的工单 {ticket} 有了答复："
# The template message of a ticket answer past WeChat's 48-hour window (config ticket_template_id).
TICKET_TEMPLATE_FIRST = "您好，您提交的工单已有答复。"
TICKET_TEMPLATE_REMARK = "回复任意消息查看完整答复"
# Ends the answer's excerpt in the template when the answer is longer.
TICKET_EXCERPT_MORE = "…"
