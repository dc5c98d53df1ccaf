"""Order and account errands against the shop backend.

Flow (rules in nlu_data/rules.yml):
  errand intent → action_start_errand (errand slot, identity from the channel)
  → verify_identity_form (when not verified) → errand_form (what this errand
  needs: order, reason, address, ..., confirmation) → action_do_errand.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.address_parser import missing_parts, parse_address
from actions.backend_client import BackendError, BackendUnavailable, backend, idempotency_key
from actions.common import (
    ERRAND_INTENTS,
    digits,
    items_text,
    normalise_phone,
    phone_problem,
    say,
    short_date,
    short_time,
    user_turns,
)
from actions.identity import customer_from_channel
from actions.masking import mask_phone

logger = logging.getLogger(__name__)

# What each errand asks for (in order). `confirmed` = an explicit yes first.
ERRAND_SLOTS: Dict[str, List[str]] = {
    "order_status": ["order_id"],
    "logistics_track": ["order_id"],
    "urge_delivery": ["order_id"],
    "cancel_order": ["order_id", "confirmed"],
    "modify_address": ["order_id", "new_address", "confirmed"],
    "return_goods": ["order_id", "return_reason", "confirmed"],
    "exchange_goods": ["order_id", "exchange_for", "confirmed"],
    "refund_status": ["order_id"],
    "invoice_request": ["order_id", "invoice_title", "invoice_email", "confirmed"],
    "payment_issue": ["order_id"],
    "account_points": [],
    "membership_benefits": [],
    "reset_password": ["confirmed"],
    "change_phone": ["new_phone", "new_phone_code"],
}
# A re-issue of the order's latest invoice needs only the e-mail (the title stays).
REISSUE_SLOTS = ["order_id", "invoice_email", "confirmed"]
# Per-errand slots cleared when an errand starts or ends (order_id stays as context).
ERRAND_STATE = [
    "confirmed",
    "new_address",
    "return_reason",
    "exchange_for",
    "invoice_title",
    "invoice_email",
    "new_phone",
    "new_phone_code",
    "errand_blocked",
    "order_summary",
    "invoice_reissue",
    "invoice_previous",
]
BACKEND_DOWN = "backend_down"
REFERS_TO_ORDER = re.compile(r"(这|那|该|此|上)(个|笔|一)?(订单|单子|单|件)|刚才|刚刚|上面")
EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
TAX_NUMBER = re.compile(r"[0-9A-Z]{15,20}")
# The customer asks to send an invoice again rather than to issue one (Simplified and Traditional).
REISSUE_WORDS = re.compile(r"重[开開发發]|重新[开開发發寄]|[再补補][发發寄]|[没沒]收到|[丢丟]了|[丢丟]失|不见了|不見了")
# 「原邮箱」: keep the e-mail of the previous invoice.
KEEP_EMAIL = re.compile(r"原[邮郵]箱|原来|原來|之前|以前|上次|一样|一樣|不变|不變|不用改|不改|还是那|還是那|同一")


def wants_reissue(text: Optional[str]) -> bool:
    return bool(REISSUE_WORDS.search(text or ""))


def mask_email(email: Optional[str]) -> str:
    """zhangwei@example.com → zh***@example.com (a hint, not the address)."""
    name, at, host = (email or "").partition("@")
    if not at:
        return email or ""
    return f"{name[:2] if len(name) > 2 else name[:1]}***@{host}"


# ---------------------------------------------------------------- pre-checks
def precheck(errand: str, order: Dict[str, Any]) -> Optional[str]:
    """The backend error code this errand would meet on this order, if any."""
    status = order.get("status")
    if errand == "cancel_order":
        if status in ("shipped", "delivered"):
            return "order_already_shipped"
        if status in ("completed", "cancelled", "refunding", "refunded"):
            return "order_not_cancellable"
    elif errand == "modify_address":
        if status in ("shipped", "delivered", "completed"):
            return "order_already_shipped"
        if status in ("cancelled", "refunding", "refunded"):
            return "order_not_modifiable"
    elif errand in ("return_goods", "exchange_goods"):
        if status in ("pending_payment", "paid", "shipped"):
            return "order_not_delivered"
        if status in ("cancelled", "refunding", "refunded"):
            return "order_not_returnable"
        delivered = _parse_time(order.get("delivered_at"))
        if delivered and dt.datetime.now(delivered.tzinfo) - delivered > dt.timedelta(days=7):
            return "return_window_expired"
    return None


def _parse_time(value: Optional[str]) -> Optional[dt.datetime]:
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def explain(code: str, errand: str, order_id: Optional[str] = None, summary: Optional[Dict[str, Any]] = None) -> str:
    """The Chinese explanation of a backend error code for this errand."""
    summary = summary or {}
    status = summary.get("status_text", "")
    status_part = f"当前状态是「{status}」，" if status else ""
    local = {
        "order_not_modifiable": f"订单 {order_id} {status_part}无法修改地址。",
        "order_not_returnable": f"订单 {order_id} {status_part}暂时不能申请{texts.KIND_WORDS['exchange' if errand == 'exchange_goods' else 'return']}。",
    }
    if code in local:
        return local[code]
    template = texts.ERRORS.get(code)
    if template is None:
        return texts.UNKNOWN_ERROR
    return template.format(
        order_id=order_id or "",
        status=status,
        status_part=status_part,
        action=texts.ACTION_WORDS.get(errand, "办理"),
        hint=texts.SHIPPED_HINT.get(errand, ""),
        kind=texts.KIND_WORDS["exchange" if errand == "exchange_goods" else "return"],
    ).strip()


def summarise(order: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "id": order.get("id"),
        "status": order.get("status"),
        "status_text": order.get("status_text"),
        "items": items_text(order),
        "total": order.get("total"),
        "expected_ship_by": order.get("expected_ship_by"),
    }


# ---------------------------------------------------------------- start
class ActionStartErrand(Action):
    """Remembers the errand, clears the previous one's state, settles identity."""

    def name(self) -> Text:
        return "action_start_errand"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        errand = tracker.latest_message.get("intent", {}).get("name")
        if errand not in ERRAND_INTENTS:
            # an order number on its own ("inform" with order_id): the customer wants that order
            errand = "order_status"
        events: List[Dict[str, Any]] = []
        if tracker.active_loop.get("name"):
            events.append(ActiveLoop(None))
        events += [SlotSet("errand", errand), SlotSet("requested_slot", None)]
        events += [SlotSet(slot, None) for slot in ERRAND_STATE]
        if errand == "invoice_request" and wants_reissue(tracker.latest_message.get("text")):
            events.append(SlotSet("invoice_reissue", True))
        # The order of the previous errand stays only when the customer points at it
        # ("这个订单"); otherwise the errand asks which order, with buttons.
        named = any(e.get("entity") == "order_id" for e in tracker.latest_message.get("entities", []))
        if not named and not REFERS_TO_ORDER.search(tracker.latest_message.get("text") or ""):
            events.append(SlotSet("order_id", None))

        verified = bool(tracker.get_slot("verified")) and bool(tracker.get_slot("customer_id"))
        if not verified:
            try:
                customer = await customer_from_channel(tracker)
            except BackendUnavailable:
                customer = None
            if customer and customer.get("id"):
                verified = True
                events += [
                    SlotSet("customer_id", customer["id"]),
                    SlotSet("customer_name", customer.get("name")),
                    SlotSet("customer_level", customer.get("level")),
                ]
                say(dispatcher, texts.VERIFIED_KNOWN.format(name=customer.get("name", "")))
            else:
                events += [SlotSet("phone", None), SlotSet("verification_code", None)]
        events.append(SlotSet("verified", verified))
        return events


