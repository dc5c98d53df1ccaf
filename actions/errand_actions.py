"""The generic errand actions: they read the errands (actions/errands/) and name none of them.

Flow (rules in nlu_data/rules.yml):
  errand intent → action_start_errand (errand slot, identity from the channel)
  → verify_identity_form (when not verified) → errand_form (what this errand
  needs: order, reason, address, ..., confirmation) → action_do_errand.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import identity, texts
from actions.backend_client import BackendError, BackendUnavailable, backend, idempotency_key
from actions.common import digits, items_text, say, turn_id
from actions.errands import ERRAND_INTENTS, ERRAND_STATE, errand_named, slot_validator
from actions.errands.base import (
    BLOCKED_BACKEND_DOWN,
    BLOCKED_VERIFICATION_EXPIRED,
    CONFIRMED,
    ErrandContext,
    Reply,
    explain,
    summarise,
)
from actions.settings import settings
from actions.survey_actions import silence_reminder
from contract import slots

logger = logging.getLogger(__name__)

# The errand an order number on its own ("inform" with order_id) starts: the customer wants that order.
DEFAULT_ERRAND = "order_status"
VERIFY_FORM = "verify_identity_form"
REFERS_TO_ORDER = re.compile(r"(这|那|该|此|上)(个|笔|一)?(订单|单子|单|件)|刚才|刚刚|上面")


def _cleared() -> List[Dict[str, Any]]:
    """The previous errand's state, cleared."""
    return [SlotSet(slot, None) for slot in ERRAND_STATE]


# ---------------------------------------------------------------- start
class ActionStartErrand(Action):
    """Remembers the errand, clears the previous one's state, settles identity."""

    def name(self) -> Text:
        return "action_start_errand"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        errand = tracker.latest_message.get("intent", {}).get("name")
        if errand not in ERRAND_INTENTS:
            errand = DEFAULT_ERRAND
        events: List[Dict[str, Any]] = []
        if tracker.active_loop.get("name"):
            events.append(ActiveLoop(None))
        events += [SlotSet(slots.ERRAND, errand), SlotSet("requested_slot", None)]
        events += _cleared()
        events += [SlotSet(slot, value) for slot, value in errand_named(errand).start(tracker).items()]
        # The order of the previous errand stays only when the customer points at it
        # ("这个订单"); otherwise the errand asks which order, with buttons.
        named = any(e.get("entity") == slots.ORDER_ID for e in tracker.latest_message.get("entities", []))
        if not named and not REFERS_TO_ORDER.search(tracker.latest_message.get("text") or ""):
            events.append(SlotSet(slots.ORDER_ID, None))

        events += await settle_identity(errand_named(errand).risk, tracker, dispatcher)
        return events


