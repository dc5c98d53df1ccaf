"""The out-of-scope detector, built and persisted the way Rasa's graph does it.

Two kinds of tests: calibration and the decision rules on hand-made vectors
(exact expectations), and near/far messages on the real sentence encoder's
vectors (what the component is for).
"""

from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.oos_detector import OOS, OutOfScopeDetector
from bot.components.sentence_encoder import SentenceEncoderFeaturizer

CONFIG = {"percentile": 10.0, "floor": 0.3, "ceiling": 0.9, "top_k": 1, "min_examples": 3, "out_of_scope_margin": 0.0}


def build(tmp_path, config: Optional[Dict] = None, name: str = "oos_detector") -> OutOfScopeDetector:
    return OutOfScopeDetector.create(
        {**OutOfScopeDetector.get_default_config(), **CONFIG, **(config or {})},
        LocalModelStorage(tmp_path),
        Resource(name),
        ExecutionContext(GraphSchema({}), "test", node_name=name),
    )


def with_vector(text: str, vector, intent: Optional[str] = None) -> Message:
    message = Message(data={TEXT: text, **({"intent": intent} if intent else {})})
    vector = np.asarray(vector, dtype=np.float32).reshape(1, -1)
    message.add_features(Features(vector, FEATURE_TYPE_SENTENCE, TEXT, "encoder"))
    message.add_features(Features(np.zeros_like(vector), FEATURE_TYPE_SEQUENCE, TEXT, "encoder"))
    return message


def predicted(message: Message, intent: str, confidence: float = 0.95, entities: Optional[List] = None) -> Message:
    """The message as DIET (and the entity extractors) left it."""
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}, {"name": "greet", "confidence": 0.01}])
    message.set("entities", entities or [], add_to_output=True)
    return message


def unit(angle_deg: float) -> List[float]:
    """A unit vector in the plane of the first two axes (cosine between two = cos of the angle between)."""
    angle = np.radians(angle_deg)
    return [float(np.cos(angle)), float(np.sin(angle)), 0.0, 0.0]


# Two intents on hand-made vectors: "tight" within ±5°, "spread" over 60° (other axes);
# "inform" exempt; out_of_scope examples around 60°, on the side of "tight" where "far" lies.
TIGHT = [unit(a) for a in (0, 2, 4, 5, -3)]
SPREAD = [[0.0, 0.0, float(np.cos(np.radians(a))), float(np.sin(np.radians(a)))] for a in (0, 15, 30, 45, 60)]
HAND_MADE = TrainingData(
    [with_vector(f"tight {n}", v, "tight") for n, v in enumerate(TIGHT)]
    + [with_vector(f"spread {n}", v, "spread") for n, v in enumerate(SPREAD)]
    + [with_vector(f"inform {n}", unit(90 + n), "inform") for n in range(5)]
    + [with_vector(f"oos {n}", unit(60 + n), "out_of_scope") for n in range(5)]
)


def test_each_intent_gets_its_own_threshold_from_its_leave_one_out_similarities(tmp_path):
    detector = build(tmp_path, {"ceiling": 0.9999})
    detector.train(HAND_MADE)
    thresholds = detector.thresholds
    # Neither exempt intents nor the rejections themselves are compared with.
    assert set(thresholds) == {"tight", "spread"}
    # tight: leave-one-out nearest angles 2°, 1°, 1°, 1°, 3° → 10th percentile of cosines
    expected_tight = np.percentile(np.cos(np.radians([2, 2, 1, 1, 3])), 10)
    assert thresholds["tight"] == pytest.approx(expected_tight, abs=1e-5)
    # spread: every nearest neighbour is 15° away
    assert thresholds["spread"] == pytest.approx(np.cos(np.radians(15)), abs=1e-5)
    assert thresholds["tight"] > thresholds["spread"]


def test_floor_and_ceiling_bound_the_thresholds(tmp_path):
    detector = build(tmp_path, {"floor": 0.98, "ceiling": 0.995})
    detector.train(HAND_MADE)
    assert detector.thresholds["spread"] == pytest.approx(0.98)  # cos 15° ≈ 0.966, raised to the floor
    capped = build(tmp_path, {"floor": 0.1, "ceiling": 0.5}, name="capped")
    capped.train(HAND_MADE)
    assert capped.thresholds == pytest.approx({"tight": 0.5, "spread": 0.5})


def test_near_message_keeps_its_intent_and_far_one_becomes_out_of_scope(tmp_path):
    detector = build(tmp_path)
    detector.train(HAND_MADE)
    near = predicted(with_vector("near", unit(3)), "tight", 0.93)
    far = predicted(with_vector("far", unit(40)), "tight", 0.93)
    detector.process([near, far])

    assert near.get("intent")["name"] == "tight"
    assert near.get(OOS)["rejected"] is False
    assert far.get("intent") == {"name": "out_of_scope", "confidence": 0.93}
    reading = far.get(OOS)
    assert reading["rejected"] is True and reading["intent"] == "tight"
    assert reading["similarity"] == pytest.approx(np.cos(np.radians(35)), abs=1e-3)
    assert reading["threshold"] == pytest.approx(detector.thresholds["tight"], abs=1e-3)
    assert reading["out_of_scope_similarity"] == pytest.approx(np.cos(np.radians(20)), abs=1e-3)
    # DIET's ranking stays under the new intent (without DIET's own out_of_scope entry).
    assert [r["name"] for r in far.get("intent_ranking")] == ["out_of_scope", "tight", "greet"]
    assert OOS in far.as_dict(only_output_properties=True)


