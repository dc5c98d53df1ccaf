"""Every Chinese sentence the actions send to a customer (one home, one register).

Phone numbers are formatted masked by the callers (actions.masking); nothing
here ever shows a full phone number or a code.
"""

from __future__ import annotations

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
PHONE_UNKNOWN = "抱歉，没有找到用手机号 {phone} 注册的账户。"
CODE_SENT = "验证码已发送到 {phone}，5分钟内有效。"
ASK_CODE = "请回复短信里的6位验证码。"
ASK_NEW_PHONE_CODE = "请回复新手机收到的6位验证码。"
CODE_BAD_FORMAT = "验证码是6位数字，请核对一下短信。"
CODE_INVALID = "验证码不正确，还可以再试 {left} 次。"
CODE_INVALID_NO_COUNT = "验证码不正确，请核对一下短信。"
CODE_EXPIRED = "验证码已过期，已为您重新发送到 {phone}。"
CODE_LOCKED = "验证码错误次数过多，为了账户安全已暂时锁定15分钟。请稍后再试，或回复「转人工」由人工客服帮您核实身份。"
VERIFIED = "验证成功，{name}您好！"
VERIFIED_KNOWN = "{name}您好，已为您确认账户身份。"

# ------------------------------------------------------------------ orders
ASK_ORDER_CHOOSE = "请问是哪一笔订单？可以直接点选，也可以发订单号给我："
ASK_ORDER_NUMBER = "请发一下订单号（在「我的订单」里可以看到，一般是14位数字）。"
NO_ORDERS = "您的账户下暂时没有查到订单。如果是用其他手机号下的单，可以回复「转人工」帮您核实。"
ORDER_BAD_FORMAT = "这个订单号格式好像不对，订单号是12到20位数字。"
ORDER_BUTTON = "{order_id}｜{item}｜{status}"
ORDER_NOT_FOUND = "抱歉，您的账户下没有查到订单 {order_id}。"

STATUS = "订单 {order_id}（{items}，实付 ¥{total}）当前状态：{status}。"
STATUS_LATEST_EVENT = "最新物流：{time} {location} {description}（{courier} {tracking_no}）。"
STATUS_SHIP_BY = "预计 {date} 前发货。"
LOGISTICS_HEAD = "订单 {order_id} 由{courier}承运，运单号 {tracking_no}，当前{status}。最近的物流信息："
LOGISTICS_EVENT = "· {time} {location} {description}"
LOGISTICS_NONE = "订单 {order_id} 还没有发货，暂时没有物流信息。{ship_by}"
TRACKING_NOT_FOUND = "抱歉，您的订单里没有找到运单号 {tracking_no}，请核对一下，或者直接发订单号给我。"

URGED = "已经帮您催促仓库加急处理订单 {order_id} 了🙏 预计 {date} 前发出，发货后会短信通知您。"
URGE_SHIPPED = "订单 {order_id} 已经发货了，不用再催啦～"
URGE_NOT_APPLICABLE = "订单 {order_id} 当前状态是「{status}」，不需要催发货哦。"

CONFIRM_CANCEL = "确认要取消订单 {order_id}（{items}，¥{total}）吗？取消后款项会原路退回。"
CONFIRM_ADDRESS = "确认把订单 {order_id} 的收货地址改为：{address}？"
CONFIRM_RETURN = "确认为订单 {order_id} 申请退货吗？退货原因：{reason}。"
CONFIRM_EXCHANGE = "确认为订单 {order_id} 申请换货吗？换成：{exchange_for}。"
CONFIRM_INVOICE = "确认为订单 {order_id} 开具电子发票吗？抬头：{title}{tax}，发送到邮箱 {email}。"
CONFIRM_INVOICE_TAX = "（税号 {tax_number}）"
CONFIRM_REISSUE = "确认把订单 {order_id} 的电子发票（发票号 {id}）重新发送到邮箱 {email} 吗？"
CONFIRM_RESET_PASSWORD = "确认向您绑定的手机 {phone} 发送重置密码的短信吗？"
BUTTON_YES = "确认"
BUTTON_NO = "不用了"
ASK_CONFIRM_AGAIN = "请回复「确认」或「不用了」。"

CANCELLED = "订单 {order_id} 已为您取消，款项 ¥{total} 会在1–3个工作日内原路退回。"
ADDRESS_CHANGED = "好的，订单 {order_id} 的收货地址已改为：{address}。"
ASK_ADDRESS = "请发一下新的收货地址（省市区 + 详细地址；如果收件人或电话也要改，请一起写上）。"
# What the address is missing (actions/address_parser.missing_parts).
ADDRESS_MISSING = {
    "region": "麻烦补充一下省市区，比如「上海市浦东新区张江路88号」。",
    "detail": "麻烦补充一下详细地址（街道、门牌号或小区楼栋），快递员才能送到哦。",
}
ASK_RETURN_REASON = "请简单说一下退货原因（比如：尺码不合适、质量问题、不想要了）。"
ASK_EXCHANGE_FOR = "请说一下想换成什么（比如：换成L码、换成黑色、同款换新），以及换货原因。"
RETURN_CREATED = "退货申请已提交（申请号 {id}）{refund}。审核通过后我们会短信通知您寄回方式。"
RETURN_REFUND = "，预计退款 ¥{amount}"
EXCHANGE_CREATED = "换货申请已提交（申请号 {id}），换成：{exchange_for}。审核通过后会短信通知您寄回方式。"
REFUND = "订单 {order_id} 的退款{status}，金额 ¥{amount}{expected}。"
REFUND_EXPECTED = "，预计 {date} 前到账"
ASK_INVOICE_TITLE = "请发一下发票抬头：个人写「个人」或姓名，公司请写公司全称和税号。"
ASK_INVOICE_EMAIL = "请发一下接收电子发票的邮箱。"
ASK_REISSUE_EMAIL = (
    "这笔订单已开过电子发票（发票号 {id}），上次发送到 {email}。"
    "请问重新发送到哪个邮箱？沿用原邮箱请回复「原邮箱」，换邮箱请直接发新的邮箱地址。"
)
BUTTON_KEEP_EMAIL = "原邮箱"
REISSUE_NO_INVOICE = "订单 {order_id} 还没有开过发票，这就为您开一张新的电子发票。"
EMAIL_BAD = "这个邮箱格式好像不对（应类似 name@example.com）。"
INVOICE_CREATED = "电子发票已开具（发票号 {id}），已发送到 {email}，请注意查收。"
INVOICE_REISSUED = "电子发票（发票号 {id}）已重新发送到 {email}，请注意查收。"
PAYMENT = (
    "订单 {order_id} 当前状态：{status}{paid}。如果扣款成功但订单显示未支付，系统一般会在30分钟内自动同步；"
    "重复扣款会在1–3个工作日内原路退回。"
)
PAYMENT_PAID_AT = "，付款时间 {time}，实付 ¥{total}"
PAYMENT_HUMAN = "如果还有疑问，回复「转人工」，人工客服会帮您核对支付记录。"

