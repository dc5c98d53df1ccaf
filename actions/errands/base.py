"""What every errand is made of, and the helpers several errands share.

An errand is a subclass of `Errand` in its own module of this package; the
generic actions (actions/errand_actions.py) read it through the registry
(actions/errands/__init__.py) and never name an errand themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Type

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.backend_client import BackendClient, backend, idempotency_key
from actions.common import items_text, say, short_time, turn_id
from actions.identity import RISK_NORMAL

# A reply: its text and its buttons (or None).
Reply = Tuple[str, Optional[List[Dict[str, str]]]]
# The value of `errand_blocked` when the backend was down while the form checked something.
BLOCKED_BACKEND_DOWN = "backend_down"
CONFIRMED = "confirmed"
# Slots every errand may set while the form runs (cleared when an errand starts or ends).
COMMON_STATE_SLOTS = ("errand_blocked", "order_summary")
# The value of `errand_blocked` when the proof expired while the form ran (texts.ERRORS).
BLOCKED_VERIFICATION_EXPIRED = "verification_expired"


@dataclass
class ErrandContext:
    """What `Errand.do` works with: the tracker, the backend and the errand's idempotency key."""

    tracker: Tracker
    client: BackendClient
    customer_id: str
    order_id: str  # None only for logistics_track by tracking number
    summary: Dict[str, Any]
    key: str

    def slot(self, name: str) -> Any:
        return self.tracker.get_slot(name)

    def key_for(self, errand: str, subject: Optional[str] = None) -> str:
        """The idempotency key of another backend errand in this same turn (or of another subject)."""
        return idempotency_key(self.tracker.sender_id, errand, subject or self.order_id, turn_id(self.tracker))


class Errand:
    """One errand: its intent, what the form asks for, its checks, its confirmation and its backend call.

    Defaults describe an errand that needs nothing and can do nothing (an unknown errand).
    A slot the errand owns is validated by a method `validate_<slot>(value, dispatcher, tracker, domain)`
    on the errand (the errand form finds it by name) and asked by an `action_ask_<slot>` action in its module.
    """

    name: str = ""  # the intent that starts it (domain.yml, rules.yml)
    label: str = ""  # what the intent is called on a clarification button and in the agent's summary
    slots: Tuple[str, ...] = ()  # what the errand form asks for, in order; CONFIRMED last = an explicit yes first
    state_slots: Tuple[str, ...] = ()  # further slots of its own, cleared when an errand starts or ends
    risk: str = RISK_NORMAL  # how fresh the identity proof must be (actions.identity.RISK_*)
    # Words of the backend error explanations (texts.ERRORS).
    action_word: str = "办理"
    shipped_hint: str = ""
    kind_word: str = texts.KIND_WORDS["return"]

    def __init_subclass__(cls, name: str = "", label: str = "", slots: Tuple[str, ...] = (), **kwargs: Any) -> None:
        """An errand declares itself in its class line: `class X(Errand, name=..., label=..., slots=...)`."""
        super().__init_subclass__(**kwargs)
        if name:
            cls.name, cls.label, cls.slots = name, label, tuple(slots)

    @property
    def confirms(self) -> bool:
        return self.slots[-1:] == (CONFIRMED,)

    def start(self, tracker: Tracker) -> Dict[str, Any]:
        """Slots to set when the errand starts (after the previous errand's state is cleared)."""
        return {}

    def required_slots(self, tracker: Tracker) -> List[str]:
        """What the form still has to ask for (validate_errand_form); by default `slots`."""
        return list(self.slots)

    def precheck(self, order: Dict[str, Any]) -> Optional[str]:
        """The backend error code this errand would meet on this order, if any."""
        return None

    async def order_chosen(self, order_id: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> Dict[str, Any]:
        """Further slots once the customer's order is known and passed the precheck."""
        return {}

    async def confirmation(self, tracker: Tracker) -> Optional[str]:
        """The question before an errand that changes something (None: the plain 「确认/不用了」)."""
        return None

    async def do(self, ctx: ErrandContext) -> List[Reply]:
        """Does the errand against the backend; BackendError and BackendUnavailable are the caller's."""
        return [(texts.UNKNOWN_ERROR, None)]


# ---------------------------------------------------------------- shared by several errands
def explain(code: str, errand: Errand, order_id: Optional[str] = None, summary: Optional[Dict[str, Any]] = None) -> str:
    """The Chinese explanation of a backend error code for this errand."""
    summary = summary or {}
    status = summary.get("status_text", "")
    status_part = f"当前状态是「{status}」，" if status else ""
    local = {
        "order_not_modifiable": f"订单 {order_id} {status_part}无法修改地址。",
        "order_not_returnable": f"订单 {order_id} {status_part}暂时不能申请{errand.kind_word}。",
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
        action=errand.action_word,
        hint=errand.shipped_hint,
        kind=errand.kind_word,
    ).strip()


def summarise(order: Dict[str, Any]) -> Dict[str, Any]:
    """What the confirmation and the explanations need of the chosen order (the order_summary slot)."""
    return {
        "id": order.get("id"),
        "status": order.get("status"),
        "status_text": order.get("status_text"),
        "items": items_text(order),
        "total": order.get("total"),
        "expected_ship_by": order.get("expected_ship_by"),
    }


def return_precheck(order: Dict[str, Any]) -> Optional[str]:
    """Returns and exchanges: delivered, not given back already, within 7 days of delivery."""
    status = order.get("status")
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


async def latest_event(order_id: str, customer_id: str) -> str:
    """The newest logistics event as a sentence, or "" before the parcel left."""
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


def free_text(slot: str, value: Any, limit: int) -> Dict[str, Any]:
    """A slot that takes what the customer wrote, cut to `limit`; a button payload is not an answer."""
    text = str(value or "").strip()
    if text.startswith("/"):
        return {slot: None}
    return {slot: text[:limit] or None}


def simple_ask(action_name: str, text: str) -> Type[Action]:
    """An `action_ask_<slot>` that says one sentence."""

    class _Ask(Action):
        def name(self) -> str:
            return action_name

        async def run(self, dispatcher, tracker, domain):
            say(dispatcher, text)
            return []

    _Ask.__name__ = "Ask_" + action_name
    return _Ask
