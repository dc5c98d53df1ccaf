"""Rasa graph component: a second opinion on out-of-scope messages, from meaning.

DIET can be confidently wrong on a message unlike anything it was trained on
when the message shares a word or a shape with a shop errand ("帮我查一下" +
a train timetable reads as logistics_track). This component asks another
question: is the message close, in the sentence encoder's space, to the
training examples of the intent DIET predicted?

At `rasa train` it keeps the normalised sentence vectors
(`SentenceEncoderFeaturizer`'s dense sentence features) of every in-scope
training example, per intent, and calibrates a threshold per intent on the
training data alone: each example's leave-one-out similarity to the rest of
its intent (mean of the `top_k` nearest), the `percentile`-th of those,
clipped to [`floor`, `ceiling`]. It also keeps the vectors of the
`out_of_scope` examples. At parse time a prediction becomes `out_of_scope`
when the message is far from the predicted intent (its similarity, the mean of
the `top_k` nearest examples of that intent, is below the intent's threshold)
and nearer to the out_of_scope examples than to the intent's (by more than
`out_of_scope_margin`; null: being far is enough). The second condition keeps
an unusual but genuine request from being rejected: on the training data
(leave-one-out) it cut the in-scope examples rejected from about 6% to under 1%
while still rejecting most out_of_scope examples.

Why `out_of_scope` (`rejected_intent`) and not `nlu_fallback`: a rejection here
is positive evidence, the message resembles known out-of-scope requests more
than the intent's examples. out_of_scope answers with what the bot can do;
nlu_fallback would offer the wrong errand as a clarification button and, after
two off-topic messages in a row, hand the customer to a human for nothing. The
parse stays honest: the new intent keeps DIET's top confidence, DIET's ranking
follows it unchanged (without its own entry for the rejected intent), and the
`oos` reading names the intent DIET predicted.

Never rejected: intents in `exempt_intents` (inform, affirm, deny: their
examples are bare numbers and "好的", too short to have a meaningful
neighbourhood), a message with an entity (an order number or a phone is an
errand, whatever the words around it), a message another stage already
rejected. Every parse gets

    "oos": {"intent": .., "similarity": .., "threshold": .., "out_of_scope_similarity": ..,
            "rejected": bool, "reason": ..}

(similarity and threshold are null where they were not computed).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.base import NO_CONTEXT, GraphContext, ProjectComponent

# The parse result's key (and the evaluation report's).
OOS = "oos"
OUT_OF_SCOPE = "out_of_scope"
REJECTED_INTENTS = {OUT_OF_SCOPE, DEFAULT_NLU_FALLBACK_INTENT_NAME}
ARCHIVE = "oos_detector.npz"

# Why a message kept its intent without a comparison, or why it was rejected.
REASON_FAR = "far from the intent's examples, nearer to out-of-scope ones"
REASON_FAR_ONLY = "far from the intent's examples, not nearer to out-of-scope ones"
REASON_NEAR = "near the intent's examples"
REASON_EXEMPT = "exempt intent"
REASON_ENTITIES = "has entities"
REASON_ALREADY_REJECTED = "already rejected"
REASON_UNKNOWN = "no examples of this intent"
REASON_NO_FEATURES = "no sentence features"


def normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def top_k_mean(similarities: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest values along the last axis (all of them when fewer)."""
    k = min(k, similarities.shape[-1])
    return np.sort(similarities, axis=-1)[..., -k:].mean(axis=-1)


