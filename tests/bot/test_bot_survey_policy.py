"""The handoff policy's routing of the bot's own survey and of a ticket's waiting message
(bot/policies/handoff_policy.py), on trackers of real Rasa events and the project's domain."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered

from bot.policies.handoff_policy import HandoffPolicy
from contract import slots
from devtools.rasa_server import ROOT
from tests.bot.test_handoff_policy import POLICY_CONFIG, predicted, said, tracker_of

OPEN = {slots.BOT_SURVEY_OPEN: True, slots.BOT_SURVEY_ASKED: True}


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def policy(tmp_path) -> HandoffPolicy:
    config = {**HandoffPolicy.get_default_config(), **{k: v for k, v in POLICY_CONFIG.items() if k != "name"}}
    return HandoffPolicy.create(
        config, LocalModelStorage(tmp_path), Resource("handoff"), ExecutionContext(GraphSchema({}), "test")
    )


@pytest.mark.parametrize("text, rating", [("5", 5), ("1", 1), ("满意", 4), ("3分", 3)])
def test_a_rating_answers_the_bot_survey(policy, domain, text, rating):
    action, prediction = predicted(policy, tracker_of(domain, said(text, intent="inform"), slots=OPEN), domain)
    assert action == "action_record_bot_satisfaction"
    assert [(e.key, e.value) for e in prediction.optional_events] == [("satisfaction_rating", rating)]


def test_a_new_question_instead_of_a_rating_closes_the_bot_survey_and_is_served(policy, domain):
    tracker = tracker_of(domain, said("退货运费谁出", intent="faq_return_policy"), slots=OPEN)
    action, prediction = predicted(policy, tracker, domain)
    assert action is None, "the rules answer the question"
    assert [(e.key, e.value) for e in prediction.events] == [(slots.BOT_SURVEY_OPEN, False)]


def test_a_digit_without_the_bot_survey_open_is_not_a_rating(policy, domain):
    tracker = tracker_of(domain, said("5", intent="inform"), slots={slots.BOT_SURVEY_ASKED: True})
    assert predicted(policy, tracker, domain)[0] is None


@pytest.mark.parametrize("text, intent", [("谢谢", "thank"), ("好的谢谢你", "thank"), ("拜拜", "goodbye")])
def test_a_bare_thanks_does_not_go_onto_the_ticket_and_ends_the_wait(policy, domain, text, intent):
    tracker = tracker_of(domain, said(text, intent=intent), slots={"ticket_awaiting_message": "GD20261202000001"})
    action, prediction = predicted(policy, tracker, domain)
    assert action is None, "answered as usual"
    assert [(e.key, e.value) for e in prediction.events] == [("ticket_awaiting_message", None)]


def test_a_long_message_read_as_thanks_still_goes_onto_the_ticket(policy, domain):
    text = "谢谢，不过退款到现在还没到账，麻烦再帮我催一下"
    tracker = tracker_of(domain, said(text, intent="thank"), slots={"ticket_awaiting_message": "GD20261202000001"})
    assert predicted(policy, tracker, domain)[0] == "action_take_ticket_message"


def test_asking_about_the_ticket_is_answered_and_the_wait_stays(policy, domain):
    tracker = tracker_of(
        domain, said("我的工单怎么样了", intent="ticket_status"), slots={"ticket_awaiting_message": "GD20261202000001"}
    )
    action, prediction = predicted(policy, tracker, domain)
    assert action is None and prediction.events == []


def test_a_reminder_is_not_the_customers_message_for_the_ticket(policy, domain):
    reminder = UserUttered(None, {"name": "EXTERNAL_bot_survey_silence", "confidence": 1.0})
    tracker = tracker_of(domain, reminder, slots={"ticket_awaiting_message": "GD20261202000001", **OPEN})
    action, prediction = predicted(policy, tracker, domain)
    assert action is None and prediction.events == []


def test_a_rating_for_the_handoff_survey_goes_to_the_handoff_even_with_the_bot_survey_open(policy, domain):
    tracker = tracker_of(domain, said("4", intent="inform"), slots={"satisfaction_handoff_id": "12", **OPEN})
    assert predicted(policy, tracker, domain)[0] == "action_record_satisfaction"
