"""Every Chinese string a customer or an agent sees, in one place."""

from __future__ import annotations

# ----- to the customer, through Rasa -----
QUEUE_AHEAD = "您前面还有 {ahead} 位，预计等待约 {eta} 分钟，请您稍候。"
QUEUE_NEXT = "马上就轮到您了，预计等待约 {eta} 分钟，请您稍候。"


def queue_text(position: int, eta: int) -> str:
    """The customer's place in the queue, told when they join (through the action server)
    and again whenever it changes (through Rasa)."""
    if position <= 1:
        return QUEUE_NEXT.format(eta=eta)
    return QUEUE_AHEAD.format(ahead=position - 1, eta=eta)


SURVEY = "感谢您的耐心，本次服务已结束。请回复数字 1–5 为本次服务打分（5 为非常满意），您的评价对我们很重要："
# In ascending order: on WeChat the buttons become numbered choices, and the number
# the customer types must be the rating itself.
SURVEY_BUTTONS = [
    ("非常不满意", "1"),
    ("不满意", "2"),
    ("一般", "3"),
    ("满意", "4"),
    ("非常满意", "5"),
]

# ----- system lines in the console's transcript -----
SYSTEM_QUEUED = "客户已进入人工排队。"
SYSTEM_ACCEPTED = "{agent} 已接入会话。"
SYSTEM_TRANSFERRED = "会话已由 {from_agent} 转接给 {to_agent}。"
SYSTEM_RETURNED = "{agent} 已将会话交还机器人。"
SYSTEM_CLOSED = "{agent} 已结束会话（{disposition}）。"
SYSTEM_TICKET = "非服务时间，已为客户创建工单 {number}。"

DISPOSITIONS = {
    "resolved": "已解决",
    "unresolved": "未解决",
    "duplicate": "重复会话",
    "spam": "无效会话",
}

# ----- canned replies offered in the console: (title, text) -----
CANNED_REPLIES = [
    ("问候", "您好，我是人工客服，很高兴为您服务，请问有什么可以帮您？"),
    ("稍等查询", "好的，我这边马上为您查询，请您稍等一两分钟。"),
    ("致歉安抚", "非常抱歉给您带来了不好的体验，您的心情我完全理解，我会尽快帮您处理。"),
    ("物流催促", "已经帮您联系快递加急处理，有新的进展会第一时间通知您。"),
    ("退款说明", "退款审核通过后会原路退回，一般 1 到 5 个工作日到账，请您留意。"),
    ("核实信息", "为了保障您的账户安全，麻烦您提供一下下单时预留的手机号后四位。"),
    ("还有其他问题", "请问还有其他可以帮您的吗？"),
    ("结束语", "感谢您的耐心等待，祝您生活愉快，再见！"),
]

# ----- limits (429 answers: the message is shown as it is) -----
# to an agent at the console's login
LOGIN_LOCKED = "登录失败次数过多，账号已暂时锁定，请 {minutes} 分钟后再试。"
LOGIN_BUSY = "登录的人太多了，请稍等几秒后再试。"
# to a customer asking for a person again and again (the action server shows it)
HANDOFF_RATE_LIMITED = "您的转人工请求太频繁了，请 {minutes} 分钟后再试。我们已收到您的问题，会尽快处理。"

# ----- tickets (工单): answers of the ticket endpoints, shown as they are -----
# to the customer, through the action server
TICKET_NOT_FOUND = "没有找到这个工单号，请您核对后再试。"
TICKET_BAD_NUMBER = "工单号格式不对，应为 GD 加 14 位数字，例如 GD20261201000001。"
TICKET_CLOSED = "这个工单已经关闭了。如果您还需要帮助，请再联系人工客服，我们会为您重新登记。"
# to an agent in the console
TICKET_ACTIONS = {
    "claim": "认领",
    "assign": "分配",
    "answer": "答复",
    "resolve": "标记为已解决",
    "close": "关闭",
    "reopen": "重新打开",
}
TICKET_WRONG_STATUS = "工单当前为「{status}」，不能{action}。"
TICKET_CLAIMED_BY_OTHER = "这个工单已由其他客服认领。"
TICKET_NOT_HOLDER = "请先认领这个工单，或请主管处理。"
TICKET_SENDER_HAS_ACTIVE = "该客户已有另一个处理中的工单，不能重新打开这个工单。"
TICKET_UNKNOWN_AGENT = "没有这个在职客服。"
