"""Identity: the step before any account or order errand.

A customer the channel vouches for (a signed identity token in the message
metadata, see bot/identity_token.py) is verified at once by
`action_start_errand` (actions.errand_actions); everyone else goes through
`verify_identity_form`: phone → SMS code → check.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.backend_client import BackendError, BackendUnavailable, backend
from actions.common import checked_phone, digits, latest_metadata, say
from actions.errands import ERRAND_INTENTS
from bot import identity_token

logger = logging.getLogger(__name__)


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
            await backend().send_code(phone)
        except (BackendError, BackendUnavailable) as error:
            special = {"customer_not_found": texts.PHONE_UNKNOWN.format(phone=phone)}
            say(dispatcher, backend_trouble(error, special))
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
            say(dispatcher, await self._code_trouble(error, phone))
            return {"verification_code": None}
        say(dispatcher, texts.VERIFIED.format(name=customer.get("name", "")))
        # The code itself is not kept in the tracker's slots.
        return {
            "verification_code": "******",
            "verified": True,
            "customer_id": customer["id"],
            "customer_name": customer.get("name"),
            "customer_level": customer.get("level"),
        }

    @staticmethod
    async def _code_trouble(error: Exception, phone: str) -> str:
        if not isinstance(error, BackendError):
            return backend_trouble(error)
        if error.code == "code_invalid":
            left = error.details.get("attempts_left")
            return texts.CODE_INVALID.format(left=left) if left is not None else texts.CODE_INVALID_NO_COUNT
        if error.code == "code_expired":
            try:
                await backend().send_code(phone)
            except (BackendError, BackendUnavailable):
                return texts.ERRORS["code_expired"]
            return texts.CODE_EXPIRED.format(phone=phone)
        return backend_trouble(error)


def backend_trouble(error: Exception, special: Optional[Dict[str, str]] = None) -> str:
    """What to tell the customer when the backend refused (its error code) or was not there."""
    if isinstance(error, BackendError):
        return (special or {}).get(error.code) or texts.ERRORS.get(error.code, texts.UNKNOWN_ERROR)
    return texts.BACKEND_DOWN


class AskPhone(Action):
    def name(self) -> Text:
        return "action_ask_phone"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
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
