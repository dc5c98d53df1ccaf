"""NLU evaluation report on the held-out test set.

    python -m evaluation.nlu [--model models/x.tar.gz] [--data evaluation/heldout_nlu.yml]

(scripts/evaluate trains first, then runs this.)

Parses every held-out example with the trained model (the same graph that
`rasa run` serves) and prints intent accuracy, macro F1, per-intent
precision/recall, the out-of-scope rejection rate, the share of in-scope
messages wrongly rejected and entity precision/recall; saves the figures as
JSON and a confusion matrix image under evaluation/reports/.

A message counts as rejected when it is classified `out_of_scope` or
`nlu_fallback` (../shared/INTENTS.md); for accuracy and F1 both count as the
label `out_of_scope`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

from devtools import rasa_server
from devtools.rasa_server import ROOT

REJECTED = {"out_of_scope", "nlu_fallback"}
OUT_OF_SCOPE = "out_of_scope"
DEFAULT_DATA = ROOT / "evaluation" / "heldout_nlu.yml"
REPORT_DIR = ROOT / "evaluation" / "reports"


def canonical_entity_value(entity: str, value: str) -> str:
    """The value a correct extractor must return for an annotated surface form."""
    value = unicodedata.normalize("NFKC", str(value))
    if entity in {"order_id", "phone", "verification_code"}:
        return re.sub(r"\D", "", value)
    if entity == "tracking_no":
        return re.sub(r"\s", "", value).upper()
    return value.strip()


def latest_model() -> Path:
    try:
        return rasa_server.latest_model()
    except RuntimeError as missing:
        raise SystemExit(f"evaluate: {missing}") from None


def load_examples(path: Path) -> List[Tuple[str, str, Set[Tuple[str, str]]]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    examples = []
    for message in data.intent_examples:
        entities = {
            (e["entity"], canonical_entity_value(e["entity"], e["value"])) for e in message.get("entities") or []
        }
        examples.append((message.get("text"), message.get("intent"), entities))
    return examples


async def parse_all(model: Path, texts: Iterable[str]) -> List[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def effective_label(parse: dict) -> str:
    name = parse["intent"]["name"]
    return OUT_OF_SCOPE if name in REJECTED else name


def entity_scores(gold: List[Set], predicted: List[Set]) -> Dict[str, Dict[str, float]]:
    counts: Dict[str, Counter] = defaultdict(Counter)
    for g, p in zip(gold, predicted):
        for item in g & p:
            counts[item[0]]["tp"] += 1
        for item in p - g:
            counts[item[0]]["fp"] += 1
        for item in g - p:
            counts[item[0]]["fn"] += 1
    scores = {}
    for entity, c in sorted(counts.items()):
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        scores[entity] = {
            "precision": precision,
            "recall": recall,
            "support": c["tp"] + c["fn"],
            "predicted": c["tp"] + c["fp"],
        }
    return scores


def save_confusion_matrix(gold: List[str], predicted: List[str], labels: List[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(14, 12))
    ConfusionMatrixDisplay.from_predictions(
        gold, predicted, labels=labels, ax=ax, xticks_rotation="vertical", colorbar=False
    )
    ax.set_title("Intent confusion matrix (held-out set; nlu_fallback counted as out_of_scope)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def report(examples, parses) -> dict:
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    gold = [intent for _, intent, _ in examples]
    predicted = [effective_label(p) for p in parses]
    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    out_of_scope = [p for g, p in zip(gold, parses) if g == OUT_OF_SCOPE]
    in_scope = [p for g, p in zip(gold, parses) if g != OUT_OF_SCOPE]
    predicted_entities = [
        {(e["entity"], canonical_entity_value(e["entity"], e["value"])) for e in p.get("entities", [])} for p in parses
    ]
    errors = [
        {"text": text, "gold": g, "predicted": p["intent"]["name"], "confidence": round(p["intent"]["confidence"], 3)}
        for (text, g, _), p in zip(examples, parses)
        if effective_label(p) != g
    ]
    return {
        "examples": len(examples),
        "intent_accuracy": accuracy_score(gold, predicted),
        "macro_f1": f1_score(gold, predicted, labels=labels, average="macro", zero_division=0),
        "per_intent": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
        "out_of_scope_rejection": (
            sum(p["intent"]["name"] in REJECTED for p in out_of_scope) / len(out_of_scope) if out_of_scope else None
        ),
        "in_scope_wrongly_rejected": (
            sum(p["intent"]["name"] in REJECTED for p in in_scope) / len(in_scope) if in_scope else None
        ),
        "entities": entity_scores([e for _, _, e in examples], predicted_entities),
        "errors": errors,
        "_gold": gold,
        "_predicted": predicted,
        "_labels": labels,
    }


def print_report(result: dict, model: Path, data: Path) -> None:
    print(f"model: {model.name}\ntest set: {data} ({result['examples']} examples, never trained on)")
    print(f"\n{'intent':<22}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>5}")
    for label, s in result["per_intent"].items():
        print(f"{label:<22}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}{s['support']:>5}")
    print(f"\n{'entity':<22}{'precision':>10}{'recall':>8}{'n':>5}")
    for entity, s in result["entities"].items():
        if s["support"]:
            print(f"{entity:<22}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['support']:>5}")
        else:
            print(f"{entity:<22}  not annotated in this test set ({s['predicted']} predicted)")
    print()
    print(f"intent accuracy              {result['intent_accuracy']:.3f}")
    print(f"macro F1                     {result['macro_f1']:.3f}")
    if result["out_of_scope_rejection"] is not None:
        print(f"out-of-scope rejection       {result['out_of_scope_rejection']:.3f}")
    if result["in_scope_wrongly_rejected"] is not None:
        print(f"in-scope wrongly rejected    {result['in_scope_wrongly_rejected']:.3f}")
    print(f"misclassified                {len(result['errors'])}")
    for error in result["errors"][:40]:
        print(f"  {error['gold']:<20} → {error['predicted']:<20} {error['confidence']:.2f}  {error['text'][:40]}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="model archive (default: newest in models/)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="held-out NLU data (Rasa YAML)")
    parser.add_argument("--out", type=Path, default=REPORT_DIR, help="report folder")
    args = parser.parse_args(argv)

    model = args.model or latest_model()
    examples = load_examples(args.data)
    parses = asyncio.run(parse_all(model, [text for text, _, _ in examples]))
    result = report(examples, parses)

    args.out.mkdir(parents=True, exist_ok=True)
    save_confusion_matrix(
        result["_gold"], result["_predicted"], result["_labels"], args.out / "intent_confusion_matrix.png"
    )
    public = {k: v for k, v in result.items() if not k.startswith("_")}
    (args.out / "nlu_report.json").write_text(json.dumps(public, ensure_ascii=False, indent=2), encoding="utf-8")
    print_report(result, model, args.data)
    print(f"\nreport: {args.out / 'nlu_report.json'}\nconfusion matrix: {args.out / 'intent_confusion_matrix.png'}")


if __name__ == "__main__":
    main()