# ---------------------------------------------------------------- the errand form
class ValidateErrandForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_errand_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        errand = tracker.get_slot("errand")
        needed = list(ERRAND_SLOTS.get(errand, []))
        if tracker.get_slot("errand_blocked"):
            return []
        if errand == "logistics_track" and tracker.get_slot("tracking_no") and not tracker.get_slot("order_id"):
            needed.remove("order_id")
        if errand == "invoice_request" and tracker.get_slot("invoice_previous"):
            needed = list(REISSUE_SLOTS)
        return needed

    async def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        order_id = digits(value)
        if not 12 <= len(order_id) <= 20:
            say(dispatcher, texts.ORDER_BAD_FORMAT)
            return {"order_id": None}
        errand = tracker.get_slot("errand")
        try:
            order = await backend().order(order_id, tracker.get_slot("customer_id"))
        except BackendError as error:
            if error.code == "order_not_found":
                say(dispatcher, texts.ORDER_NOT_FOUND.format(order_id=order_id))
                return {"order_id": None}
            say(dispatcher, explain(error.code, errand, order_id))
            return {"order_id": None}
        except BackendUnavailable:
            return {"order_id": order_id, "errand_blocked": BACKEND_DOWN}
        slots = {"order_id": order_id, "order_summary": summarise(order), "errand_blocked": precheck(errand, order)}
        if errand == "invoice_request" and tracker.get_slot("invoice_reissue"):
            slots.update(await self._previous_invoice(order_id, tracker, dispatcher))
        return slots

    async def _previous_invoice(
        self, order_id: str, tracker: Tracker, dispatcher: CollectingDispatcher
    ) -> Dict[Text, Any]:
        """A re-issue: the order's latest invoice, or the normal issue flow when it has none."""
        try:
            invoices = await backend().invoices(order_id, tracker.get_slot("customer_id"))
        except BackendUnavailable:
            return {"errand_blocked": BACKEND_DOWN}
        except BackendError:
            invoices = []
        if not invoices:
            say(dispatcher, texts.REISSUE_NO_INVOICE.format(order_id=order_id))
            return {"invoice_previous": None}
        latest = invoices[0]
        return {"invoice_previous": {"id": latest.get("id"), "email": latest.get("email")}}

    async def validate_confirmed(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:
            say(dispatcher, texts.ASK_CONFIRM_AGAIN)
        return {"confirmed": value}

    async def validate_new_address(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if text.startswith("/"):
            return {"new_address": None}
        missing = missing_parts(parse_address(text))
        if missing:
            say(dispatcher, texts.ADDRESS_MISSING[missing[0]])
            return {"new_address": None}
        return {"new_address": text[:200]}

    async def validate_return_reason(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if text.startswith("/"):  # a button payload, not an answer
            return {"return_reason": None}
        return {"return_reason": text[:200] or None}

    async def validate_exchange_for(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if text.startswith("/"):  # a button payload, not an answer
            return {"exchange_for": None}
        return {"exchange_for": text[:200] or None}

    async def validate_invoice_title(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if text.startswith("/"):  # a button payload, not an answer
            return {"invoice_title": None}
        return {"invoice_title": text[:120] or None}

    async def validate_invoice_email(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        previous = tracker.get_slot("invoice_previous") or {}
        if previous.get("email"):
            text = str(value or "").strip()
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if "@" not in text and (KEEP_EMAIL.search(text) or intent == "affirm" or text.startswith("/affirm")):
                return {"invoice_email": previous["email"]}
        match = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", str(value or ""))
        if not match or not EMAIL.match(match.group(0)):
            say(dispatcher, texts.EMAIL_BAD)
            return {"invoice_email": None}
        return {"invoice_email": match.group(0)}

    async def validate_new_phone(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        problem = phone_problem(value)
        if problem:
            say(dispatcher, texts.PHONE_BAD_FORMAT.format(problem=problem))
            return {"new_phone": None}
        phone = normalise_phone(value)
        try:
            await backend().phone_change_code(tracker.get_slot("customer_id"), phone)
        except BackendError as error:
            say(dispatcher, explain(error.code, "change_phone"))
            return {"new_phone": None}
        except BackendUnavailable:
            return {"new_phone": phone, "errand_blocked": BACKEND_DOWN}
        say(dispatcher, texts.NEW_PHONE_CODE_SENT.format(phone=phone))
        return {"new_phone": phone, "new_phone_code": None}

    async def validate_new_phone_code(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        code = digits(value)
        if len(code) != 6:
            say(dispatcher, texts.CODE_BAD_FORMAT)
            return {"new_phone_code": None}
        customer_id, new_phone = tracker.get_slot("customer_id"), tracker.get_slot("new_phone")
        key = idempotency_key(tracker.sender_id, "change_phone", new_phone, user_turns(tracker))
        try:
            await backend().phone_change(customer_id, new_phone, code, key)
        except BackendError as error:
            if error.code == "code_invalid" and error.details.get("attempts_left") is not None:
                say(dispatcher, texts.CODE_INVALID.format(left=error.details["attempts_left"]))
            else:
                say(dispatcher, explain(error.code, "change_phone"))
            if error.code in ("phone_in_use", "same_phone", "code_expired", "code_locked"):
                return {"new_phone_code": None, "new_phone": None}
            return {"new_phone_code": None}
        except BackendUnavailable:
            return {"new_phone_code": "******", "errand_blocked": BACKEND_DOWN}
        return {"new_phone_code": "******", "phone": new_phone}


# ---------------------------------------------------------------- asking
class AskOrderId(Action):
    def name(self) -> Text:
        return "action_ask_order_id"

    async def run(self, dispatcher, tracker, domain):
        try:
            orders = await backend().orders(tracker.get_slot("customer_id"))
        except (BackendError, BackendUnavailable):
            orders = None
        if orders is None:
            say(dispatcher, texts.ASK_ORDER_NUMBER)
            return []
        if not orders:
            say(dispatcher, texts.NO_ORDERS)
            return []
        from actions.settings import settings

        buttons = [
            {
                "title": texts.ORDER_BUTTON.format(
                    order_id=o["id"], item=items_text(o), status=o.get("status_text", "")
                ),
                "payload": "/inform" + json.dumps({"order_id": o["id"]}, separators=(",", ":")),
            }
            for o in orders[: settings.orders_offered]
        ]
        say(dispatcher, texts.ASK_ORDER_CHOOSE, buttons=buttons)
        return []


class AskConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_confirmed"

    async def run(self, dispatcher, tracker, domain):
        errand = tracker.get_slot("errand")
        order_id = tracker.get_slot("order_id")
        summary = tracker.get_slot("order_summary") or {}
        if errand == "cancel_order":
            text = texts.CONFIRM_CANCEL.format(
                order_id=order_id, items=summary.get("items", ""), total=summary.get("total", "")
            )
        elif errand == "modify_address":
            text = texts.CONFIRM_ADDRESS.format(order_id=order_id, address=tracker.get_slot("new_address"))
        elif errand == "return_goods":
            text = texts.CONFIRM_RETURN.format(order_id=order_id, reason=tracker.get_slot("return_reason"))
        elif errand == "exchange_goods":
            text = texts.CONFIRM_EXCHANGE.format(order_id=order_id, exchange_for=tracker.get_slot("exchange_for"))
        elif errand == "invoice_request" and tracker.get_slot("invoice_previous"):
            previous = tracker.get_slot("invoice_previous")
            text = texts.CONFIRM_REISSUE.format(
                order_id=order_id,
                id=previous.get("id"),
                email=_shown_email(tracker.get_slot("invoice_email"), previous),
            )
        elif errand == "invoice_request":
            title, tax = _title_and_tax(tracker.get_slot("invoice_title"))
            text = texts.CONFIRM_INVOICE.format(
                order_id=order_id,
                title=title,
                email=tracker.get_slot("invoice_email"),
                tax=texts.CONFIRM_INVOICE_TAX.format(tax_number=tax) if tax else "",
            )
        elif errand == "reset_password":
            phone = tracker.get_slot("phone")
            if not phone:
                try:
                    phone = (await backend().customer(tracker.get_slot("customer_id"))).get("phone", "")
                except (BackendError, BackendUnavailable):
                    phone = ""
            text = texts.CONFIRM_RESET_PASSWORD.format(phone=mask_phone(phone) or "绑定手机")
        else:
            text = texts.ASK_CONFIRM_AGAIN
        say(
            dispatcher,
            text,
            buttons=[{"title": texts.BUTTON_YES, "payload": "/affirm"}, {"title": texts.BUTTON_NO, "payload": "/deny"}],
        )
        return []


def _simple_ask(action_name: str, text: str):
    class _Ask(Action):
        def name(self) -> Text:
            return action_name

        async def run(self, dispatcher, tracker, domain):
            say(dispatcher, text)
            return []

    _Ask.__name__ = "Ask_" + action_name
    return _Ask


AskNewAddress = _simple_ask("action_ask_new_address", texts.ASK_ADDRESS)
AskReturnReason = _simple_ask("action_ask_return_reason", texts.ASK_RETURN_REASON)
AskExchangeFor = _simple_ask("action_ask_exchange_for", texts.ASK_EXCHANGE_FOR)
AskInvoiceTitle = _simple_ask("action_ask_invoice_title", texts.ASK_INVOICE_TITLE)


class AskInvoiceEmail(Action):
    """The e-mail for the invoice; for a re-issue, with a hint of the previous one to keep."""

    def name(self) -> Text:
        return "action_ask_invoice_email"

    async def run(self, dispatcher, tracker, domain):
        previous = tracker.get_slot("invoice_previous") or {}
        if previous.get("email"):
            say(
                dispatcher,
                texts.ASK_REISSUE_EMAIL.format(id=previous.get("id"), email=mask_email(previous["email"])),
                buttons=[{"title": texts.BUTTON_KEEP_EMAIL, "payload": "/affirm"}],
            )
        else:
            say(dispatcher, texts.ASK_INVOICE_EMAIL)
        return []


def _shown_email(email: Optional[str], previous: Dict[str, Any]) -> str:
    """The previous invoice's e-mail is shown masked; one the customer just typed, as typed."""
    return mask_email(email) if email and email == previous.get("email") else (email or "")


AskNewPhone = _simple_ask("action_ask_new_phone", texts.ASK_NEW_PHONE)
AskNewPhoneCode = _simple_ask("action_ask_new_phone_code", texts.ASK_NEW_PHONE_CODE)


def _title_and_tax(raw: Optional[str]):
    raw = (raw or "").strip()
    match = TAX_NUMBER.search(raw.upper())
    if not match:
        return raw, None
    title = re.sub(r"[,，;；\s]*(税号|纳税人识别号)?[:：]?\s*" + match.group(0), "", raw, flags=re.IGNORECASE).strip()
    return title or raw, match.group(0)


# ---------------------------------------------------------------- doing it
class ActionDoErrand(Action):
    def name(self) -> Text:
        return "action_do_errand"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        errand = tracker.get_slot("errand")
        reset = [SlotSet(slot, None) for slot in ERRAND_STATE] + [SlotSet("errand", None)]
        if not tracker.get_slot("verified") or not tracker.get_slot("customer_id"):
            return reset
        # The outcome is what the handoff policy reads: a backend that is down, or a
        # second failed errand, sends the customer to a human.
        failures = int(tracker.get_slot("errand_failures") or 0)
        try:
            answers = await self.answer(errand, tracker)
        except BackendUnavailable:
            say(dispatcher, texts.BACKEND_DOWN_APOLOGY)
            return reset + [SlotSet("errand_outcome", "backend_down"), SlotSet("errand_failures", failures + 1)]
        except BackendError as error:
            say(
                dispatcher, explain(error.code, errand, tracker.get_slot("order_id"), tracker.get_slot("order_summary"))
            )
            return reset + [SlotSet("errand_outcome", "failed"), SlotSet("errand_failures", failures + 1)]
        for text, buttons in answers:
            say(dispatcher, text, buttons)
        blocked = tracker.get_slot("errand_blocked")
        if blocked and blocked != BACKEND_DOWN:
            return reset + [SlotSet("errand_outcome", "failed"), SlotSet("errand_failures", failures + 1)]
        return reset + [SlotSet("errand_outcome", "done"), SlotSet("errand_failures", 0)]

    async def answer(self, errand: str, tracker: Tracker) -> List[tuple]:
        client = backend()
        customer_id = tracker.get_slot("customer_id")
        order_id = tracker.get_slot("order_id")
        blocked = tracker.get_slot("errand_blocked")
        summary = tracker.get_slot("order_summary") or {}
        if blocked == BACKEND_DOWN:
            raise BackendUnavailable("noted during the form")
        if blocked:
            return [(explain(blocked, errand, order_id, summary), None)]
        if ERRAND_SLOTS.get(errand, [])[-1:] == ["confirmed"] and tracker.get_slot("confirmed") is not True:
            return [(texts.DECLINED, None)]
        key = idempotency_key(tracker.sender_id, errand, order_id, user_turns(tracker))

        if errand == "order_status":
            order = await client.order(order_id, customer_id)
            text = texts.STATUS.format(
                order_id=order_id, items=items_text(order), total=order.get("total"), status=order.get("status_text")
            )
            if order.get("status") in ("shipped", "delivered", "completed"):
                text += await self._latest_event(order_id, customer_id)
            elif order.get("status") == "paid" and order.get("expected_ship_by"):
                text += texts.STATUS_SHIP_BY.format(date=short_date(order["expected_ship_by"]))
            return [(text, None)]

        if errand == "logistics_track":
            if not order_id:
                tracking_no = tracker.get_slot("tracking_no")
                order_id = next(
                    (
                        o["id"]
                        for o in await client.orders(customer_id)
                        if (o.get("tracking_no") or "").upper() == (tracking_no or "").upper()
                    ),
                    None,
                )
                if not order_id:
                    return [(texts.TRACKING_NOT_FOUND.format(tracking_no=tracking_no), None)]
            return [(await self._logistics(order_id, customer_id), None)]

        if errand == "urge_delivery":
            try:
                result = await client.urge(order_id, customer_id, key)
            except BackendError as error:
                if error.code == "order_already_shipped":
                    return [
                        (
                            texts.URGE_SHIPPED.format(order_id=order_id)
                            + await self._latest_event(order_id, customer_id),
                            None,
                        )
                    ]
                if error.code == "order_not_cancellable" or error.status == 409:
                    return [
                        (
                            texts.URGE_NOT_APPLICABLE.format(order_id=order_id, status=summary.get("status_text", "")),
                            None,
                        )
                    ]
                raise
            return [(texts.URGED.format(order_id=order_id, date=short_date(result.get("expected_ship_by"))), None)]

        if errand == "cancel_order":
            order = await client.cancel(order_id, customer_id, key)
            return [(texts.CANCELLED.format(order_id=order_id, total=order.get("total", summary.get("total"))), None)]

        if errand == "modify_address":
            address = tracker.get_slot("new_address")
            # The district stays inside `detail`: the backend has no field for it.
            fields = {k: v for k, v in parse_address(address).items() if k != "district"}
            await client.change_address(order_id, customer_id, fields, key)
            return [(texts.ADDRESS_CHANGED.format(order_id=order_id, address=address), None)]

        if errand in ("return_goods", "exchange_goods"):
            if errand == "return_goods":
                result = await client.create_return(
                    order_id, customer_id, "return", tracker.get_slot("return_reason"), key
                )
                refund = (
                    texts.RETURN_REFUND.format(amount=result["refund_amount"]) if result.get("refund_amount") else ""
                )
                return [(texts.RETURN_CREATED.format(id=result.get("id"), refund=refund), None)]
            wanted = tracker.get_slot("exchange_for")
            result = await client.create_return(order_id, customer_id, "exchange", wanted, key, exchange_for=wanted)
            return [(texts.EXCHANGE_CREATED.format(id=result.get("id"), exchange_for=wanted), None)]

        if errand == "refund_status":
            refund = await client.refund(order_id, customer_id)
            expected = (
                texts.REFUND_EXPECTED.format(date=short_date(refund["expected_by"]))
                if refund.get("expected_by") and refund.get("status") != "refunded"
                else ""
            )
            return [
                (
                    texts.REFUND.format(
                        order_id=order_id,
                        status=refund.get("status_text", ""),
                        amount=refund.get("amount", ""),
                        expected=expected,
                    ),
                    None,
                )
            ]

        if errand == "invoice_request" and tracker.get_slot("invoice_previous"):
            previous = tracker.get_slot("invoice_previous")
            email = tracker.get_slot("invoice_email")
            key = idempotency_key(tracker.sender_id, "invoice_reissue", order_id, user_turns(tracker))
            result = await client.reissue_invoice(
                previous.get("id"), customer_id, key, email=None if email == previous.get("email") else email
            )
            shown = _shown_email(result.get("email") or email, previous)
            return [(texts.INVOICE_REISSUED.format(id=result.get("id") or previous.get("id"), email=shown), None)]

        if errand == "invoice_request":
            title, tax = _title_and_tax(tracker.get_slot("invoice_title"))
            result = await client.create_invoice(
                order_id, customer_id, title, tracker.get_slot("invoice_email"), key, tax_number=tax
            )
            return [(texts.INVOICE_CREATED.format(id=result.get("id"), email=result.get("email")), None)]

        if errand == "payment_issue":
            order = await client.order(order_id, customer_id)
            paid = (
                texts.PAYMENT_PAID_AT.format(time=short_time(order["paid_at"]), total=order.get("total"))
                if order.get("paid_at")
                else ""
            )
            return [
                (texts.PAYMENT.format(order_id=order_id, status=order.get("status_text"), paid=paid), None),
                (texts.PAYMENT_HUMAN, [{"title": "转人工", "payload": "/request_human"}]),
            ]

        if errand == "account_points":
            points = await client.points(customer_id)
            text = texts.POINTS.format(balance=points.get("balance", 0))
            expiring = [e for e in points.get("expiring") or [] if e.get("points")]
            if expiring:
                text += texts.POINTS_EXPIRING.format(
                    points=expiring[0]["points"], date=short_date(expiring[0].get("expires_on"))
                )
            return [(text, None)]

        if errand == "membership_benefits":
            membership = await client.membership(customer_id)
            text = texts.MEMBERSHIP.format(
                level=membership.get("level", ""), benefits="；".join(membership.get("benefits") or [])
            )
            if membership.get("next_level") and membership.get("points_to_next") is not None:
                text += texts.MEMBERSHIP_NEXT.format(
                    points=membership["points_to_next"], next_level=membership["next_level"]
                )
            return [(text, None)]

        if errand == "reset_password":
            result = await client.password_reset(customer_id, key)
            return [(texts.PASSWORD_RESET.format(phone=result.get("sent_to", "")), None)]

        if errand == "change_phone":
            return [(texts.PHONE_CHANGED.format(phone=tracker.get_slot("phone") or ""), None)]

        return [(texts.UNKNOWN_ERROR, None)]

    async def _latest_event(self, order_id: str, customer_id: str) -> str:
        logistics = await backend().logistics(order_id, customer_id)
        events = logistics.get("events") or []
        if not events:
            return ""
        latest = events[0]
        return texts.STATUS_LATEST_EVENT.format(
            time=short_time(latest.get("time")),
            location=latest.get("location", ""),
            description=latest.get("description", ""),
            courier=logistics.get("courier", ""),
            tracking_no=logistics.get("tracking_no", ""),
        )

    async def _logistics(self, order_id: str, customer_id: str) -> str:
        logistics = await backend().logistics(order_id, customer_id)
        events = logistics.get("events") or []
        if not events:
            order = await backend().order(order_id, customer_id)
            ship_by = (
                texts.STATUS_SHIP_BY.format(date=short_date(order["expected_ship_by"]))
                if order.get("expected_ship_by")
                else ""
            )
            return texts.LOGISTICS_NONE.format(order_id=order_id, ship_by=ship_by)
        lines = [
            texts.LOGISTICS_HEAD.format(
                order_id=order_id,
                courier=logistics.get("courier", ""),
                tracking_no=logistics.get("tracking_no", ""),
                status=logistics.get("status_text", ""),
            )
        ]
        lines += [
            texts.LOGISTICS_EVENT.format(
                time=short_time(e.get("time")), location=e.get("location", ""), description=e.get("description", "")
            )
            for e in events[:3]
        ]
        return "\n".join(lines)
