"""A ticket's (工单) life cycle, its events and how an answer reached the customer.

Shared by the handoff service (stores and moves tickets), the console (labels), the
action server (tells the customer where their ticket stands) and the channels (deliver
an agent's answer). handoff/API.md, "Tickets", describes the transitions.
"""

from __future__ import annotations

from typing import Dict, Tuple

# Statuses: open → assigned → answered (waiting for the customer) → resolved → closed.
# A customer who writes again within the reopen window puts an answered or resolved
# ticket back to assigned (open when nobody holds it); a closed ticket stays closed.
OPEN = "open"  # nobody has taken it yet
ASSIGNED = "assigned"  # an agent holds it
ANSWERED = "answered"  # the agent answered; waiting for the customer
RESOLVED = "resolved"  # the agent marked it solved; reopens if the customer writes in the window
CLOSED = "closed"  # final (closed by an agent, or resolved and the window passed)
MERGED = "merged"  # legacy: folded into another ticket
EXPIRED = "expired"  # retention closed it unanswered (handoff purge)
STATUSES: Tuple[str, ...] = (OPEN, ASSIGNED, ANSWERED, RESOLVED, CLOSED, MERGED, EXPIRED)
# Statuses in which the ticket still needs work (one such ticket per sender).
ACTIVE: Tuple[str, ...] = (OPEN, ASSIGNED, ANSWERED)
STATUS_LABELS: Dict[str, str] = {
    OPEN: "待受理",
    ASSIGNED: "处理中",
    ANSWERED: "已答复，待客户回复",
    RESOLVED: "已解决",
    CLOSED: "已关闭",
    MERGED: "已合并",
    EXPIRED: "已过期",
}

# SLA classes of the default settings (handoff/settings.py DEFAULT_SLA_CLASSES), most pressing first.
SLA_CLASS_LABELS: Dict[str, str] = {"urgent": "紧急", "important": "重要", "general": "一般", "suggestion": "建议"}

# Events of a ticket's timeline (and of the supervisors' figures).
EV_CREATED = "created"
EV_ASSIGNED = "assigned"
EV_ANSWERED = "answered"
EV_CUSTOMER_WROTE = "customer_wrote"
EV_RESOLVED = "resolved"
EV_CLOSED = "closed"
EV_REOPENED = "reopened"
EV_AT_RISK = "at_risk"  # a deadline has less than the at-risk share of its time left
EV_BREACHED = "breached"  # a deadline passed (detail names which: respond or resolve)
EVENTS: Tuple[str, ...] = (
    EV_CREATED,
    EV_ASSIGNED,
    EV_ANSWERED,
    EV_CUSTOMER_WROTE,
    EV_RESOLVED,
    EV_CLOSED,
    EV_REOPENED,
    EV_AT_RISK,
    EV_BREACHED,
)
EVENT_LABELS: Dict[str, str] = {
    EV_CREATED: "创建工单",
    EV_ASSIGNED: "受理/指派",
    EV_ANSWERED: "客服已答复",
    EV_CUSTOMER_WROTE: "客户留言",
    EV_RESOLVED: "标记已解决",
    EV_CLOSED: "工单关闭",
    EV_REOPENED: "重新打开",
    EV_AT_RISK: "即将超时",
    EV_BREACHED: "已超时",
}
# Which deadline an at_risk / breached event is about.
DEADLINE_RESPOND = "respond"
DEADLINE_RESOLVE = "resolve"
DEADLINE_LABELS: Dict[str, str] = {DEADLINE_RESPOND: "首次响应", DEADLINE_RESOLVE: "解决"}

# The websocket message the console gets when a ticket changes or a deadline is near or past.
WS_TICKET = "ticket"  # {"type": "ticket", "ticket": <ticket view>}
WS_TICKET_ALERT = "ticket_alert"  # {"type": "ticket_alert", "kind": at_risk|breached, "deadline": ..., "ticket": ...}

# How an agent's answer to a ticket reached the customer (ticket message `delivered_via`).
VIA_WEBCHAT = "webchat"  # into the web chat conversation: live when connected, shown on the next visit
VIA_CUSTOMER_SERVICE = "wechat_customer_service"  # WeChat 客服消息, within 48 h of the customer's last message
VIA_TEMPLATE = "wechat_template"  # WeChat template message (the customer subscribed; after the 48 h window)
VIA_NEXT_CONTACT = "next_contact"  # kept and sent when the customer next writes (no other way was open)
VIA_OTHER = "other"  # another channel (REST): stored in the conversation
VIAS: Tuple[str, ...] = (VIA_WEBCHAT, VIA_CUSTOMER_SERVICE, VIA_TEMPLATE, VIA_NEXT_CONTACT, VIA_OTHER)
VIA_LABELS: Dict[str, str] = {
    VIA_WEBCHAT: "网页对话",
    VIA_CUSTOMER_SERVICE: "微信客服消息",
    VIA_TEMPLATE: "微信模板消息",
    VIA_NEXT_CONTACT: "客户下次发言时送达",
    VIA_OTHER: "对话记录",
}

# Metadata key of a `bot` event that carries a ticket's answer: its value is the ticket
# number. Rasa merges it into the message the channel sends, so a channel can choose a
# ticket's fallback (WeChat: template message, or kept for the next contact).
TICKET_ANSWER = "ticket_answer"

# The strongest alert raised so far for a deadline (tickets.respond_alert / resolve_alert):
# None, then EV_AT_RISK, then EV_BREACHED; each raised at most once.
ALERTS: Tuple[str, ...] = (EV_AT_RISK, EV_BREACHED)

# The Rasa slot that makes the bot put the customer's next message on a ticket (its number).
# The handoff service sets it with an agent's answer; the actions set it when a ticket opens.
SLOT_AWAITING_MESSAGE = "ticket_awaiting_message"

# Who handled a rated conversation (csat_ratings.handled_by): the bot alone, or a person.
HANDLED_BY_BOT = "bot"
HANDLED_BY_PERSON = "person"
HANDLED_BY: Tuple[str, ...] = (HANDLED_BY_BOT, HANDLED_BY_PERSON)

# `detail` of the EV_CLOSED event of a resolved ticket that closed itself when the reopen window passed.
CLOSED_AFTER_WINDOW = "reopen_window"
# What the console says of an event's `detail` (an alert's detail is a deadline: DEADLINE_LABELS).
EVENT_DETAIL_LABELS: Dict[str, str] = {CLOSED_AFTER_WINDOW: "解决后客户在期限内未再回复，自动关闭"}