def leave_one_out_similarities(vectors: np.ndarray, k: int) -> np.ndarray:
    """Each example's similarity to the rest of its intent (mean of its k nearest others)."""
    similarities = vectors @ vectors.T
    np.fill_diagonal(similarities, -np.inf)
    k = min(k, len(vectors) - 1)
    return np.sort(similarities, axis=-1)[:, -k:].mean(axis=-1)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class OutOfScopeDetector(ProjectComponent):
    """Rejects a prediction whose message is far from the predicted intent's training examples."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Per intent: this percentile of the training examples' leave-one-out
            # similarities is the threshold (so about this share of examples
            # like the training ones would be rejected)...
            "percentile": 10.0,
            # ...clipped to [floor, ceiling]: the floor keeps a spread-out intent
            # from accepting anything, the ceiling keeps a tight one (many
            # near-identical examples) from rejecting every new phrasing.
            "floor": 0.4,
            "ceiling": 0.75,
            # Similarity of a message to an intent = mean of its k nearest examples.
            "top_k": 3,
            # Reject a far message only when its similarity to the out_of_scope
            # examples exceeds its similarity to the intent by more than this
            # (null: being far is enough).
            "out_of_scope_margin": 0.0,
            # Intents whose examples are too short to have a meaningful neighbourhood.
            "exempt_intents": ["inform", "affirm", "deny"],
            # An intent with fewer examples than this is not checked (no calibration).
            "min_examples": 5,
            # What a rejected prediction becomes: out_of_scope or nlu_fallback.
            "rejected_intent": OUT_OF_SCOPE,
            # Dense featurizers to read (graph node names); empty: all of them.
            "featurizers": [],
        }

    def __init__(self, config: Dict[Text, Any], context: GraphContext = NO_CONTEXT) -> None:
        self._config = self.with_defaults(config)
        self._context = context
        self._vectors: Dict[Text, np.ndarray] = {}
        self._thresholds: Dict[Text, float] = {}
        self._out_of_scope = np.zeros((0, 0), dtype=np.float32)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        config = cls.with_defaults(config)
        if not 0 <= float(config["percentile"]) <= 100:
            raise ValueError("OutOfScopeDetector: percentile must be within [0, 100]")
        if not -1 <= float(config["floor"]) <= float(config["ceiling"]) <= 1:
            raise ValueError("OutOfScopeDetector: need -1 ≤ floor ≤ ceiling ≤ 1")
        if config["rejected_intent"] not in REJECTED_INTENTS:
            raise ValueError(f"OutOfScopeDetector: rejected_intent must be one of {sorted(REJECTED_INTENTS)}")
        if int(config["top_k"]) < 1 or int(config["min_examples"]) < 2:
            raise ValueError("OutOfScopeDetector: top_k must be ≥ 1 and min_examples ≥ 2")

    @property
    def thresholds(self) -> Dict[Text, float]:
        return dict(self._thresholds)

    # ------------------------------------------------------------------ training
    def _sentence_vector(self, message: Message) -> Optional[np.ndarray]:
        _, sentence = message.get_dense_features(TEXT, self._config["featurizers"])
        return None if sentence is None else np.asarray(sentence.features).reshape(-1)

    def train(self, training_data: TrainingData) -> Resource:
        by_intent: Dict[Text, List[np.ndarray]] = {}
        out_of_scope: List[np.ndarray] = []
        for example in training_data.intent_examples:
            intent = example.get(INTENT)
            vector = self._sentence_vector(example)
            if vector is None or intent in self._config["exempt_intents"]:
                continue
            if intent in REJECTED_INTENTS:
                out_of_scope.append(vector)
            else:
                by_intent.setdefault(intent, []).append(vector)
        if out_of_scope:
            self._out_of_scope = normalised(np.stack(out_of_scope))
        self._vectors = {
            intent: normalised(np.stack(vectors))
            for intent, vectors in by_intent.items()
            if len(vectors) >= self._config["min_examples"]
        }
        self._thresholds = {intent: self._calibrate(vectors) for intent, vectors in self._vectors.items()}
        self._persist()
        return self._context.resource if self._context.resource else Resource("oos_detector")

    def _calibrate(self, vectors: np.ndarray) -> float:
        similarities = leave_one_out_similarities(vectors, int(self._config["top_k"]))
        low = float(np.percentile(similarities, float(self._config["percentile"])))
        return float(np.clip(low, float(self._config["floor"]), float(self._config["ceiling"])))

    def _persist(self) -> None:
        if self._context.model_storage is None:
            return  # built by hand (tests): nothing to write
        storage, resource = self._context.storage()
        intents = sorted(self._vectors)
        with storage.write_to(resource) as directory:
            np.savez(
                directory / ARCHIVE,
                intents=np.array(intents, dtype=str),
                thresholds=np.array([self._thresholds[i] for i in intents], dtype=np.float32),
                counts=np.array([len(self._vectors[i]) for i in intents], dtype=np.int64),
                vectors=np.concatenate([self._vectors[i] for i in intents]) if intents else np.zeros((0, 0)),
                out_of_scope=self._out_of_scope,
            )

    def restore(self) -> None:
        storage, resource = self._context.storage()
        with storage.read_from(resource) as directory:
            with np.load(directory / ARCHIVE, allow_pickle=False) as archive:
                intents = [str(i) for i in archive["intents"]]
                bounds = np.cumsum([0, *archive["counts"]])
                self._vectors = {
                    intent: archive["vectors"][bounds[n] : bounds[n + 1]] for n, intent in enumerate(intents)
                }
                self._thresholds = {intent: float(t) for intent, t in zip(intents, archive["thresholds"])}
                self._out_of_scope = archive["out_of_scope"]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    # ------------------------------------------------------------------ parsing
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            reading = self._reading(message)
            if reading["rejected"]:
                self._reject(message, self._config["rejected_intent"])
            message.set(OOS, reading, add_to_output=True)
        return messages

    def _reading(self, message: Message) -> Dict[Text, Any]:
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        reading: Dict[Text, Any] = {
            "intent": intent,
            "similarity": None,
            "threshold": None,
            "out_of_scope_similarity": None,
            "rejected": False,
        }
        if intent is None or intent in REJECTED_INTENTS:
            return {**reading, "reason": REASON_ALREADY_REJECTED}
        if intent in self._config["exempt_intents"]:
            return {**reading, "reason": REASON_EXEMPT}
        if intent not in self._vectors:
            return {**reading, "reason": REASON_UNKNOWN}
        vector = self._sentence_vector(message)
        if vector is None:
            return {**reading, "reason": REASON_NO_FEATURES}
        vector = normalised(vector)
        k = int(self._config["top_k"])
        similarity = float(top_k_mean(self._vectors[intent] @ vector, k))
        threshold = self._thresholds[intent]
        reading.update(similarity=round(similarity, 4), threshold=round(threshold, 4))
        if len(self._out_of_scope):
            reading["out_of_scope_similarity"] = round(float(top_k_mean(self._out_of_scope @ vector, k)), 4)
        if message.get(ENTITIES):
            return {**reading, "reason": REASON_ENTITIES}
        if similarity >= threshold:
            return {**reading, "reason": REASON_NEAR}
        margin = self._config["out_of_scope_margin"]
        nearest_rejection = reading["out_of_scope_similarity"]
        if margin is not None and (nearest_rejection is None or nearest_rejection <= similarity + float(margin)):
            return {**reading, "reason": REASON_FAR_ONLY}
        return {**reading, "rejected": True, "reason": REASON_FAR}

    @staticmethod
    def _reject(message: Message, name: Text) -> None:
        """As FallbackClassifier does it: the new intent on top, DIET's ranking below it."""
        confidence = (message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY, 0.0)
        rejected = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
        message.set(INTENT, rejected, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(rejected), *ranking], add_to_output=True)
