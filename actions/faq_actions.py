"""The FAQ answers: action_answer_faq says the FAQ intent's response (utter_<intent> in
domain.yml, the one place trainers edit the policy texts).

Business hours come from the handoff service, the one home of the setting
(GET /api/service/business-hours: the hours, whether a person is on now, today's
holiday, the next opening); utter_faq_business_hours is the answer when the service
does not answer. An answered FAQ is a conversation the bot served: the silence
reminder of the satisfaction question is set (actions/survey_actions.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Dict, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.common import local_time, say
from actions.handoff_client import HandoffUnavailable, handoff_service
from actions.settings import settings
from actions.survey_actions import silence_reminder

FAQ_INTENTS = ("faq_shipping", "faq_return_policy", "faq_business_hours", "faq_payment_methods")
BUSINESS_HOURS = "faq_business_hours"
WEEK = 7
# HANDOFF_BUSINESS_HOURS as the service answers it: HH:MM-HH:MM (a hyphen or a dash).
HOURS_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})")


class ActionAnswerFaq(Action):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent not in FAQ_INTENTS:
            dispatcher.utter_message(response="utter_default")  # never silence
            return []
        answer = await business_hours_answer() if intent == BUSINESS_HOURS else None
        if answer:
            say(dispatcher, answer)
        else:
            dispatcher.utter_message(response=f"utter_{intent}")
        return silence_reminder(tracker)


async def business_hours_answer(now: Optional[datetime] = None) -> Optional[str]:
    """The hours as the handoff service has them now; None when it does not answer."""
    try:
        info = await handoff_service().business_hours()
    except HandoffUnavailable:
        return None
    return hours_sentence(info, now or datetime.now(UTC))


def hours_sentence(info: Dict[str, Any], now: datetime) -> Optional[str]:
    """The answer from the service's business hours; None when they are not readable."""
    hours = info.get("hours") if isinstance(info, dict) else None
    if not isinstance(hours, str) or not hours.strip():
        return None
    days = days_text(info.get("business_days"))
    hours = readable_hours(hours)
    every_hour_of_every_day = hours == texts.ALL_DAY and days == texts.EVERY_DAY
    span = texts.HOURS_DAYS.format(days=days, hours=hours) if days and not every_hour_of_every_day else hours
    if info.get("open_now"):
        return texts.HOURS_OPEN.format(hours=span)
    opening = opening_text(info.get("next_opening"), now)
    if not opening:
        return None
    today = info.get("today")
    today = today if isinstance(today, dict) else {}
    holiday = today.get("name") if today.get("working") is False else None
    if isinstance(holiday, str) and holiday.strip():
        return texts.HOURS_HOLIDAY.format(holiday=holiday.strip(), next_opening=opening, hours=span)
    return texts.HOURS_CLOSED.format(hours=span, next_opening=opening)


def readable_hours(value: str) -> str:
    """The service's '09:00-22:00' as customers read it, '9:00–22:00' (as utter_faq_business_hours
    writes it); anything else as it is."""
    match = HOURS_SPAN.fullmatch(value.strip())
    if not match:
        return value.strip()
    if match.group(1, 2, 3, 4) == ("00", "00", "24", "00"):
        return texts.ALL_DAY  # the service's "always"
    opening, closing = (f"{int(hour)}:{minute}" for hour, minute in (match.group(1, 2), match.group(3, 4)))
    return f"{opening}–{closing}"


def days_text(days: Any) -> str:
    """ISO weekdays [1..7] → 每天 / 周一至周五 / 周一、周三; '' when not a list of weekdays."""
    if not isinstance(days, list) or not days:
        return ""
    numbers = sorted({d for d in days if isinstance(d, int) and 1 <= d <= WEEK})
    if len(numbers) != len(days):
        return ""
    if len(numbers) == WEEK:
        return texts.EVERY_DAY
    names = [texts.WEEKDAYS[n - 1] for n in numbers]
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return texts.DAYS_RANGE.format(first=names[0], last=names[-1])
    return texts.DAYS_JOINED.join(names)


def opening_text(value: Any, now: datetime) -> str:
    """'2026-12-03T09:00:00+08:00' → 今天 09:00 / 明天 09:00 / 12月5日 09:00 (customer's time)."""
    moment = local_time(value, settings.timezone)
    if moment is None:
        return ""
    today = now.astimezone(moment.tzinfo).date()
    if moment.date() == today:
        day = texts.TODAY
    elif moment.date() == today + timedelta(days=1):
        day = texts.TOMORROW
    else:
        day = f"{moment.month}月{moment.day}日"
    return f"{day} {moment:%H:%M}"
