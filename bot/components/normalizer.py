"""Rasa graph component: canonical Chinese text before tokenisation."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.base import NO_CONTEXT, GraphContext, ProjectComponent
from bot.text_normalization import MAX_INPUT_CHARS, normalize

# Key under which the customer's words, before normalisation, stay in the parse
# result (the normalised form replaces `text`, because every later component
# reads `text`).
ORIGINAL_TEXT = "original_text"
INTENT_PREFIX = "/"
TYPED_SLASH = "／"


# Rasa has no "preprocessor" component type; registered as a tokenizer so that
# the recipe runs it on training data and on every message, before JiebaTokenizer.
@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class ChineseTextNormalizer(ProjectComponent):
    """Traditional → Simplified, full-width → half-width, whitespace, digit groups.

    Must stand first in the pipeline. Entity annotations of training examples
    are moved onto the normalised text, so trainers may write examples in any
    script or width.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "traditional_to_simplified": True,
            # OpenCC conversion profile (t2s: Traditional → Simplified).
            "opencc_config": "t2s",
            # Messages are cut to this many characters for NLU (0: no cut).
            "max_chars": 500,
            # Only this many characters of a message are read at all: the rest is cut
            # before normalising, so a huge message costs no more than this (0: no cut).
            "max_input_chars": MAX_INPUT_CHARS,
        }

    def __init__(self, config: Dict[Text, Any], context: GraphContext = NO_CONTEXT) -> None:
        self._config = self.with_defaults(config)

    def normalize_text(self, text: Optional[Text]):
        return normalize(
            text or "",
            traditional_to_simplified=self._config["traditional_to_simplified"],
            opencc_config=self._config["opencc_config"],
            max_chars=self._config["max_chars"],
            max_input_chars=self._config["max_input_chars"],
        )

    def _normalize_message(self, message: Message, is_training: bool) -> None:
        original = message.get(TEXT)
        if original is None:
            return  # e.g. a story step that holds only an intent
        normalized = self.normalize_text(original)
        if normalized.text == original:
            return
        text = normalized.text
        if not is_training and text.startswith(INTENT_PREFIX) and not original.lstrip().startswith(INTENT_PREFIX):
            # Rasa's RegexMessageHandler reads a leading "/" as an intent payload; one that
            # only folding made (a typed "／restart") is the customer's text, not a payload.
            text = TYPED_SLASH + text[len(INTENT_PREFIX) :]
        message.set(TEXT, text)
        if not is_training:
            # The customer's words as far as they were read (the tracker keeps the whole message).
            limit = self._config["max_input_chars"]
            message.set(ORIGINAL_TEXT, original[:limit] if limit > 0 else original, add_to_output=True)
            return
        entities = []
        for entity in message.get(ENTITIES) or []:
            span = normalized.span(entity["start"], entity["end"])
            if span is None:
                continue
            moved = dict(entity, start=span[0], end=span[1])
            # An annotated value that equals its surface text follows the
            # normalised text; an explicit synonym value stays as written.
            if entity.get("value") == original[entity["start"] : entity["end"]]:
                moved["value"] = normalized.text[span[0] : span[1]]
            entities.append(moved)
        if entities or message.get(ENTITIES):
            message.set(ENTITIES, entities)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize_message(example, is_training=True)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalize_message(message, is_training=False)
        return messages
