"""The Chinese sentences the actions share (one home, one register).

An errand's own sentences (its confirmation, its answers, the questions for its
own slots) live in its module, actions/errands/<errand>.py; everything said by
more than one errand, by identity, by the form and by the handoff lives here.
Phone numbers are formatted masked by the callers (privacy.mask_text); nothing
here ever shows a full phone number or a code.
"""

from __future__ import annotations

from contract import handoff

# ------------------------------------------------------------------ general
BACKEND_DOWN = (
    "非常抱歉，系统暂时有点忙，没能为您查到结果🙏 请稍后再试一次；"
    "如果比较着急，回复「转人工」，我马上帮您转给人工客服。"
)
# action_do_errand: the handoff policy hands the customer to a human right after this.
BACKEND_DOWN_APOLOGY = "非常抱歉，系统暂时有点忙，没能为您办理成功🙏"
OFFER_HUMAN = "如需进一步帮助，回复「转人工」即可联系人工客服。"
DECLINED = "好的，已为您取消本次操作，订单和账户都没有任何变动。还有其他需要帮忙的吗？"
UNKNOWN_ERROR = "抱歉，这个请求暂时没能办理成功。" + OFFER_HUMAN

# ------------------------------------------------------------------ identity
ASK_PHONE = "为了保护您的账户安全，需要先验证一下身份。请发一下您在本店注册的手机号（11位）。"
ASK_PHONE_AGAIN = "请重新发一下您注册时用的11位手机号，比如 138 0013 8000。"
PHONE_BAD_FORMAT = "这个手机号格式好像不对：{problem}。"
PHONE_PROBLEM_EMPTY = "没有看到号码"
PHONE_PROBLEM_LENGTH = "现在是{n}位，手机号应为11位"
PHONE_PROBLEM_PREFIX = "手机号应以13–19开头"
# One sentence whether or not the phone is a customer's: the bot never tells who is one.
CODE_SENT = "如果手机号 {phone} 已在本店注册，您将收到一条验证码短信，5分钟内有效。"
ASK_CODE = "请回复短信里的6位验证码。"
CODE_BAD_FORMAT = "验证码是6位数字，请核对一下短信。"
# A wrong code reads the same for every phone, registered or not.
CODE_INVALID = "验证码不正确，请核对短信后重新输入。"
CODE_EXPIRED = "验证码已过期，已为您重新发送。如果手机号 {phone} 已在本店注册，请查收新的验证码短信。"
CODE_LOCKED = "验证码错误次数过多，为了账户安全已暂时锁定15分钟。请稍后再试，或回复「转人工」由人工客服帮您核实身份。"
# The backend throttles codes per phone and per conversation (429 rate_limited, retry_after seconds).
CODE_THROTTLED = "操作太频繁了，请 {minutes} 分钟后再试。如果已经收到验证码，可以直接回复给我。"
# The identity proof is older than the errand allows (actions/identity.py): a new code.
REVERIFY = "为了您的账户安全，需要重新验证一下手机号。"
# The bound phone changes only after a code to the current phone, in this errand.
REVERIFY_CURRENT_PHONE = "为了您的账户安全，换绑手机前需要先验证一下当前绑定的手机号。"
VERIFIED = "验证成功，{name}您好！"
VERIFIED_KNOWN = "{name}您好，已为您确认账户身份。"

# ------------------------------------------------------------------ orders
ASK_ORDER_CHOOSE = "请问是哪一笔订单？可以直接点选，也可以发订单号给我："
ASK_ORDER_NUMBER = "请发一下订单号（在「我的订单」里可以看到，一般是14位数字）。"
NO_ORDERS = "您的账户下暂时没有查到订单。如果是用其他手机号下的单，可以回复「转人工」帮您核实。"
ORDER_BAD_FORMAT = "这个订单号格式好像不对，订单号是12到20位数字。"
ORDER_BUTTON = "{order_id}｜{item}｜{status}"
ORDER_NOT_FOUND = "抱歉，您的账户下没有查到订单 {order_id}。"

# said by order_status and urge_delivery
STATUS_LATEST_EVENT = "最新物流：{time} {location} {description}（{courier} {tracking_no}）。"
# said by order_status and logistics_track
STATUS_SHIP_BY = "预计 {date} 前发货。"
# action_ask_confirmed's buttons; the question is the errand's
BUTTON_YES = "确认"
BUTTON_NO = "不用了"
ASK_CONFIRM_AGAIN = "请回复「确认」或「不用了」。"

