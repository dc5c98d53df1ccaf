"""Identity: the step before any account or order errand, and how long it counts.

A customer the channel vouches for (a signed identity token in the message
metadata, see bot/identity_token.py) is verified at once by
`action_start_errand` (actions.errand_actions); everyone else goes through
`verify_identity_form`: phone → SMS code → check.

A proof does not last: `verified_at` (epoch seconds) and `verified_for`
({"customer_id", "phone" (masked), "via"}) record when and for whom it was
made, and every errand checks its age against the errand's risk (`is_fresh`),
not the `verified` flag. A stale proof asks for a new code, sent to the
account's current phone.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.backend_client import BackendError, BackendUnavailable, backend
from actions.common import PHONE_FORMAT, checked_phone, digits, latest_metadata, say
from actions.settings import settings
from bot import identity_token
from contract import slots
from privacy import mask_text

logger = logging.getLogger(__name__)

# How recent the identity proof must be for an errand (Errand.risk):
RISK_NORMAL = "normal"  # within ACTIONS_VERIFICATION_TTL_S
RISK_HIGH = "high"  # within ACTIONS_HIGH_RISK_VERIFICATION_S: the errand changes an order or gives something away
RISK_ACCOUNT = "account"  # an SMS code to the account's phone in this very errand, within the high-risk window
# A proof stamped further in the future than this (another server's clock) is not believed.
CLOCK_SKEW_S = 60.0

clock = time.time  # the time proofs are stamped and aged with


def window_s(risk: str = RISK_NORMAL) -> float:
    """How old a proof may be for an errand of this risk."""
    if risk == RISK_NORMAL:
        return settings.verification_ttl_s
    return min(settings.verification_ttl_s, settings.high_risk_verification_s)


def verification_age(tracker: Tracker) -> Optional[float]:
    """Seconds since the identity of the conversation's customer was proven, None without a proof.

    A proof counts only for the customer it was made for (`verified_for`).
    """
    at = tracker.get_slot(slots.VERIFIED_AT)
    proof = tracker.get_slot(slots.VERIFIED_FOR)
    customer_id = tracker.get_slot(slots.CUSTOMER_ID)
    if isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at):
        return None
    if not customer_id or not isinstance(proof, dict) or proof.get("customer_id") != customer_id:
        return None
    age = clock() - float(at)
    if age < -CLOCK_SKEW_S:
        return None
    return max(age, 0.0)


def is_fresh(tracker: Tracker, risk: str = RISK_NORMAL) -> bool:
    """Whether the customer's identity proof is recent enough for an errand of this risk."""
    age = verification_age(tracker)
    if age is None or age > window_s(risk):
        return False
    if risk == RISK_ACCOUNT:
        return (tracker.get_slot(slots.VERIFIED_FOR) or {}).get("via") == slots.VIA_CODE
    return True


def proven(customer: Dict[str, Any], via: str, phone: Optional[str] = None) -> Dict[str, Any]:
    """The slots of a customer whose identity was just proven (by a code, or by a channel)."""
    return {
        slots.VERIFIED: True,
        slots.CUSTOMER_ID: customer["id"],
        slots.CUSTOMER_NAME: customer.get("name"),
        slots.CUSTOMER_LEVEL: customer.get("level"),
        slots.VERIFIED_AT: clock(),
        slots.VERIFIED_FOR: {"customer_id": customer["id"], "phone": mask_text(phone or "") or None, "via": via},
    }


async def proof_again(tracker: Tracker, customer_id: Optional[str] = None) -> List[Dict[str, Any]]:
    """Events that send the customer through verify_identity_form again.

    The phone is the account's current one, from the backend: activating the form
    sends the code there at once (the form validates a prefilled phone). Without a
    known account, or with the backend down, the form asks for the phone.
    """
    events = [SlotSet(slots.VERIFIED, False), SlotSet("verification_code", None), SlotSet(slots.PHONE, None)]
    customer_id = customer_id or tracker.get_slot(slots.CUSTOMER_ID)
    if customer_id:
        try:
            phone = str((await backend().customer(str(customer_id))).get("phone") or "")
        except (BackendError, BackendUnavailable):
            phone = ""
        if PHONE_FORMAT.match(phone):
            events[-1] = SlotSet(slots.PHONE, phone)
    return events