def test_a_far_message_nearer_to_its_intent_than_to_out_of_scope_examples_is_kept_unless_configured(tmp_path):
    other_side = unit(-40)  # 37° from "tight", 100° from the out_of_scope examples
    detector = build(tmp_path)
    detector.train(HAND_MADE)
    kept = predicted(with_vector("unusual", other_side), "tight")
    detector.process([kept])
    assert kept.get("intent")["name"] == "tight"
    assert kept.get(OOS)["similarity"] < kept.get(OOS)["threshold"]

    far_is_enough = build(tmp_path, {"out_of_scope_margin": None}, name="far_is_enough")
    far_is_enough.train(HAND_MADE)
    rejected = predicted(with_vector("unusual", other_side), "tight")
    far_is_enough.process([rejected])
    assert rejected.get("intent")["name"] == "out_of_scope"


def test_the_rejected_intent_can_be_nlu_fallback(tmp_path):
    detector = build(tmp_path, {"rejected_intent": "nlu_fallback"})
    detector.train(HAND_MADE)
    far = predicted(with_vector("far", unit(40)), "tight", 0.93)
    far.set("intent_ranking", [*far.get("intent_ranking"), {"name": "out_of_scope", "confidence": 0.001}])
    detector.process([far])
    assert far.get("intent") == {"name": "nlu_fallback", "confidence": 0.93}
    assert [r["name"] for r in far.get("intent_ranking")] == ["nlu_fallback", "tight", "greet", "out_of_scope"]


def test_exempt_intents_entities_and_earlier_rejections_are_kept(tmp_path):
    detector = build(tmp_path)
    detector.train(HAND_MADE)
    far = unit(40)
    exempt = predicted(with_vector("好的", far), "inform")
    with_order = predicted(
        with_vector("20261101000001", far),
        "tight",
        entities=[{"entity": "order_id", "value": "20261101000001", "start": 0, "end": 14}],
    )
    already = predicted(with_vector("嗯", far), "nlu_fallback", 0.4)
    detector.process([exempt, with_order, already])

    assert exempt.get("intent")["name"] == "inform"
    assert with_order.get("intent")["name"] == "tight"
    assert with_order.get(OOS)["similarity"] < with_order.get(OOS)["threshold"]  # far, kept for its entity
    assert already.get("intent")["name"] == "nlu_fallback"
    assert [r["name"] for r in already.get("intent_ranking")] == ["nlu_fallback", "greet"]
    assert not any(m.get(OOS)["rejected"] for m in (exempt, with_order, already))


def test_round_trip_through_model_storage(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("oos_detector")
    context = ExecutionContext(GraphSchema({}), "test", node_name="oos_detector")
    config = {**OutOfScopeDetector.get_default_config(), **CONFIG}
    trained = OutOfScopeDetector.create(config, storage, resource, context)
    trained.train(HAND_MADE)

    loaded = OutOfScopeDetector.load(config, model_storage=storage, resource=resource, execution_context=context)
    assert loaded.thresholds == pytest.approx(trained.thresholds)
    messages = [predicted(with_vector(str(a), unit(a)), "tight") for a in (1, 40, 90)]
    loaded.process(messages)
    assert [m.get(OOS)["rejected"] for m in messages] == [False, True, True]


def test_bad_configuration_is_refused():
    for bad in ({"floor": 0.8, "ceiling": 0.5}, {"percentile": 120}, {"top_k": 0}, {"rejected_intent": "greet"}):
        with pytest.raises(ValueError):
            OutOfScopeDetector.validate_config(bad)


# ---------------------------------------------------------------- the real encoder
SHOP = {
    "logistics_track": "我的快递到哪了 包裹怎么还没到 物流信息一直不更新 帮我查一下物流 我买的东西到哪里了".split(),
    "faq_payment_methods": "可以用微信支付吗 支持哪些付款方式 能用信用卡付款吗 可以货到付款吗 支付宝能付吗".split(),
    "out_of_scope": "今天天气怎么样 帮我订一张去北京的火车票 导航去最近的加油站 给我讲个笑话 查一下航班动态".split(),
}


@pytest.fixture(scope="module")
def encoder(tmp_path_factory) -> SentenceEncoderFeaturizer:
    return SentenceEncoderFeaturizer.create(
        SentenceEncoderFeaturizer.get_default_config(),
        LocalModelStorage(tmp_path_factory.mktemp("encoder")),
        Resource("encoder"),
        ExecutionContext(GraphSchema({}), "test", node_name="sentence_encoder"),
    )


def encoded(encoder: SentenceEncoderFeaturizer, text: str, intent: Optional[str] = None) -> Message:
    message = Message(data={TEXT: text, **({"intent": intent} if intent else {})})
    message.set(TOKENS_NAMES[TEXT], [Token(char, n) for n, char in enumerate(text)])
    encoder.process([message])
    return message


def test_a_train_timetable_read_as_logistics_is_rejected_a_rephrased_parcel_question_is_not(tmp_path, encoder):
    detector = build(tmp_path, OutOfScopeDetector.get_default_config())
    detector.train(TrainingData([encoded(encoder, t, i) for i, texts in SHOP.items() for t in texts]))
    parcel = predicted(encoded(encoder, "我的包裹到哪儿了呀"), "logistics_track")
    train = predicted(encoded(encoder, "明天北京到上海的高铁几点发车"), "logistics_track")
    detector.process([parcel, train])
    assert parcel.get("intent")["name"] == "logistics_track", parcel.get(OOS)
    assert train.get("intent")["name"] == "out_of_scope", train.get(OOS)