# ------------------------------------------------------------------ backend error codes
ERRORS = {
    "unauthorized": "抱歉，系统暂时无法办理这项业务。" + OFFER_HUMAN,
    "validation_error": "抱歉，您提供的信息格式不对，请核对后再发一次。",
    "customer_not_found": "抱歉，没有找到对应的账户，请确认手机号是否是注册时用的号码。",
    "order_not_found": ORDER_NOT_FOUND,
    "order_already_shipped": "订单 {order_id} 已经发货，无法{action}。{hint}",
    "order_not_cancellable": "订单 {order_id} {status_part}无法取消。如需帮助，回复「转人工」。",
    "order_not_delivered": "订单 {order_id} 还没有签收，暂时不能申请{kind}。签收后7天内都可以申请。",
    "return_window_expired": (
        "抱歉，订单 {order_id} 签收已超过7天，已过无理由退换货期限。如果是质量问题，回复「转人工」为您处理。"
    ),
    "reason_required": "请说一下退换货的原因，我再帮您提交。",
    "no_refund": "订单 {order_id} 暂时没有退款记录。如果已经申请过退款，可能还在提交中，请稍后再查。",
    "invoice_not_found": "抱歉，没有查到这张发票，请核对一下。",
    "code_invalid": CODE_INVALID,
    "code_expired": "验证码已过期，请重新获取。",
    "code_locked": CODE_LOCKED,
    "phone_in_use": "这个手机号已经绑定了其他账户，不能再换绑。可以换一个号码，或回复「转人工」处理。",
    "same_phone": "新手机号和当前绑定的号码一样，不需要换绑哦。",
    # errand_blocked when the identity proof expired while the errand's form ran
    "verification_expired": "为了您的账户安全，验证已超时，本次操作没有办理。请重新发起，我会再发一次验证码。",
}
# {kind} of the return errors: what the errand asks for (Errand.kind_word)
KIND_WORDS = {"return": "退货", "exchange": "换货"}

# ------------------------------------------------------------------ handoff to a human
# What the intents besides the errands are called when the bot asks which one the
# customer meant (buttons of the clarification) and in the agent's summary; each
# errand carries its own label (actions.errands.INTENT_LABELS has them all).
OTHER_INTENT_LABELS = {
    "greet": "打招呼",
    "goodbye": "结束对话",
    "thank": "致谢",
    "affirm": "确认",
    "deny": "否定",
    "request_human": "转人工",
    "complain": "投诉",
    "chitchat": "闲聊",
    "out_of_scope": "其他问题",
    "faq_shipping": "配送说明",
    "faq_return_policy": "退换货政策",
    "faq_business_hours": "客服时间",
    "faq_payment_methods": "支付方式",
    "inform": "提供信息",
}
CLARIFY_TWO = "抱歉，我没太明白您的意思😅 您是想问「{first}」还是「{second}」？"
CLARIFY_ONE = "抱歉，我没太明白您的意思😅 您是想问「{first}」吗？"
CLARIFY_NONE = "抱歉，我没太明白您的意思😅 能换个说法再说一次吗？比如「查物流」「退货」「开发票」。"
CLARIFY_HUMAN_BUTTON = "都不是，转人工"

