"""NLU evaluation report on the held-out test sets.

    python -m evaluation.nlu [--model models/x.tar.gz] [--data evaluation/heldout_nlu.yml --data ...]

(scripts/evaluate trains first, then runs this.) Without --data both held-out sets
are scored: heldout_nlu.yml (written style) and heldout_spoken_nlu.yml (spoken style).

Parses every held-out example with the trained model (the same graph that
`rasa run` serves) and prints, per set, intent accuracy, macro F1, per-intent
precision/recall, the out-of-scope rejection rate, the share of in-scope
messages wrongly rejected, entity precision/recall and the counts of the
confusion pairs that matter to customers (CONFUSION_PAIRS), then one table with
a column per set; saves the figures as JSON and a confusion matrix image per set
under evaluation/reports/ (nlu_report.json for heldout_nlu.yml,
nlu_report_spoken.json for heldout_spoken_nlu.yml).

A message counts as rejected when it is classified `out_of_scope` or
`nlu_fallback` (../shared/INTENTS.md); for accuracy and F1 both count as the
label `out_of_scope`. The out-of-scope detector (bot/components/oos_detector.py)
marks its rejections in the parse: the report counts them and gives the figures
the first stage (DIET and the FallbackClassifier) reached without it.
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

from bot.components.oos_detector import OOS as SECOND_STAGE
from devtools import rasa_server
from devtools.rasa_server import ROOT

REJECTED = {"out_of_scope", "nlu_fallback"}
OUT_OF_SCOPE = "out_of_scope"
DEFAULT_DATA = ROOT / "evaluation" / "heldout_nlu.yml"
DEFAULT_SETS = [DEFAULT_DATA, ROOT / "evaluation" / "heldout_spoken_nlu.yml"]
# Misreadings that cost the customer something (issue 12): every ordered pair within a group is counted.
CONFUSION_PAIRS = [
    ("change_phone", "reset_password", "exchange_goods"),
    ("thank", "complain"),
    ("cancel_order", "return_goods"),
]
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


async def parse_all(model: Path, text_sets: Iterable[List[str]]) -> List[List[dict]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [[await agent.parse_message(text) for text in texts] for texts in text_sets]


def set_name(data: Path) -> str:
    """`heldout_nlu.yml` → "", `heldout_spoken_nlu.yml` → "spoken": the report file suffix and column name."""
    return data.stem.replace("heldout", "").replace("nlu", "").strip("_")


def report_paths(out: Path, data: Path) -> Tuple[Path, Path]:
    suffix = f"_{set_name(data)}" if set_name(data) else ""
    return out / f"nlu_report{suffix}.json", out / f"intent_confusion_matrix{suffix}.png"


def pair_confusions(gold: List[str], predicted: List[str]) -> Dict[str, int]:
    """ "gold → predicted": count, for every ordered pair within each group of CONFUSION_PAIRS."""
    misread = Counter(zip(gold, predicted))
    return {f"{a} → {b}": misread[(a, b)] for group in CONFUSION_PAIRS for a in group for b in group if a != b}


def effective_label(parse: dict) -> str:
    name = parse["intent"]["name"]
    return OUT_OF_SCOPE if name in REJECTED else name


def first_stage_parse(parse: dict) -> dict:
    """The parse as it was before the out-of-scope detector turned it into nlu_fallback."""
    reading = parse.get(SECOND_STAGE) or {}
    if not reading.get("rejected"):
        return parse
    return {**parse, "intent": {"name": reading["intent"], "confidence": parse["intent"]["confidence"]}}


def rejection_rate(parses: List[dict]) -> float | None:
    return sum(p["intent"]["name"] in REJECTED for p in parses) / len(parses) if parses else None


def second_stage_figures(gold: List[str], parses: List[dict]) -> dict:
    """How many rejections came from the second stage, and the figures without it."""
    from sklearn.metrics import accuracy_score

    first = [first_stage_parse(p) for p in parses]
    by_second = [bool((p.get(SECOND_STAGE) or {}).get("rejected")) for p in parses]
    return {
        "rejected_out_of_scope": sum(r for g, r in zip(gold, by_second) if g == OUT_OF_SCOPE),
        "rejected_in_scope": sum(r for g, r in zip(gold, by_second) if g != OUT_OF_SCOPE),
        "first_stage_intent_accuracy": accuracy_score(gold, [effective_label(p) for p in first]),
        "first_stage_out_of_scope_rejection": rejection_rate([p for g, p in zip(gold, first) if g == OUT_OF_SCOPE]),
        "first_stage_in_scope_wrongly_rejected": rejection_rate([p for g, p in zip(gold, first) if g != OUT_OF_SCOPE]),
    }


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
        "confusion_pairs": pair_confusions(gold, predicted),
        "errors": errors,
        "second_stage": second_stage_figures(gold, parses),
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
    second = result.get("second_stage")
    if second:
        print(
            f"second-stage rejections      {second['rejected_out_of_scope']} out-of-scope, "
            f"{second['rejected_in_scope']} in-scope (without it: accuracy "
            f"{second['first_stage_intent_accuracy']:.3f}, out-of-scope rejection "
            f"{optional(second['first_stage_out_of_scope_rejection'])}, in-scope wrongly rejected "
            f"{optional(second['first_stage_in_scope_wrongly_rejected'])})"
        )
    print(f"misclassified                {len(result['errors'])}")
    for pair, count in result["confusion_pairs"].items():
        print(f"  confusion {pair:<40}{count:>4}")
    for error in result["errors"][:40]:
        print(f"  {error['gold']:<20} → {error['predicted']:<20} {error['confidence']:.2f}  {error['text'][:40]}")


def comparison_table(results: Dict[str, dict]) -> str:
    """One row per figure, one column per set (set name → report())."""
    sets = list(results.values())

    def figure(key: str) -> List[str]:
        return ["-" if r[key] is None else f"{r[key]:.3f}" for r in sets]

    rows = [
        ("examples", [str(r["examples"]) for r in sets]),
        ("intent accuracy", figure("intent_accuracy")),
        ("macro F1", figure("macro_f1")),
        ("out-of-scope rejection", figure("out_of_scope_rejection")),
        ("in-scope wrongly rejected", figure("in_scope_wrongly_rejected")),
    ]
    if all("second_stage" in r for r in sets):
        rows += [
            ("rejected by the second stage: oos / in", [second_stage_cell(r["second_stage"]) for r in sets]),
            ("  without it: oos rejection", [first_stage(r, "out_of_scope_rejection") for r in sets]),
            ("  without it: in-scope rejected", [first_stage(r, "in_scope_wrongly_rejected") for r in sets]),
        ]
    for entity in sorted({e for r in sets for e, scores in r["entities"].items() if scores["support"]}):
        rows.append((f"{entity} recall / precision", [entity_cell(r["entities"].get(entity)) for r in sets]))
    for pair in sets[0]["confusion_pairs"]:
        rows.append((f"confusion {pair}", [str(r["confusion_pairs"][pair]) for r in sets]))
    width = max(len(label) for label, _ in rows) + 2
    column = max(16, *(len(name) + 2 for name in results))
    lines = [" " * width + "".join(f"{name:>{column}}" for name in results)]
    lines += [f"{label:<{width}}" + "".join(f"{cell:>{column}}" for cell in cells) for label, cells in rows]
    return "\n".join(lines)


def first_stage(result: dict, figure: str) -> str:
    return optional(result["second_stage"][f"first_stage_{figure}"])


def second_stage_cell(second: dict) -> str:
    return f"{second['rejected_out_of_scope']} / {second['rejected_in_scope']}"


def optional(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def entity_cell(scores) -> str:
    if not scores or not scores["support"]:
        return "-"
    return f"{scores['recall']:.3f} / {scores['precision']:.3f}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="model archive (default: newest in models/)")
    parser.add_argument(
        "--data", type=Path, action="append", help="held-out NLU data (Rasa YAML), repeatable (default: both sets)"
    )
    parser.add_argument("--out", type=Path, default=REPORT_DIR, help="report folder")
    args = parser.parse_args(argv)

    model = args.model or latest_model()
    sets = args.data or DEFAULT_SETS
    examples = [load_examples(data) for data in sets]
    parses = asyncio.run(parse_all(model, [[text for text, _, _ in set_examples] for set_examples in examples]))

    args.out.mkdir(parents=True, exist_ok=True)
    results = {}
    for data, set_examples, set_parses in zip(sets, examples, parses):
        result = report(set_examples, set_parses)
        json_path, matrix_path = report_paths(args.out, data)
        save_confusion_matrix(result["_gold"], result["_predicted"], result["_labels"], matrix_path)
        public = {k: v for k, v in result.items() if not k.startswith("_")}
        json_path.write_text(json.dumps(public, ensure_ascii=False, indent=2), encoding="utf-8")
        print_report(result, model, data)
        print(f"\nreport: {json_path}\nconfusion matrix: {matrix_path}\n")
        results[data.name] = result
    print(comparison_table(results))


if __name__ == "__main__":
    main()