async def settle_identity(risk: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    """`verified` for this errand: a proof fresh enough for its risk, or a channel's signed
    token now, or (events that lead to) verify_identity_form, with the code sent to the
    account's current phone when the account is known.

    Changing the bound phone (RISK_ACCOUNT) always takes a new code to the current phone:
    the previous proof is dropped, and a channel's token is not enough.
    """
    if risk == identity.RISK_ACCOUNT:
        known = tracker.get_slot(slots.CUSTOMER_ID)
        if not known:
            try:
                customer = await identity.customer_from_channel(tracker)
            except BackendUnavailable:
                customer = None
            known = (customer or {}).get("id")
        if known:
            say(dispatcher, texts.REVERIFY_CURRENT_PHONE)
        dropped = [SlotSet(slots.VERIFIED_AT, None), SlotSet(slots.VERIFIED_FOR, None)]
        return dropped + await identity.proof_again(tracker, known)
    if identity.is_fresh(tracker, risk):
        return [SlotSet(slots.VERIFIED, True)]
    customer = await _channel_customer(tracker)
    if customer:
        if customer["id"] != tracker.get_slot(slots.CUSTOMER_ID) or not tracker.get_slot(slots.VERIFIED):
            say(dispatcher, texts.VERIFIED_KNOWN.format(name=customer.get("name", "")))
        return [SlotSet(name, value) for name, value in identity.proven(customer, slots.VIA_CHANNEL).items()]
    if tracker.get_slot(slots.CUSTOMER_ID):
        say(dispatcher, texts.REVERIFY)  # a known customer whose proof is too old for this errand
    return await identity.proof_again(tracker)


async def _channel_customer(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The customer the latest message's signed identity token names, if any."""
    try:
        customer = await identity.customer_from_channel(tracker)
    except BackendUnavailable:
        return None
    return customer if customer and customer.get("id") else None


# ---------------------------------------------------------------- the errand form
class ValidateErrandForm(FormValidationAction):
    """What the errand needs; order_id and confirmed here, the errands' own slots by their errand."""

    def name(self) -> Text:
        return "validate_errand_form"

    def __getattr__(self, attribute: str) -> Any:
        # rasa_sdk looks up `validate_<slot>` by name: a slot an errand owns is validated by that errand.
        if attribute.startswith("validate_"):
            validator = slot_validator(attribute[len("validate_") :])
            if validator is not None:
                return validator
        raise AttributeError(attribute)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        if tracker.get_slot("errand_blocked"):
            return []
        return errand_named(tracker.get_slot(slots.ERRAND)).required_slots(tracker)

    async def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        order_id = digits(value)
        if not 12 <= len(order_id) <= 20:
            say(dispatcher, texts.ORDER_BAD_FORMAT)
            return {slots.ORDER_ID: None}
        errand = errand_named(tracker.get_slot(slots.ERRAND))
        try:
            order = await backend().order(order_id, tracker.get_slot(slots.CUSTOMER_ID))
        except BackendError as error:
            if error.code == "order_not_found":
                say(dispatcher, texts.ORDER_NOT_FOUND.format(order_id=order_id))
            else:
                say(dispatcher, explain(error.code, errand, order_id))
            return {slots.ORDER_ID: None}
        except BackendUnavailable:
            return {slots.ORDER_ID: order_id, "errand_blocked": BLOCKED_BACKEND_DOWN}
        found = {slots.ORDER_ID: order_id, "order_summary": summarise(order), "errand_blocked": errand.precheck(order)}
        found.update(await errand.order_chosen(order_id, tracker, dispatcher))
        return found

    async def validate_confirmed(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:
            say(dispatcher, texts.ASK_CONFIRM_AGAIN)
        return {CONFIRMED: value}


# ---------------------------------------------------------------- asking
class AskOrderId(Action):
    def name(self) -> Text:
        return "action_ask_order_id"

    async def run(self, dispatcher, tracker, domain):
        try:
            orders = await backend().orders(tracker.get_slot(slots.CUSTOMER_ID))
        except (BackendError, BackendUnavailable):
            orders = None
        if orders is None:
            say(dispatcher, texts.ASK_ORDER_NUMBER)
            return []
        if not orders:
            say(dispatcher, texts.NO_ORDERS)
            return []
        buttons = [
            {
                "title": texts.ORDER_BUTTON.format(
                    order_id=o["id"], item=items_text(o), status=o.get("status_text", "")
                ),
                "payload": "/inform" + json.dumps({slots.ORDER_ID: o["id"]}, separators=(",", ":")),
            }
            for o in orders[: settings.orders_offered]
        ]
        say(dispatcher, texts.ASK_ORDER_CHOOSE, buttons=buttons)
        return []


class AskConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_confirmed"

    async def run(self, dispatcher, tracker, domain):
        text = await errand_named(tracker.get_slot(slots.ERRAND)).confirmation(tracker)
        say(
            dispatcher,
            text or texts.ASK_CONFIRM_AGAIN,
            buttons=[{"title": texts.BUTTON_YES, "payload": "/affirm"}, {"title": texts.BUTTON_NO, "payload": "/deny"}],
        )
        return []


# ---------------------------------------------------------------- doing it
class ActionDoErrand(Action):
    def name(self) -> Text:
        return "action_do_errand"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        errand = tracker.get_slot(slots.ERRAND)
        reset = _cleared() + [SlotSet(slots.ERRAND, None)]
        if not tracker.get_slot(slots.CUSTOMER_ID):
            return reset
        if tracker.get_slot("errand_blocked") == BLOCKED_VERIFICATION_EXPIRED:
            say(dispatcher, texts.ERRORS[BLOCKED_VERIFICATION_EXPIRED])
            return reset
        risk = errand_named(errand).risk
        renewed: List[Dict[str, Any]] = []
        if self.acts(errand, tracker) and not identity.is_fresh(tracker, risk):
            # The proof grew too old while the form ran. The same customer's signed channel
            # token renews it; otherwise a new code first, then the errand goes on with what
            # the form collected (the rules continue with errand_form).
            customer = await _channel_customer(tracker) if risk != identity.RISK_ACCOUNT else None
            if not customer or customer["id"] != tracker.get_slot(slots.CUSTOMER_ID):
                say(dispatcher, texts.REVERIFY)
                return await identity.proof_again(tracker) + [FollowupAction(VERIFY_FORM)]
            renewed = [SlotSet(name, value) for name, value in identity.proven(customer, slots.VIA_CHANNEL).items()]
        return renewed + await self.done(errand, tracker, dispatcher, reset)

    @staticmethod
    def acts(name: str, tracker: Tracker) -> bool:
        """Whether the errand will reach the backend (not blocked, not declined)."""
        if tracker.get_slot("errand_blocked"):
            return False
        return not (errand_named(name).confirms and tracker.get_slot(CONFIRMED) is not True)

    async def done(
        self, errand: str, tracker: Tracker, dispatcher: CollectingDispatcher, reset: List[Dict[str, Any]]
    ) -> List[Dict[str, Any]]:
        """Does the errand and says how it went; the events of its outcome."""
        # The outcome is what the handoff policy reads: a backend that is down, or a
        # second failed errand, sends the customer to a human.
        failures = int(tracker.get_slot(slots.ERRAND_FAILURES) or 0)
        failed = [SlotSet(slots.ERRAND_FAILURES, failures + 1)]
        try:
            answers = await self.answer(errand, tracker)
        except BackendUnavailable:
            say(dispatcher, texts.BACKEND_DOWN_APOLOGY)
            return reset + [SlotSet(slots.ERRAND_OUTCOME, slots.OUTCOME_BACKEND_DOWN)] + failed
        except BackendError as error:
            order_id, summary = tracker.get_slot(slots.ORDER_ID), tracker.get_slot("order_summary")
            say(dispatcher, explain(error.code, errand_named(errand), order_id, summary))
            return reset + [SlotSet(slots.ERRAND_OUTCOME, slots.OUTCOME_FAILED)] + failed
        for text, buttons in answers:
            say(dispatcher, text, buttons)
        blocked = tracker.get_slot("errand_blocked")
        if blocked and blocked != BLOCKED_BACKEND_DOWN:
            return reset + [SlotSet(slots.ERRAND_OUTCOME, slots.OUTCOME_FAILED)] + failed
        done = [SlotSet(slots.ERRAND_OUTCOME, slots.OUTCOME_DONE), SlotSet(slots.ERRAND_FAILURES, 0)]
        # served: the satisfaction question follows a silence (actions/survey_actions.py)
        return reset + done + silence_reminder(tracker)

    async def answer(self, name: str, tracker: Tracker) -> List[Reply]:
        errand = errand_named(name)
        order_id = tracker.get_slot(slots.ORDER_ID)
        blocked = tracker.get_slot("errand_blocked")
        summary = tracker.get_slot("order_summary") or {}
        if blocked == BLOCKED_BACKEND_DOWN:
            raise BackendUnavailable("noted during the form")
        if blocked:
            return [(explain(blocked, errand, order_id, summary), None)]
        if errand.confirms and tracker.get_slot(CONFIRMED) is not True:
            return [(texts.DECLINED, None)]
        context = ErrandContext(
            tracker=tracker,
            client=backend(),
            customer_id=tracker.get_slot(slots.CUSTOMER_ID),
            order_id=order_id,
            summary=summary,
            key=idempotency_key(tracker.sender_id, name, order_id, turn_id(tracker)),
        )
        return await errand.do(context)
