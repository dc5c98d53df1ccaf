"""The handoff actions: open the handoff with its package, clarify a low-confidence
message, record the satisfaction rating, take a message for a ticket.

When to hand off is decided by the handoff policy (bot/policies/) (thresholds in
config.yml), which puts the reason and the reading into the `handoff_trigger`
slot; these actions do the errand against the handoff service (handoff/API.md).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.backend_client import BackendError, BackendUnavailable, backend
from actions.common import say, turn_id
from actions.errands import INTENT_LABELS
from actions.handoff_client import HandoffRateLimited, HandoffRefused, HandoffUnavailable, handoff_service
from actions.handoff_package import customer_verified, order_ids, slots, summary, transcript
from contract import channels, handoff, tickets
from contract import slots as slot_names
from privacy import mask_text

logger = logging.getLogger(__name__)

ORDERS_IN_PACKAGE = 5
REQUEST_ID_CHARS = 64  # handoff/schemas.py HandoffPackage.request_id
SLOT_TICKET = tickets.SLOT_AWAITING_MESSAGE
CLARIFY_IGNORED = {"nlu_fallback", "out_of_scope", "inform", "affirm", "deny", "greet", "goodbye", "thank"}


class ActionHandoff(Action):
    """Opens a handoff (or, outside business hours, a ticket) and pauses the bot.

    The handoff service is the source of truth of who holds the conversation, and what the
    bot says and does follows what it answered:

    - the open is idempotent per customer message: the package's `request_id` is the
      triggering message's Rasa message_id (common.turn_id), so the client's retry after a
      timeout (handoff_client, two attempts) and a repeat of the same turn name the same
      request, and the service keeps one open handoff per conversation;
    - an answer (201, or 200 for a conversation already waiting) pauses the bot
      (ConversationPaused) and tells the customer their place in the queue; a ticket outside
      business hours does not pause;
    - no answer (both attempts timed out, the service down or failing) does not pause: the
      bot cannot know whether the service recorded the handoff. The customer is told the
      transfer could not be confirmed yet, in words that stay true both ways
      (texts.HANDOFF_UNAVAILABLE): if the service did record it, its reconciler pauses Rasa
      and tells the customer their place in the queue; if not, the customer may ask again.
      The bot never pauses on a guess, and never resumes by itself.
    """

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        trigger = tracker.get_slot(slot_names.HANDOFF_TRIGGER) or {}
        reason = trigger.get("reason") or handoff.REQUEST_HUMAN
        events: List[Dict[str, Any]] = [
            SlotSet(slot_names.HANDOFF_TRIGGER, None),
            SlotSet(slot_names.ERRAND_FAILURES, 0),
            SlotSet(slot_names.ERRAND_OUTCOME, None),
        ]
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        customer = await _customer(tracker)
        orders = await _orders(tracker)
        package = {
            "sender_id": tracker.sender_id,
            "channel": tracker.get_latest_input_channel() or channels.REST,
            "customer": customer,
            "reason": reason,
            "trigger": trigger.get("reading") or {},
            "priority": int(trigger.get("priority") or 0),
            "summary": summary(tracker, customer, reason, bool(trigger.get("upset")), orders),
            "transcript": transcript(tracker),
            "slots": slots(tracker),
            "orders": orders,
            "request_id": request_id(tracker),
        }
        try:
            answer = await handoff_service().open_handoff(package)
        except HandoffRateLimited as limited:  # asked too often lately: the service says when to try again
            say(dispatcher, limited.message or texts.HANDOFF_UNAVAILABLE)
            return events
        except HandoffUnavailable:
            say(dispatcher, texts.HANDOFF_UNAVAILABLE)
            return events
        lead = texts.HANDOFF_LEAD.get(reason, texts.HANDOFF_LEAD[handoff.REQUEST_HUMAN])
        ticket = answer.get("ticket")
        if ticket and answer.get("state") not in (handoff.QUEUED, handoff.AGENT):
            hours = answer.get("business_hours")
            say(
                dispatcher,
                texts.HANDOFF_TICKET.format(
                    hours=texts.HANDOFF_HOURS.format(hours=hours) if hours else "",
                    number=ticket.get("number"),
                    respond_by=_when(ticket.get("respond_by")),
                ),
            )
            # the number (contract.tickets.SLOT_AWAITING_MESSAGE), as the service sets it with an answer
            return events + [SlotSet(SLOT_TICKET, str(ticket.get("number") or ticket.get("id")))]
        if answer.get("already_open"):
            say(dispatcher, texts.HANDOFF_ALREADY)
        else:
            # the place in the queue in the service's own words, as its later updates say it
            say(dispatcher, lead + (answer.get("queue_message") or "") + texts.HANDOFF_NO_REPEAT)
        return events + [ConversationPaused()]


class ActionClarifyIntent(Action):
    """Low confidence: the two likeliest intents as buttons, and a way to a human."""

    def name(self) -> Text:
        return "action_clarify_intent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        ranking = tracker.latest_message.get("intent_ranking") or []
        candidates = [
            item["name"]
            for item in ranking
            if item.get("name") in INTENT_LABELS and item.get("name") not in CLARIFY_IGNORED
        ][:2]
        labels = [INTENT_LABELS[name] for name in candidates]
        if len(candidates) == 2:
            text = texts.CLARIFY_TWO.format(first=labels[0], second=labels[1])
        elif candidates:
            text = texts.CLARIFY_ONE.format(first=labels[0])
        else:
            text = texts.CLARIFY_NONE
        buttons = [{"title": label, "payload": f"/{name}"} for name, label in zip(candidates, labels)]
        buttons.append({"title": texts.CLARIFY_HUMAN_BUTTON, "payload": "/request_human"})
        say(dispatcher, text, buttons)
        return []


class ActionRecordSatisfaction(Action):
    """Stores the survey's rating with the handoff it rates."""

    def name(self) -> Text:
        return "action_record_satisfaction"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        handoff_id = tracker.get_slot("satisfaction_handoff_id")
        rating = tracker.get_slot("satisfaction_rating")
        events = [SlotSet("satisfaction_handoff_id", None), SlotSet("satisfaction_rating", None)]
        if not handoff_id or rating is None:
            return events
        try:
            await handoff_service().rate(str(handoff_id), int(rating))
        except HandoffUnavailable:
            say(dispatcher, texts.SATISFACTION_FAILED)
            return events
        say(dispatcher, texts.SATISFACTION_THANKS.get(int(rating), texts.SATISFACTION_FAILED))
        return events


