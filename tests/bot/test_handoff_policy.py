"""The handoff policy (bot/policies/handoff_policy.py) with the thresholds of config.yml.

Every threshold is exercised just below and just above its value, read from
config.yml (the one home of the thresholds), on trackers built from real Rasa
events and the project's own domain.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    ConversationResumed,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from bot.policies.handoff_policy import HandoffPolicy, read_rating
from devtools.rasa_server import ROOT

CONFIG = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
POLICY_CONFIG = next(p for p in CONFIG["policies"] if p["name"].endswith("HandoffPolicy"))
FALLBACK_CONFIG = next(c for c in CONFIG["pipeline"] if c["name"] == "FallbackClassifier")
EPS = 0.001


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def policy(tmp_path) -> HandoffPolicy:
    config = {**HandoffPolicy.get_default_config(), **{k: v for k, v in POLICY_CONFIG.items() if k != "name"}}
    return HandoffPolicy.create(
        config, LocalModelStorage(tmp_path), Resource("handoff"), ExecutionContext(GraphSchema({}), "test")
    )


def said(
    text: str,
    intent: str = "order_status",
    confidence: float = 0.95,
    negativity: float = 0.05,
    entities: Optional[List[Dict[str, Any]]] = None,
    ranking: Optional[List[str]] = None,
) -> List:
    """A customer turn as Rasa records it: action_listen, then the parsed message."""
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "intent_ranking": [{"name": name, "confidence": 0.3} for name in (ranking or [intent])],
        "sentiment": {"label": "negative" if negativity >= 0.5 else "neutral", "score": negativity},
    }
    return [ActionExecuted(ACTION_LISTEN_NAME), UserUttered(text, parse["intent"], parse["entities"], parse)]


def tracker_of(domain: Domain, *turns, slots: Optional[Dict[str, Any]] = None) -> DialogueStateTracker:
    events: List = [SlotSet(name, value) for name, value in (slots or {}).items()]
    for turn in turns:
        events += turn if isinstance(turn, list) else [turn]
    return DialogueStateTracker.from_events("test", events, slots=domain.slots)


def predicted(policy: HandoffPolicy, tracker: DialogueStateTracker, domain: Domain):
    """(action name or None when the policy abstains, the prediction)."""
    prediction = policy.predict_action_probabilities(tracker, domain)
    best = max(prediction.probabilities)
    if best == 0:
        return None, prediction
    return domain.action_names_or_texts[prediction.probabilities.index(best)], prediction


def trigger_of(prediction) -> Dict[str, Any]:
    return next(e.value for e in prediction.optional_events if isinstance(e, SlotSet) and e.key == "handoff_trigger")


# ---------------------------------------------------------------------- upset customers
def test_one_message_just_below_the_single_threshold_is_not_handed_off(policy, domain):
    below = POLICY_CONFIG["upset_single_threshold"] - EPS
    action, _ = predicted(policy, tracker_of(domain, said("怎么还没到", negativity=below)), domain)
    assert action is None


def test_one_message_at_or_just_above_the_single_threshold_is_handed_off(policy, domain):
    above = POLICY_CONFIG["upset_single_threshold"] + EPS
    action, prediction = predicted(policy, tracker_of(domain, said("到底什么时候到！！！", negativity=above)), domain)
    assert action == "action_handoff"
    trigger = trigger_of(prediction)
    assert trigger["reason"] == "upset" and trigger["reading"]["sentiment"] == pytest.approx(above, abs=1e-3)
    assert trigger["upset"] is True and trigger["priority"] == 1


def test_the_mean_of_the_window_just_below_its_threshold_is_not_handed_off(policy, domain):
    window, mean = POLICY_CONFIG["upset_window"], POLICY_CONFIG["upset_mean_threshold"]
    turns = [said(f"第{i}次问了", negativity=mean - EPS) for i in range(window)]
    assert predicted(policy, tracker_of(domain, *turns), domain)[0] is None


def test_the_mean_of_the_window_just_above_its_threshold_is_handed_off(policy, domain):
    window, mean = POLICY_CONFIG["upset_window"], POLICY_CONFIG["upset_mean_threshold"]
    assert mean + EPS < POLICY_CONFIG["upset_single_threshold"], "each message alone stays below the single trigger"
    turns = [said(f"第{i}次问了", negativity=mean + EPS) for i in range(window)]
    action, prediction = predicted(policy, tracker_of(domain, *turns), domain)
    assert action == "action_handoff"
    assert trigger_of(prediction)["reading"]["sentiment_mean"] == pytest.approx(mean + EPS, abs=1e-3)


def test_fewer_messages_than_the_window_never_make_a_mean(policy, domain):
    window, mean = POLICY_CONFIG["upset_window"], POLICY_CONFIG["upset_mean_threshold"]
    turns = [said("还没到", negativity=mean + 0.1) for _ in range(window - 1)]
    assert predicted(policy, tracker_of(domain, *turns), domain)[0] is None


def test_anger_a_human_already_dealt_with_does_not_count_again(policy, domain):
    window, mean = POLICY_CONFIG["upset_window"], POLICY_CONFIG["upset_mean_threshold"]
    angry = [said("气死了", negativity=0.99)] + [said("还没好", negativity=mean + 0.1) for _ in range(window - 1)]
    back = [
        ActionExecuted("action_handoff"),
        ConversationPaused(),
        ConversationResumed(),
        ActionExecuted(ACTION_LISTEN_NAME),
    ]
    tracker = tracker_of(domain, *angry, back, said("好的谢谢", intent="thank", negativity=0.1))
    assert predicted(policy, tracker, domain)[0] is None


# ---------------------------------------------------------------------- low confidence
def test_one_low_confidence_turn_gets_a_clarification(policy, domain):
    assert POLICY_CONFIG["low_confidence_turns"] >= 2
    turns = [
        said(
            "那个东西咋整",
            intent="nlu_fallback",
            confidence=0.3,
            ranking=["nlu_fallback", "logistics_track", "urge_delivery"],
        )
    ]
    action, _ = predicted(policy, tracker_of(domain, *turns), domain)
    assert action == "action_clarify_intent"


def test_low_confidence_turns_in_a_row_from_an_upset_customer_just_below_and_at_the_threshold(policy, domain):
    n = POLICY_CONFIG["low_confidence_turns"]
    upset = POLICY_CONFIG["upset_mean_threshold"] + EPS
    assert upset < POLICY_CONFIG["upset_single_threshold"] and n < POLICY_CONFIG["upset_window"]
    unclear = [said(f"嗯那个{i}", intent="nlu_fallback", confidence=0.3, negativity=upset) for i in range(n)]
    assert predicted(policy, tracker_of(domain, *unclear[: n - 1]), domain)[0] == "action_clarify_intent"
    action, prediction = predicted(policy, tracker_of(domain, *unclear), domain)
    assert action == "action_handoff"
    assert trigger_of(prediction)["reason"] == "low_confidence"
    assert trigger_of(prediction)["reading"]["turns_in_a_row"] == n
    assert trigger_of(prediction)["reading"]["sounds_upset"] is True


def test_low_confidence_turns_from_a_customer_just_below_the_upset_mean_take_the_calm_count(policy, domain):
    n, n_calm = POLICY_CONFIG["low_confidence_turns"], POLICY_CONFIG["low_confidence_turns_calm"]
    assert n_calm > n
    calm = POLICY_CONFIG["upset_mean_threshold"] - EPS
    unclear = [said(f"好的 那个{i}", intent="nlu_fallback", confidence=0.3, negativity=calm) for i in range(n_calm)]
    for shorter in range(n, n_calm):
        assert predicted(policy, tracker_of(domain, *unclear[:shorter]), domain)[0] == "action_clarify_intent"
    action, prediction = predicted(policy, tracker_of(domain, *unclear), domain)
    assert action == "action_handoff"
    assert trigger_of(prediction)["reading"]["turns_in_a_row"] == n_calm
    assert trigger_of(prediction)["reading"]["sounds_upset"] is False


def test_an_understood_message_in_between_starts_the_count_again(policy, domain):
    n = POLICY_CONFIG["low_confidence_turns"]
    turns = (
        [said("嗯那个", intent="nlu_fallback", confidence=0.3) for _ in range(n - 1)]
        + [said("查物流", intent="logistics_track")]
        + [said("呃", intent="nlu_fallback", confidence=0.3)]
    )
    assert predicted(policy, tracker_of(domain, *turns), domain)[0] == "action_clarify_intent"


def test_an_unclear_message_with_an_order_number_is_not_clarified(policy, domain):
    entity = [{"entity": "order_id", "value": "20261101000001", "start": 0, "end": 14}]
    turns = [
        said("20261101000001 咋回事", intent="nlu_fallback", confidence=0.3, entities=entity)
        for _ in range(POLICY_CONFIG["low_confidence_turns"])
    ]
    assert predicted(policy, tracker_of(domain, *turns), domain)[0] is None


def test_a_form_takes_its_own_unclear_answers(policy, domain):
    turns = [said("嗯…", intent="nlu_fallback", confidence=0.3) for _ in range(POLICY_CONFIG["low_confidence_turns"])]
    tracker = tracker_of(domain, ActiveLoop("verify_identity_form"), *turns)
    assert predicted(policy, tracker, domain)[0] is None


@pytest.mark.parametrize(
    "confidence, is_fallback", [(FALLBACK_CONFIG["threshold"] - EPS, True), (FALLBACK_CONFIG["threshold"] + EPS, False)]
)
def test_low_confidence_is_the_fallback_classifiers_threshold_in_config(confidence, is_fallback, tmp_path):
    classifier = FallbackClassifier.create(
        {**FallbackClassifier.get_default_config(), **{k: v for k, v in FALLBACK_CONFIG.items() if k != "name"}},
        LocalModelStorage(tmp_path),
        Resource("fallback"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    message = Message(
        data={
            "text": "那个",
            "intent": {"name": "logistics_track", "confidence": confidence},
            "intent_ranking": [
                {"name": "logistics_track", "confidence": confidence},
                {"name": "urge_delivery", "confidence": 0.05},
            ],
        }
    )
    [message] = classifier.process([message])
    assert (message.data["intent"]["name"] == "nlu_fallback") is is_fallback


# ---------------------------------------------------------------------- asked for, complaints
@pytest.mark.parametrize("intent", ["request_human", "complain"])
def test_asking_for_a_human_or_complaining_is_handed_off_with_the_reason(policy, domain, intent):
    action, prediction = predicted(policy, tracker_of(domain, said("转人工", intent=intent, confidence=0.97)), domain)
    assert action == "action_handoff"
    assert trigger_of(prediction)["reason"] == intent
    assert trigger_of(prediction)["reading"]["confidence"] == pytest.approx(0.97)


def test_it_outranks_the_rules(policy):
    assert policy.priority > 6  # RulePolicy's priority


# ---------------------------------------------------------------------- failed errands
def errand_done(failures: int, outcome: str = "failed") -> List:
    return [
        ActionExecuted("action_do_errand"),
        SlotSet("errand_outcome", outcome),
        SlotSet("errand_failures", float(failures)),
    ]


def test_failed_errands_just_below_and_at_the_threshold(policy, domain):
    n = POLICY_CONFIG["errand_failures"]
    below = tracker_of(domain, said("取消订单", intent="cancel_order"), errand_done(n - 1))
    assert predicted(policy, below, domain)[0] is None
    at = tracker_of(domain, said("取消订单", intent="cancel_order"), errand_done(n))
    action, prediction = predicted(policy, at, domain)
    assert action == "action_handoff"
    assert trigger_of(prediction)["reason"] == "errand_failed"
    assert trigger_of(prediction)["reading"]["failed_errands"] == n


def test_a_backend_that_is_down_is_handed_off_at_once(policy, domain):
    tracker = tracker_of(domain, said("我的快递呢", intent="logistics_track"), errand_done(1, "backend_down"))
    action, prediction = predicted(policy, tracker, domain)
    assert action == "action_handoff" and trigger_of(prediction)["reason"] == "backend_down"


def test_after_its_own_actions_it_listens(policy, domain):
    for own in ("action_handoff", "action_clarify_intent", "action_record_satisfaction"):
        tracker = tracker_of(domain, said("转人工", intent="request_human"), ActionExecuted(own))
        assert predicted(policy, tracker, domain)[0] == ACTION_LISTEN_NAME


# ---------------------------------------------------------------------- priority
@pytest.mark.parametrize(
    "level, negativity, priority",
    [("普通", 0.1, 0), ("金卡", 0.1, 1), ("钻石", 0.1, 1), ("普通", 0.7, 1), ("金卡", 0.7, 2)],
)
def test_vip_levels_and_upset_customers_go_first(policy, domain, level, negativity, priority):
    tracker = tracker_of(
        domain, said("转人工", intent="request_human", negativity=negativity), slots={"customer_level": level}
    )
    assert trigger_of(predicted(policy, tracker, domain)[1])["priority"] == priority


# ---------------------------------------------------------------------- survey, tickets
def test_a_rating_answers_the_survey(policy, domain):
    tracker = tracker_of(domain, said("5", intent="inform"), slots={"satisfaction_handoff_id": "12"})
    action, prediction = predicted(policy, tracker, domain)
    assert action == "action_record_satisfaction"
    assert [(e.key, e.value) for e in prediction.optional_events] == [("satisfaction_rating", 5)]


def test_a_new_request_instead_of_a_rating_closes_the_survey_and_is_served(policy, domain):
    tracker = tracker_of(
        domain, said("帮我查下物流", intent="logistics_track"), slots={"satisfaction_handoff_id": "12"}
    )
    action, prediction = predicted(policy, tracker, domain)
    assert action is None
    assert [(e.key, e.value) for e in prediction.events] == [("satisfaction_handoff_id", None)]


def test_the_message_after_a_ticket_goes_onto_the_ticket(policy, domain):
    tracker = tracker_of(
        domain, said("我的快递三天没动了", intent="logistics_track"), slots={"ticket_awaiting_message": "7"}
    )
    assert predicted(policy, tracker, domain)[0] == "action_take_ticket_message"


@pytest.mark.parametrize(
    "text, rating",
    [
        ("5", 5),
        ("1", 1),
        ("4分", 4),
        ("3星", 3),
        ("非常满意", 5),
        ("满意", 4),
        ("一般", 3),
        ("不满意", 2),
        ("非常不满意", 1),
        ("很差", 1),
        ("6", None),
        ("0", None),
        ("12", None),
        ("", None),
        ("订单20261101000001怎么还没发货", None),
        ("我很满意你们的退款速度但是还有个问题想问", None),
    ],
)
def test_reading_a_rating(text, rating):
    assert read_rating(text) == rating


def test_a_served_model_loads_the_policy_with_the_thresholds_of_config_yml(policy, tmp_path):
    """Training persists nothing: loading builds the policy from its configuration alone."""
    loaded = HandoffPolicy.load(
        dict(policy.config), LocalModelStorage(tmp_path), Resource("handoff"), ExecutionContext(GraphSchema({}), "t")
    )
    assert isinstance(loaded, HandoffPolicy)
    assert loaded.config == policy.config
