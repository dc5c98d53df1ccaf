"""Loading and running a sentiment checkpoint.

A checkpoint is a Hugging Face directory (config.json, weights, tokenizer
files) with a sequence-classification head whose labels include "negative".
The project trains its own (bot.sentiment.train); a pretrained Chinese model
fine-tuned elsewhere loads through the same `AutoModel…` calls, as long as its
`id2label` names the classes. Nothing is ever downloaded: loading is local
only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from bot.text_normalization import normalize

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
LABELS = (NEGATIVE, NEUTRAL, POSITIVE)
# The reading for a message with nothing to read (empty, whitespace only).
EMPTY_READING = {"label": NEUTRAL, "score": 0.0}


class CheckpointError(RuntimeError):
    """The directory holds no usable sentiment checkpoint."""


@dataclass
class SentimentModel:
    tokenizer: Any  # a transformers tokenizer
    model: Any  # a transformers sequence classifier
    negative_index: int
    label_names: List[str]
    max_length: int

    @classmethod
    def load(cls, directory: Path, max_length: int = 128, threads: Optional[int] = None) -> SentimentModel:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        directory = Path(directory)
        if not (directory / "config.json").is_file():
            raise CheckpointError(f"no sentiment checkpoint in {directory} (config.json missing)")
        if threads:
            torch.set_num_threads(threads)
        tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(str(directory), local_files_only=True)
        model.eval()
        names = [str(model.config.id2label[i]).lower() for i in range(model.config.num_labels)]
        if NEGATIVE not in names:
            raise CheckpointError(f"checkpoint labels {names} have no '{NEGATIVE}' class")
        # Never feed more tokens than the checkpoint has positions for.
        max_length = min(max_length, getattr(model.config, "max_position_embeddings", max_length))
        return cls(tokenizer, model, names.index(NEGATIVE), names, max_length)

    def predict(self, texts: Sequence[str]) -> List[Dict[str, object]]:
        """One reading per text: {"label": …, "score": P(negative)}."""
        import torch

        cleaned = [normalize(t or "").text for t in texts]
        readings: List[Optional[Dict[str, object]]] = [None if text else dict(EMPTY_READING) for text in cleaned]
        pending = [i for i, r in enumerate(readings) if r is None]
        if pending:
            batch = self.tokenizer(
                [cleaned[i] for i in pending],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
            with torch.inference_mode():
                probabilities = torch.softmax(self.model(**batch).logits, dim=-1)
            for i, row in zip(pending, probabilities.tolist()):
                best = max(range(len(row)), key=row.__getitem__)
                readings[i] = {
                    "label": _public_label(self.label_names[best]),
                    "score": round(float(row[self.negative_index]), 4),
                }
        return readings  # type: ignore[return-value]


def _public_label(name: str) -> str:
    # A user checkpoint may carry extra classes; anything not ours reads as neutral.
    return name if name in LABELS else NEUTRAL
