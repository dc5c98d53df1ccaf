"""invoice_request (开发票): an electronic invoice for an order, or the latest one sent again.

A customer who asks to send it again (重开/补发/没收到…) and whose order has an
invoice gets a re-issue: only the e-mail is asked (the previous one may stay).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import BackendError, BackendUnavailable, backend
from actions.common import say
from actions.errands.base import BLOCKED_BACKEND_DOWN, CONFIRMED, Errand, ErrandContext, Reply, free_text, simple_ask
from actions.identity import RISK_HIGH
from privacy import mask_text

ASK_INVOICE_TITLE = "请发一下发票抬头：个人写「个人」或姓名，公司请写公司全称和税号。"
ASK_INVOICE_EMAIL = "请发一下接收电子发票的邮箱。"
ASK_REISSUE_EMAIL = (
    "这笔订单已开过电子发票（发票号 {id}），上次发送到 {email}。"
    "请问重新发送到哪个邮箱？沿用原邮箱请回复「原邮箱」，换邮箱请直接发新的邮箱地址。"
)
BUTTON_KEEP_EMAIL = "原邮箱"
REISSUE_NO_INVOICE = "订单 {order_id} 还没有开过发票，这就为您开一张新的电子发票。"
EMAIL_BAD = "这个邮箱格式好像不对（应类似 name@example.com）。"
CONFIRM_INVOICE = "确认为订单 {order_id} 开具电子发票吗？抬头：{title}{tax}，发送到邮箱 {email}。"
CONFIRM_INVOICE_TAX = "（税号 {tax_number}）"
CONFIRM_REISSUE = "确认把订单 {order_id} 的电子发票（发票号 {id}）重新发送到邮箱 {email} 吗？"
INVOICE_CREATED = "电子发票已开具（发票号 {id}），已发送到 {email}，请注意查收。"
INVOICE_REISSUED = "电子发票（发票号 {id}）已重新发送到 {email}，请注意查收。"

EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
TAX_NUMBER = re.compile(r"[0-9A-Z]{15,20}")
# The customer asks to send an invoice again rather than to issue one (Simplified and Traditional).
REISSUE_WORDS = re.compile(r"重[开開发發]|重新[开開发發寄]|[再补補][发發寄]|[没沒]收到|[丢丟]了|[丢丟]失|不见了|不見了")
# 「原邮箱」: keep the e-mail of the previous invoice.
KEEP_EMAIL = re.compile(r"原[邮郵]箱|原来|原來|之前|以前|上次|一样|一樣|不变|不變|不用改|不改|还是那|還是那|同一")
# A re-issue of the order's latest invoice needs only the e-mail (the title stays).
REISSUE_SLOTS = ["order_id", "invoice_email", CONFIRMED]


def wants_reissue(text: Optional[str]) -> bool:
    return bool(REISSUE_WORDS.search(text or ""))


class InvoiceRequest(
    Errand, name="invoice_request", label="开发票", slots=("order_id", "invoice_title", "invoice_email", CONFIRMED)
):
    risk = RISK_HIGH  # the order's details go to an e-mail
    # invoice_reissue: the customer asked to send it again; invoice_previous: {"id", "email"} of the latest
    state_slots = ("invoice_reissue", "invoice_previous")

    def start(self, tracker: Tracker) -> Dict[str, Any]:
        return {"invoice_reissue": True} if wants_reissue(tracker.latest_message.get("text")) else {}

    def required_slots(self, tracker: Tracker) -> List[str]:
        return list(REISSUE_SLOTS) if tracker.get_slot("invoice_previous") else list(self.slots)

    async def order_chosen(self, order_id: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> Dict[str, Any]:
        """A re-issue: the order's latest invoice, or the normal issue flow when it has none."""
        if not tracker.get_slot("invoice_reissue"):
            return {}
        try:
            invoices = await backend().invoices(order_id, tracker.get_slot("customer_id"))
        except BackendUnavailable:
            return {"errand_blocked": BLOCKED_BACKEND_DOWN}
        except BackendError:
            invoices = []
        if not invoices:
            say(dispatcher, REISSUE_NO_INVOICE.format(order_id=order_id))
            return {"invoice_previous": None}
        latest = invoices[0]
        return {"invoice_previous": {"id": latest.get("id"), "email": latest.get("email")}}

    async def validate_invoice_title(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return free_text("invoice_title", value, 120)

    async def validate_invoice_email(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        previous = tracker.get_slot("invoice_previous") or {}
        if previous.get("email"):
            text = str(value or "").strip()
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if "@" not in text and (KEEP_EMAIL.search(text) or intent == "affirm" or text.startswith("/affirm")):
                return {"invoice_email": previous["email"]}
        match = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", str(value or ""))
        if not match or not EMAIL.match(match.group(0)):
            say(dispatcher, EMAIL_BAD)
            return {"invoice_email": None}
        return {"invoice_email": match.group(0)}

    async def confirmation(self, tracker: Tracker) -> Optional[str]:
        order_id = tracker.get_slot("order_id")
        previous = tracker.get_slot("invoice_previous")
        if previous:
            email = shown_email(tracker.get_slot("invoice_email"), previous)
            return CONFIRM_REISSUE.format(order_id=order_id, id=previous.get("id"), email=email)
        title, tax = title_and_tax(tracker.get_slot("invoice_title"))
        return CONFIRM_INVOICE.format(
            order_id=order_id,
            title=title,
            email=tracker.get_slot("invoice_email"),
            tax=CONFIRM_INVOICE_TAX.format(tax_number=tax) if tax else "",
        )

    async def do(self, ctx: ErrandContext) -> List[Reply]:
        previous = ctx.slot("invoice_previous")
        if previous:
            email = ctx.slot("invoice_email")
            result = await ctx.client.reissue_invoice(
                previous.get("id"),
                ctx.customer_id,
                ctx.key_for("invoice_reissue"),
                email=None if email == previous.get("email") else email,
            )
            shown = shown_email(result.get("email") or email, previous)
            return [(INVOICE_REISSUED.format(id=result.get("id") or previous.get("id"), email=shown), None)]
        title, tax = title_and_tax(ctx.slot("invoice_title"))
        result = await ctx.client.create_invoice(
            ctx.order_id, ctx.customer_id, title, ctx.slot("invoice_email"), ctx.key, tax_number=tax
        )
        return [(INVOICE_CREATED.format(id=result.get("id"), email=result.get("email")), None)]


def shown_email(email: Optional[str], previous: Dict[str, Any]) -> str:
    """The previous invoice's e-mail is shown masked; one the customer just typed, as typed."""
    return mask_text(email) if email and email == previous.get("email") else (email or "")


def title_and_tax(raw: Optional[str]) -> Tuple[str, Optional[str]]:
    """「某某公司 税号 91310000MA1FL0000X」 → the title and the tax number."""
    raw = (raw or "").strip()
    match = TAX_NUMBER.search(raw.upper())
    if not match:
        return raw, None
    title = re.sub(r"[,，;；\s]*(税号|纳税人识别号)?[:：]?\s*" + match.group(0), "", raw, flags=re.IGNORECASE).strip()
    return title or raw, match.group(0)


AskInvoiceTitle = simple_ask("action_ask_invoice_title", ASK_INVOICE_TITLE)


class AskInvoiceEmail(Action):
    """The e-mail for the invoice; for a re-issue, with a hint of the previous one to keep."""

    def name(self) -> str:
        return "action_ask_invoice_email"

    async def run(self, dispatcher, tracker, domain):
        previous = tracker.get_slot("invoice_previous") or {}
        if previous.get("email"):
            say(
                dispatcher,
                ASK_REISSUE_EMAIL.format(id=previous.get("id"), email=mask_text(previous["email"])),
                buttons=[{"title": BUTTON_KEEP_EMAIL, "payload": "/affirm"}],
            )
        else:
            say(dispatcher, ASK_INVOICE_EMAIL)
        return []
