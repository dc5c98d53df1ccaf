"""The handoff package (../shared/DESIGN.md): everything an agent needs to go on
without asking the customer again, built from the Rasa tracker.

Personal data is masked in every text of the package (privacy.mask_text): the agent sees what
the customer said, not their phone, codes, e-mail or street address.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.errands import INTENT_LABELS
from actions.identity import is_fresh
from contract import handoff, messages
from contract import slots as slot_names
from privacy import mask_text

# Slots that describe the errand, handed to the agent (never codes or bookkeeping).
CONTEXT_SLOTS = (
    slot_names.ERRAND,
    slot_names.ORDER_ID,
    "tracking_no",
    "courier",
    "new_address",
    "return_reason",
    "exchange_for",
    "invoice_title",
    "invoice_email",
    "new_phone",
    slot_names.CUSTOMER_ID,
    slot_names.CUSTOMER_NAME,
    slot_names.CUSTOMER_LEVEL,
    slot_names.VERIFIED,
)
TRANSCRIPT_LIMIT = 200  # the latest messages; a longer conversation keeps its end
TOPIC_INTENTS_IGNORED = {
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "inform",
    "chitchat",
    "request_human",
    "complain",
    "nlu_fallback",
    "out_of_scope",
}


def _iso(timestamp: Optional[float]) -> Optional[str]:
    if not timestamp:
        return None
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat()


def transcript(tracker: Tracker) -> List[Dict[str, Any]]:
    turns: List[Dict[str, Any]] = []
    for event in tracker.events:
        kind = event.get("event")
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            turns.append(
                {
                    "role": "customer",
                    "text": mask_text(event.get("text") or ""),
                    "message_id": event.get("message_id"),
                    "at": _iso(event.get("timestamp")),
                    "intent": intent.get("name"),
                    "confidence": _round(intent.get("confidence")),
                    "sentiment": parse.get("sentiment"),
                }
            )
        elif kind == "bot":
            custom = (event.get("data") or {}).get("custom") or {}
            agent = messages.is_agent_message(custom)
            text = event.get("text") or (messages.agent_text(custom) if isinstance(custom, dict) else None)
            if text:
                turns.append(
                    {
                        "role": "agent" if agent else "bot",
                        "text": mask_text(text),
                        "at": _iso(event.get("timestamp")),
                    }
                )
    return turns[-TRANSCRIPT_LIMIT:]


def slots(tracker: Tracker) -> Dict[str, Any]:
    values = {name: tracker.get_slot(name) for name in CONTEXT_SLOTS}
    # verified means a proof that still counts, not a flag that was once set
    values[slot_names.VERIFIED] = customer_verified(tracker)
    values = {name: value for name, value in values.items() if value not in (None, "", [])}
    # Every slot that holds customer text (new_phone, new_address, invoice_email...) is masked.
    return {name: mask_text(value) if isinstance(value, str) else value for name, value in values.items()}


def customer_verified(tracker: Tracker) -> bool:
    """Whether the package may show the customer as verified: a proof within ACTIONS_VERIFICATION_TTL_S."""
    return is_fresh(tracker)


def order_ids(tracker: Tracker) -> List[str]:
    """Every order number the conversation touched, latest first."""
    seen: List[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == slot_names.ORDER_ID and event.get("value"):
            value = str(event["value"])
            if value not in seen:
                seen.append(value)
    return seen


def summary(tracker: Tracker, customer: Dict[str, Any], reason: str, upset: bool, orders: List[Dict[str, Any]]) -> str:
    """A short Chinese summary: who, what they want, which orders, how they feel, why a human."""
    topics: List[str] = []
    for turn in transcript(tracker):
        label = INTENT_LABELS.get(turn.get("intent") or "")
        if turn["role"] == "customer" and turn.get("intent") not in TOPIC_INTENTS_IGNORED and label:
            if label in topics:
                topics.remove(label)
            topics.append(label)
    who = customer.get("name") or "客户"
    if customer.get("level"):
        who += f"（{customer['level']}会员）"
    parts = [f"{who}想{'、'.join(topics[-3:])}" if topics else f"{who}未说明具体业务"]
    if orders:
        parts.append("涉及订单 " + "、".join(o["order_id"] for o in orders[:3]))
    if upset:
        parts.append("情绪激动，请优先安抚")
    parts.append("转人工原因：" + handoff.REASON_LABELS.get(reason, reason))
    return "；".join(parts) + "。"


def _round(value: Any) -> Any:
    return round(float(value), 3) if isinstance(value, (int, float)) else value