# The first sentence of the handoff reply, by the reason of the handoff.
HANDOFF_LEAD = {
    handoff.REQUEST_HUMAN: "好的，马上为您转接人工客服。",
    handoff.COMPLAIN: "非常抱歉给您带来了不好的体验，您的问题我们一定重视，马上为您转接人工客服。",
    handoff.UPSET: "非常抱歉让您着急了，我马上请人工客服来帮您处理。",
    handoff.LOW_CONFIDENCE: "抱歉，我没能理解清楚您的问题，为您转接人工客服。",
    handoff.ERRAND_FAILED: "抱歉没能帮您办好，为您转接人工客服继续处理。",
    handoff.BACKEND_DOWN: "我先为您转接人工客服，由客服帮您继续处理。",
}
HANDOFF_NO_REPEAT = "您刚才说的内容客服都能看到，不用重复说明；有补充可以直接发给我。"
HANDOFF_ALREADY = "您已在排队中，客服接入后会第一时间回复您，请稍候。"
HANDOFF_TICKET = (
    "现在不在人工客服服务时间{hours}。已为您登记工单 {number}，"
    "客服会在 {respond_by} 前联系您。您可以直接留言补充问题，我们会一并转给客服。"
)
HANDOFF_HOURS = "（{hours}）"
# Said when the handoff service could not be reached or did not confirm the handoff: the
# service may still have recorded it (a reply lost to a timeout), and then it pauses the bot
# and tells the customer their place in the queue, so this stays true either way.
HANDOFF_UNAVAILABLE = (
    "非常抱歉，人工客服系统暂时繁忙，转接结果还没能确认。如已为您接入排队，我们会马上通知您；"
    "您也可以稍后回复「转人工」再试，或者继续让我帮您查询订单、物流和退款。"
)
# A customer whose conversation a person holds sent /restart (a button or typed on web chat):
# the conversation stays with the person (actions/session_actions.py).
RESTART_WHILE_HELD = "您的对话已转接人工客服，请稍候；有问题可以直接发在这里，客服都能看到。"
TICKET_MESSAGE_TAKEN = "已收到您的留言，已补充到工单 {number}，客服会尽快联系您。还有其他需要帮忙的吗？"
TICKET_MESSAGE_EMPTY = "请直接发送您想留给客服的话，我们会补充到工单里。"
TICKET_MESSAGE_FAILED = "抱歉，留言暂时没能保存成功，请稍后再发一次。"
SATISFACTION_THANKS = {
    5: "感谢您的五星好评！祝您生活愉快😊",
    4: "感谢您的评价！我们会继续努力。",
    3: "感谢您的评价，我们会继续改进服务。",
    2: "非常抱歉这次没能让您满意，您的评价我们会认真改进。",
    1: "非常抱歉这次服务没能让您满意，我们会认真复盘改进。如还有问题，回复「转人工」随时联系我们。",
}
SATISFACTION_FAILED = "感谢您的评价！"

# ------------------------------------------------------------------ tickets (工单)
# action_ticket_status: one line per ticket, the latest two.
TICKET_LINE = "工单 {number}：{label}{detail}"
TICKET_DUE = "，预计{when} 前处理完毕"
TICKET_OVERDUE = "，已超过预计处理时间（{when}），非常抱歉让您久等，我们会尽快处理"
TICKET_ANSWER = "\n客服答复：{answer}"
TICKET_REPLY_HINT = "\n如需补充，直接回复我就可以，我会转给客服。"
TICKETS_LATEST_TWO = "为您查到最近的两个工单：\n{lines}"
TICKETS_NONE = "没有查到您的工单记录。有什么问题可以直接告诉我，需要人工帮忙的话回复「转人工」就好。"
TICKETS_UNAVAILABLE = "非常抱歉，工单系统暂时没有响应，没能查到进度。请稍后再问我一次，或者回复「转人工」联系客服。"
# action_take_ticket_message: the customer's reply to an answered ticket.
TICKET_REPLY_ADDED = "已为您补充到工单 {number}，客服会尽快处理。"
TICKET_REPLY_REOPENED = "已为您补充到工单 {number}，工单已重新打开，客服会尽快处理。"
TICKET_CLOSED = "工单 {number} 已关闭，无法再补充了。您的问题可以直接告诉我，或者回复「转人工」联系客服。"

# ------------------------------------------------------------------ business hours (FAQ)
HOURS_OPEN = "人工客服的服务时间是{hours}，现在正在服务中，回复「转人工」就能联系人工客服。我是智能客服，24小时在线。"
HOURS_CLOSED = (
    "人工客服的服务时间是{hours}，现在不在服务时间，{next_opening}恢复服务。"
    "您可以先给我留言，客服上班后会第一时间联系您。"
)
HOURS_HOLIDAY = (
    "今天是{holiday}，人工客服休息，{next_opening}恢复服务（平时服务时间{hours}）。"
    "您可以先给我留言，客服上班后会第一时间联系您。"
)
HOURS_DAYS = "{days} {hours}"
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
EVERY_DAY = "每天"
ALL_DAY = "全天24小时"  # business hours 00:00-24:00
DAYS_RANGE = "{first}至{last}"
DAYS_JOINED = "、"
TODAY = "今天"
TOMORROW = "明天"

# ------------------------------------------------------------------ the bot's own survey
# After a conversation the bot served alone (actions/survey_actions.py). The buttons in
# ascending order, like the handoff service's survey: on WeChat they become numbered
# choices, and the digit the customer types is the rating itself (the payload).
BOT_SURVEY_QUESTION = "请问本次服务您满意吗？"
BOT_SURVEY_BUTTONS = (
    ("非常不满意", "1"),
    ("不满意", "2"),
    ("一般", "3"),
    ("满意", "4"),
    ("非常满意", "5"),
)
