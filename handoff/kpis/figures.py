"""Figures from the conversations of the tracker store (pure functions)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Optional, Sequence

from contract import handoff as reasons
from contract import slots

from .tracker import REPEAT_HOURS, Conversation

MAX_DAYS = 92  # the longest range one request may ask for
TOP_HANDOFF_INTENTS = 10
# The figures that come from the tracker store (null when it cannot be read).
TRACKER_KEYS = (
    "conversations",
    "containment",
    "handoff",
    "fallback",
    "clarification",
    "resolution",
    "fcr",
    "intents",
    "handoff_intents",
)


def rate(part: int, whole: int) -> Optional[float]:
    """part / whole rounded to 4 places; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def percentile(values: Sequence[float], p: float) -> Optional[float]:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def in_range(conversation: Conversation, since: datetime, until: datetime, channel: Optional[str]) -> bool:
    return since <= conversation.start < until and (channel is None or conversation.channel == channel)


def tracker_figures(
    convs: Sequence[Conversation], since: datetime, until: datetime, channel: Optional[str]
) -> dict[str, Any]:
    """The figures of the conversations that started in [since, until) (naive UTC) on ``channel``
    (None: all); ``convs`` may hold later ones too (they count as repeat contacts for FCR)."""
    chosen = [c for c in convs if in_range(c, since, until, channel)]
    total = len(chosen)
    handed = [c for c in chosen if c.handed_off]
    messages = sum(len(c.intents) for c in chosen)

    by_reason = Counter(c.handoffs[0][0] for c in handed)
    reason_names = list(reasons.REASONS) + sorted(set(by_reason) - set(reasons.REASONS))

    attempts: dict[str, Counter] = {}
    for conv in chosen:
        for attempt in conv.errands:
            counts = attempts.setdefault(attempt.errand, Counter())
            counts["attempted"] += 1
            counts[attempt.outcome or "abandoned"] += 1
    attempted = sum(c["attempted"] for c in attempts.values())
    completed = sum(c[slots.OUTCOME_DONE] for c in attempts.values())

    intent_counts = Counter(intent or "unknown" for c in chosen for intent in c.intents)
    handoff_intents = Counter(c.handoffs[0][1] or "unknown" for c in handed)
    top = sorted(handoff_intents.items(), key=lambda item: (-item[1], item[0]))[:TOP_HANDOFF_INTENTS]

    return {
        "conversations": total,
        "containment": {
            "contained": total - len(handed),
            "conversations": total,
            "rate": rate(total - len(handed), total),
        },
        "handoff": {
            "handed_off": len(handed),
            "conversations": total,
            "rate": rate(len(handed), total),
            "by_reason": {
                name: {"conversations": by_reason.get(name, 0), "rate": rate(by_reason.get(name, 0), total)}
                for name in reason_names
            },
        },
        "fallback": {
            "fallback_messages": sum(c.fallbacks for c in chosen),
            "customer_messages": messages,
            "rate": rate(sum(c.fallbacks for c in chosen), messages),
        },
        "clarification": {
            "clarifications": sum(c.clarifications for c in chosen),
            "customer_messages": messages,
            "rate": rate(sum(c.clarifications for c in chosen), messages),
        },
        "resolution": {
            "attempted": attempted,
            "completed": completed,
            "rate": rate(completed, attempted),
            "by_errand": {
                errand: {
                    "attempted": counts["attempted"],
                    "completed": counts[slots.OUTCOME_DONE],
                    "failed": counts[slots.OUTCOME_FAILED],
                    "backend_down": counts[slots.OUTCOME_BACKEND_DOWN],
                    "abandoned": counts["abandoned"],
                    "rate": rate(counts[slots.OUTCOME_DONE], counts["attempted"]),
                }
                for errand, counts in sorted(attempts.items())
            },
        },
        "fcr": fcr(convs, chosen),
        "intents": [
            {"intent": name, "messages": n} for name, n in sorted(intent_counts.items(), key=lambda i: (-i[1], i[0]))
        ],
        "handoff_intents": [
            {
                "intent": name,
                "handoffs": n,
                "messages": intent_counts.get(name, 0),
                "rate": rate(n, intent_counts.get(name, 0)),
            }
            for name, n in top
        ],
    }


def fcr(every: Sequence[Conversation], chosen: Sequence[Conversation]) -> dict[str, Any]:
    """Of the chosen conversations with an errand, those that no later conversation of the same
    sender (any channel, in the range or after it) starting within REPEAT_HOURS repeats an errand of."""
    later_by_sender: dict[str, list[Conversation]] = {}
    for conv in every:
        later_by_sender.setdefault(conv.sender_id, []).append(conv)
    with_errand = [c for c in chosen if c.errands]
    repeated = 0
    for conv in with_errand:
        errands = {attempt.errand for attempt in conv.errands}
        horizon = conv.start + timedelta(hours=REPEAT_HOURS)
        if any(
            conv.start < other.start <= horizon and errands & {attempt.errand for attempt in other.errands}
            for other in later_by_sender[conv.sender_id]
        ):
            repeated += 1
    first = len(with_errand) - repeated
    return {
        "conversations": len(with_errand),
        "first_contact": first,
        "repeated": repeated,
        "rate": rate(first, len(with_errand)),
    }
