"""Rasa graph component: the customer's mood on every message.

Adds a top-level key to the parse result (so it is in /model/parse and in the
tracker's parse_data):

    "sentiment": {"label": "negative" | "neutral" | "positive", "score": P(negative)}

The classifier is a Hugging Face checkpoint in `model_dir` (the project's own,
built by `scripts/train-sentiment`, or a user-supplied pretrained Chinese one
fine-tuned with the same labels). At `rasa train` the checkpoint is copied into
the model archive, so a served model carries its own sentiment weights; when
`model_dir` holds none yet, `rasa train` trains it first. Nothing is
downloaded.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.base import NO_CONTEXT, GraphContext, ProjectComponent
from bot.sentiment.model import EMPTY_READING, SentimentModel

logger = logging.getLogger(__name__)

SENTIMENT = "sentiment"
ROOT = Path(__file__).resolve().parents[2]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SentimentAnalyzer(ProjectComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Checkpoint directory, relative to the project root unless absolute.
            "model_dir": "models/sentiment",
            # Longer messages are cut (in tokens) before they are read.
            "max_length": 96,
            # torch threads for one message; the server reads one message at a time.
            "threads": 1,
        }

    def __init__(
        self, config: Dict[Text, Any], context: GraphContext = NO_CONTEXT, model: Optional[SentimentModel] = None
    ) -> None:
        self._config = self.with_defaults(config)
        self._context = context
        self._model = model

    @classmethod
    def _source_dir(cls, config: Dict[Text, Any]) -> Path:
        # Rasa hands fingerprint_addon the config without defaults (and empty for
        # a node restored from its cache), so the defaults are merged here.
        path = Path(cls.with_defaults(config)["model_dir"])
        return path if path.is_absolute() else ROOT / path

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        # A retrained or replaced checkpoint must reach the archive at the next
        # `rasa train` even when the NLU data did not change.
        directory = cls._source_dir(config)
        if not directory.is_dir():
            return None
        digest = hashlib.sha256()
        for file in sorted(p for p in directory.rglob("*") if p.is_file()):
            digest.update(file.name.encode())
            digest.update(str(file.stat().st_size).encode())
            digest.update(str(file.stat().st_mtime_ns).encode())
        return digest.hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        source = self._source_dir(self._config)
        if not (source / "config.json").is_file():
            from bot.sentiment.train import TrainingConfig, train

            logger.info(f"No sentiment checkpoint in {source}: training one (a few minutes).")
            train(source, TrainingConfig(), log=logger.info)
        storage, resource = self._context.storage()
        with storage.write_to(resource) as directory:
            shutil.copytree(source, directory, dirs_exist_ok=True)
        return resource

    def restore(self) -> None:
        storage, resource = self._context.storage()
        with storage.read_from(resource) as directory:
            self._model = SentimentModel.load(Path(directory), self._config["max_length"], self._config["threads"])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            reading = dict(EMPTY_READING)
            if self._model is not None:
                reading = self._model.predict([message.get(TEXT) or ""])[0]
            message.set(SENTIMENT, reading, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # The other components do not learn from the reading: nothing to add.
        return training_data