class ActionTakeTicketMessage(Action):
    """The customer's next message goes onto their ticket: the message they were invited to
    leave outside business hours, or their reply to an agent's answer (the handoff service
    then sets ticket_awaiting_message to the ticket number). The handoff policy routes it
    here; a bare thanks or goodbye it answers as usual instead."""

    def name(self) -> Text:
        return "action_take_ticket_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        ticket = str(tracker.get_slot(SLOT_TICKET) or "")
        text = (tracker.latest_message.get("text") or "").strip()
        if not ticket:
            return []
        if not text:
            say(dispatcher, texts.TICKET_MESSAGE_EMPTY)
            return []  # still waiting for the message
        if ticket.isdigit():  # a row id, saved before tickets were named by their number
            return await _onto_ticket_by_id(dispatcher, ticket, text)
        try:
            answer = await handoff_service().add_customer_ticket_message(
                ticket, tracker.sender_id, text, request_id(tracker)
            )
        except HandoffRefused as refused:
            if refused.status not in (404, 409) and refused.code != "invalid_ticket_number":
                say(dispatcher, texts.TICKET_MESSAGE_FAILED)
                return []
            # closed, or no longer this customer's: nothing to add it to
            say(dispatcher, texts.TICKET_CLOSED.format(number=ticket))
            return [SlotSet(SLOT_TICKET, None)]
        except HandoffUnavailable:
            say(dispatcher, texts.TICKET_MESSAGE_FAILED)
            return []  # still waiting for the message: the customer may send it again
        said = texts.TICKET_REPLY_REOPENED if answer.get("reopened") else texts.TICKET_REPLY_ADDED
        number = (answer.get("message") or {}).get("ticket_number") or ticket
        say(dispatcher, said.format(number=number))
        return [SlotSet(SLOT_TICKET, None)]


async def _onto_ticket_by_id(dispatcher: CollectingDispatcher, ticket_id: str, text: str) -> List[Dict[str, Any]]:
    try:
        answer = await handoff_service().add_ticket_message(ticket_id, text)
    except HandoffUnavailable:
        say(dispatcher, texts.TICKET_MESSAGE_FAILED)
        return []
    say(dispatcher, texts.TICKET_MESSAGE_TAKEN.format(number=answer.get("ticket_number") or ticket_id))
    return [SlotSet(SLOT_TICKET, None)]


# ---------------------------------------------------------------------- package parts
async def _customer(tracker: Tracker) -> Dict[str, Any]:
    customer_id = tracker.get_slot(slot_names.CUSTOMER_ID)
    verified = customer_verified(tracker)  # a proof that still counts
    known: Dict[str, Any] = {
        "id": customer_id,
        "name": tracker.get_slot(slot_names.CUSTOMER_NAME),
        "phone_masked": None,
        "level": tracker.get_slot(slot_names.CUSTOMER_LEVEL),
        "verified": verified,
    }
    if not verified:
        phone = tracker.get_slot(slot_names.PHONE)
        known["phone_masked"] = mask_text(phone) if phone else None
        return known
    try:
        record = await backend().customer(customer_id)
    except (BackendError, BackendUnavailable):
        return known
    known.update(
        name=record.get("name") or known["name"],
        level=record.get("level") or known["level"],
        phone_masked=mask_text(record.get("phone") or "") or None,
    )
    return known


async def _orders(tracker: Tracker) -> List[Dict[str, Any]]:
    """The orders the conversation looked up, as the backend has them now."""
    customer_id = tracker.get_slot(slot_names.CUSTOMER_ID)
    ids = order_ids(tracker)[:ORDERS_IN_PACKAGE]
    if not ids:
        return []
    if not (customer_verified(tracker) and customer_id):
        return [{"order_id": order_id} for order_id in ids]
    orders: List[Dict[str, Any]] = []
    for order_id in ids:
        try:
            order = await backend().order(order_id, customer_id)
        except (BackendError, BackendUnavailable):
            orders.append({"order_id": order_id})  # someone else's, or the backend is down
            continue
        orders.append(
            {
                "order_id": order_id,
                "status": order.get("status"),
                "status_text": order.get("status_text"),
                "total": order.get("total"),
                "items": order.get("items"),
                "tracking_no": order.get("tracking_no"),
                "courier": order.get("courier"),
            }
        )
    return orders


def request_id(tracker: Tracker) -> str:
    """The package's idempotency key: the customer message that asked (common.turn_id), a
    digest of it when a channel's message id is longer than the service takes."""
    turn = turn_id(tracker)
    if len(turn) <= REQUEST_ID_CHARS:
        return turn
    return "sha256-" + hashlib.sha256(f"{tracker.sender_id}|{turn}".encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _when(value: Optional[str]) -> str:
    """'2026-11-30T09:05:00+08:00' → '11月30日 09:05'."""
    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return str(value or "")
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"
