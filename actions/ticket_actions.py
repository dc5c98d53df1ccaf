"""Where the customer's tickets (工单) stand: action_ticket_status.

The handoff service keeps the tickets (handoff/API.md, "Tickets"); the bot asks it for
the sender's latest ones and tells the newest two: number, status, the deadline in the
customer's time zone while the ticket still needs work, and the agent's latest answer.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.common import local_time, month_day_time, say
from actions.handoff_client import HandoffUnavailable, handoff_service
from actions.settings import settings
from contract import tickets as ticket_states

TICKETS_TOLD = 2  # the newest tickets told in one answer
# A ticket number the customer names (GD + date + sequence; the normaliser made digits half-width).
TICKET_NUMBER = re.compile(r"GD\d{8,}", re.IGNORECASE)
SLOT_TICKET = ticket_states.SLOT_AWAITING_MESSAGE


class ActionTicketStatus(Action):
    """「我的工单怎么样了」: the newest tickets of this conversation's sender."""

    def name(self) -> Text:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        try:
            found = await handoff_service().lookup_tickets(tracker.sender_id)
        except HandoffUnavailable:
            say(dispatcher, texts.TICKETS_UNAVAILABLE)
            return []
        if not found:
            say(dispatcher, texts.TICKETS_NONE)
            return []
        named = _named_first(found, tracker.latest_message.get("text") or "")[:TICKETS_TOLD]
        awaiting = tracker.get_slot(SLOT_TICKET)
        now = datetime.now(UTC)
        lines = [ticket_line(ticket, now, awaiting) for ticket in named]
        if len(lines) == 1:
            say(dispatcher, lines[0])
        else:
            numbered = "\n".join(f"{index}. {line}" for index, line in enumerate(lines, start=1))
            say(dispatcher, texts.TICKETS_LATEST_TWO.format(lines=numbered))
        return []


def ticket_line(ticket: Dict[str, Any], now: datetime, awaiting: Optional[str] = None) -> str:
    """「工单 GD…：处理中，预计12月3日 17:00 前处理完毕」, the agent's answer on the next line."""
    status = str(ticket.get("status") or "")
    number = str(ticket.get("number") or "")
    label = ticket.get("status_label") or ticket_states.STATUS_LABELS.get(status, status)
    detail = ""
    if status in (ticket_states.OPEN, ticket_states.ASSIGNED):
        detail = _deadline(ticket.get("resolve_by"), now)
    line = texts.TICKET_LINE.format(number=number, label=label, detail=detail)
    answer = latest_answer(ticket)
    if answer:
        line += texts.TICKET_ANSWER.format(answer=answer)
    if status == ticket_states.ANSWERED and awaiting and awaiting == number:
        line += texts.TICKET_REPLY_HINT  # the next message goes onto this ticket (the policy routes it)
    return line


def latest_answer(ticket: Dict[str, Any]) -> str:
    """The agent's latest answer (a text, or {"text": ...})."""
    answer = ticket.get("latest_answer")
    if isinstance(answer, dict):
        answer = answer.get("text")
    return answer.strip() if isinstance(answer, str) else ""


def _deadline(value: Any, now: datetime) -> str:
    moment = local_time(value, settings.timezone)
    if moment is None:
        return ""
    when = month_day_time(moment)
    return texts.TICKET_DUE.format(when=when) if moment > now else texts.TICKET_OVERDUE.format(when=when)


def _named_first(found: List[Dict[str, Any]], text: str) -> List[Dict[str, Any]]:
    """The ticket the customer named (if it is theirs) first, then the others newest first."""
    match = TICKET_NUMBER.search(text)
    if not match:
        return found
    number = match.group(0).upper()
    return sorted(found, key=lambda ticket: str(ticket.get("number") or "").upper() != number)