async def customer_from_channel(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The customer a channel vouches for with a signed identity token, or None.

    Plain metadata (a customer id typed into a REST request) is a claim anyone
    can make and is ignored: only a token signed with the channels' secret
    (bot.identity_token) counts. Raises BackendUnavailable when the backend
    cannot tell.
    """
    claims = identity_token.verify(latest_metadata(tracker).get(identity_token.METADATA_KEY))
    if claims is None:
        return None
    client = backend()
    try:
        if claims.get("shop_customer_id"):
            return await client.customer(str(claims["shop_customer_id"]))
        bound = await client.customer_by_channel(claims["channel"], str(claims["external_id"]))
        if bound.get("id") and not bound.get("name"):
            bound = await client.customer(bound["id"])
        return bound
    except BackendError as error:
        logger.info("channel identity not accepted: %s", error.code)
    return None


class ValidateVerifyIdentityForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_verify_identity_form"

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        phone = checked_phone(value, dispatcher)
        if phone is None:
            return {"phone": None}
        try:
            await backend().send_code(phone, requester=tracker.sender_id)
        except BackendError as error:
            if error.code == "rate_limited":
                # an earlier code may still be valid: the form asks for it
                say(dispatcher, throttled(error))
                return {"phone": phone, "verification_code": None}
            if error.code != "customer_not_found":  # an older backend tells; the bot does not
                say(dispatcher, backend_trouble(error))
                return {"phone": None}
        except BackendUnavailable as error:
            say(dispatcher, backend_trouble(error))
            return {"phone": None}
        say(dispatcher, texts.CODE_SENT.format(phone=phone))
        return {"phone": phone, "verification_code": None}

    async def validate_verification_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        phone = tracker.get_slot("phone")
        if not phone:
            return {"verification_code": None}
        code = digits(value)
        if len(code) != 6:
            say(dispatcher, texts.CODE_BAD_FORMAT)
            return {"verification_code": None}
        client = backend()
        try:
            result = await client.check_code(phone, code)
            customer = await client.customer(result["customer_id"])
        except (BackendError, BackendUnavailable) as error:
            say(dispatcher, await self._code_trouble(error, phone, tracker.sender_id))
            return {"verification_code": None}
        say(dispatcher, texts.VERIFIED.format(name=customer.get("name", "")))
        # The code itself is not kept in the tracker's slots.
        return {"verification_code": "******", **proven(customer, slots.VIA_CODE, phone)}

    @staticmethod
    async def _code_trouble(error: Exception, phone: str, sender_id: str) -> str:
        """What a refused code is told: the same for every phone, registered or not."""
        if not isinstance(error, BackendError):
            return backend_trouble(error)
        if error.code in ("code_invalid", "customer_not_found"):
            return texts.CODE_INVALID
        if error.code == "code_expired":
            try:
                await backend().send_code(phone, requester=sender_id)
            except BackendError as again:
                if again.code == "rate_limited":
                    return throttled(again)
                if again.code != "customer_not_found":
                    return texts.ERRORS["code_expired"]
            except BackendUnavailable:
                return texts.ERRORS["code_expired"]
            return texts.CODE_EXPIRED.format(phone=phone)
        if error.code == "rate_limited":
            return throttled(error)
        return backend_trouble(error)


def throttled(error: BackendError) -> str:
    """「请 N 分钟后再试」 from the backend's retry_after (seconds), rounded up to whole minutes."""
    try:
        seconds = float(error.details.get("retry_after") or 60)
    except (TypeError, ValueError):
        seconds = 60.0
    if not math.isfinite(seconds):
        seconds = 60.0
    return texts.CODE_THROTTLED.format(minutes=max(1, math.ceil(seconds / 60)))


def backend_trouble(error: Exception, special: Optional[Dict[str, str]] = None) -> str:
    """What to tell the customer when the backend refused (its error code) or was not there."""
    if isinstance(error, BackendError):
        if error.code == "rate_limited":
            return throttled(error)
        return (special or {}).get(error.code) or texts.ERRORS.get(error.code, texts.UNKNOWN_ERROR)
    return texts.BACKEND_DOWN


class AskPhone(Action):
    def name(self) -> Text:
        return "action_ask_phone"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        from actions.errands import ERRAND_INTENTS  # the errands import this module

        # the errand message itself gets the explanation; a retry gets the short form
        first = tracker.latest_message.get("intent", {}).get("name") in ERRAND_INTENTS
        say(dispatcher, texts.ASK_PHONE if first else texts.ASK_PHONE_AGAIN)
        return []


class AskVerificationCode(Action):
    def name(self) -> Text:
        return "action_ask_verification_code"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        say(dispatcher, texts.ASK_CODE)
        return []