# ------------------------------------------------------------------ account
POINTS = "您当前可用积分 {balance} 分。"
POINTS_EXPIRING = "其中 {points} 分将于 {date} 过期，记得尽快使用哦。"
MEMBERSHIP = "您当前是{level}会员，享有：{benefits}。"
MEMBERSHIP_NEXT = "再积 {points} 分即可升级为{next_level}会员。"
PASSWORD_RESET = "重置密码的短信已发送到 {phone}，请按短信提示设置新密码。"
ASK_NEW_PHONE = "请发一下要换绑的新手机号。"
NEW_PHONE_CODE_SENT = "验证码已发送到新手机 {phone}，5分钟内有效。"
PHONE_CHANGED = "手机号已换绑为 {phone}，以后请用新号码登录和接收通知。"

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
    "code_invalid": CODE_INVALID_NO_COUNT,
    "code_expired": "验证码已过期，请重新获取。",
    "code_locked": CODE_LOCKED,
    "phone_in_use": "这个手机号已经绑定了其他账户，不能再换绑。可以换一个号码，或回复「转人工」处理。",
    "same_phone": "新手机号和当前绑定的号码一样，不需要换绑哦。",
}
SHIPPED_HINT = {
    "cancel_order": "您可以在签收后申请退货，或者拒收，款项会原路退回。",
    "modify_address": "可以联系快递改派，或者回复「转人工」帮您处理。",
    "urge_delivery": "",
}
ACTION_WORDS = {"cancel_order": "取消", "modify_address": "修改地址", "urge_delivery": "催发货"}
KIND_WORDS = {"return": "退货", "exchange": "换货"}

# ------------------------------------------------------------------ handoff to a human
# What the intents are called when the bot asks which one the customer meant
# (buttons of the clarification) and in the agent's summary.
INTENT_LABELS = {
    "greet": "打招呼",
    "goodbye": "结束对话",
    "thank": "致谢",
    "affirm": "确认",
    "deny": "否定",
    "request_human": "转人工",
    "complain": "投诉",
    "chitchat": "闲聊",
    "out_of_scope": "其他问题",
    "order_status": "查订单",
    "logistics_track": "查物流",
    "urge_delivery": "催发货",
    "cancel_order": "取消订单",
    "modify_address": "改地址",
    "return_goods": "退货",
    "exchange_goods": "换货",
    "refund_status": "查退款",
    "invoice_request": "开发票",
    "payment_issue": "支付问题",
    "account_points": "查积分",
    "membership_benefits": "会员权益",
    "reset_password": "重置密码",
    "change_phone": "换绑手机",
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
    "request_human": "好的，马上为您转接人工客服。",
    "complain": "非常抱歉给您带来了不好的体验，您的问题我们一定重视，马上为您转接人工客服。",
    "upset": "非常抱歉让您着急了，我马上请人工客服来帮您处理。",
    "low_confidence": "抱歉，我没能理解清楚您的问题，为您转接人工客服。",
    "errand_failed": "抱歉没能帮您办好，为您转接人工客服继续处理。",
    "backend_down": "我先为您转接人工客服，由客服帮您继续处理。",
}
HANDOFF_NO_REPEAT = "您刚才说的内容客服都能看到，不用重复说明；有补充可以直接发给我。"
HANDOFF_ALREADY = "您已在排队中，客服接入后会第一时间回复您，请稍候。"
HANDOFF_TICKET = (
    "现在不在人工客服服务时间{hours}。已为您登记工单 {number}，"
    "客服会在 {respond_by} 前联系您。您可以直接留言补充问题，我们会一并转给客服。"
)
HANDOFF_HOURS = "（{hours}）"
HANDOFF_UNAVAILABLE = (
    "非常抱歉，人工客服系统暂时连接不上。请稍后回复「转人工」再试一次，我也可以继续帮您查询订单、物流和退款。"
)
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
# Reasons as the agent reads them in the summary.
HANDOFF_REASON_LABELS = {
    "request_human": "客户要求人工",
    "complain": "客户投诉",
    "upset": "客户情绪激动",
    "low_confidence": "机器人连续未能理解",
    "errand_failed": "业务连续办理失败",
    "backend_down": "系统故障",
}
