"""Sentiment evaluation report on the held-out set (never trained on).

    python -m evaluation.sentiment [--model models/sentiment] [--data sentiment_data/heldout.tsv]

(scripts/evaluate-sentiment trains the checkpoint first when there is none.)

Prints precision, recall and F1 of "negative", the false-alarm rate on calm
product remarks (category calm_product) and on all messages that are not
negative, accuracy per category, per-message inference latency (p50/p95,
one message at a time on one thread, as the Rasa server runs it) and the size
of the checkpoint on disk; then how P(negative) spreads over calm messages (the
held-out set's neutral and positive messages, and every turn of the calm
conversations in evaluation/heldout_conversations.yml): deciles, buckets of 0.1,
and how many reach the handoff policy's single-message and mean thresholds
(config.yml). Writes evaluation/reports/sentiment_report.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import yaml

from bot.sentiment.data import HELDOUT_FILE, ROOT, load_tsv
from bot.sentiment.model import NEGATIVE, SentimentModel
from bot.sentiment.train import DEFAULT_OUT
from devtools.stats import percentile
from privacy.masking import mask_text

REPORT = ROOT / "evaluation" / "reports" / "sentiment_report.json"
CONVERSATIONS = ROOT / "evaluation" / "heldout_conversations.yml"
DECILES = [i / 10 for i in range(1, 10)]


def handoff_thresholds(config: Path = ROOT / "config.yml") -> Dict[str, float]:
    """The handoff policy's sentiment thresholds, from their one home (config.yml)."""
    policies = yaml.safe_load(config.read_text(encoding="utf-8"))["policies"]
    policy = next(p for p in policies if p["name"].endswith("HandoffPolicy"))
    return {"single": float(policy["upset_single_threshold"]), "mean": float(policy["upset_mean_threshold"])}


def negativity_distribution(scores: Sequence[float], thresholds: Dict[str, float]) -> Dict[str, Any]:
    """Deciles, buckets of 0.1 and the counts at or above each threshold of P(negative) scores."""
    buckets = [0] * 10
    for score in scores:
        buckets[min(int(score * 10), 9)] += 1
    return {
        "messages": len(scores),
        "deciles": {f"p{round(q * 100)}": round(percentile(scores, q), 4) for q in DECILES} if scores else {},
        "max": max(scores) if scores else None,
        "buckets": {f"{i / 10:.1f}-{(i + 1) / 10:.1f}": n for i, n in enumerate(buckets)},
        "at_or_above": {
            f"{name} {value}": sum(score >= value for score in scores) for name, value in thresholds.items()
        },
    }


def score_of(reading: Dict[str, Any]) -> float:
    return float(reading["score"])


def calm_conversation_turns(path: Path = CONVERSATIONS) -> List[str]:
    return [turn for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["calm"] for turn in conversation]


def print_distribution(title: str, distribution: Dict[str, Any]) -> None:
    print(f"\nP(negative) over {title} ({distribution['messages']} messages)")
    print("  deciles  " + "  ".join(f"{k} {v:.3f}" for k, v in distribution["deciles"].items()))
    print("  buckets  " + "  ".join(f"{k}: {v}" for k, v in distribution["buckets"].items()))
    for name, count in distribution["at_or_above"].items():
        print(f"  at or above the {name:<18}{count:>5}  ({count / max(1, distribution['messages']):.3f})")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--data", type=Path, default=HELDOUT_FILE)
    parser.add_argument("--out", type=Path, default=REPORT)
    parser.add_argument("--conversations", type=Path, default=CONVERSATIONS, help="calm conversations to read")
    args = parser.parse_args(argv)

    examples = load_tsv(args.data)
    model = SentimentModel.load(args.model, threads=1)
    model.predict(["预热"])  # first call builds kernels; not a customer's wait
    readings, latencies = [], []
    for example in examples:
        started = time.perf_counter()
        readings.append(model.predict([example.text])[0])
        latencies.append((time.perf_counter() - started) * 1000)

    gold_negative = [e.label == NEGATIVE for e in examples]
    predicted_negative = [r["label"] == NEGATIVE for r in readings]
    tp = sum(g and p for g, p in zip(gold_negative, predicted_negative))
    fp = sum(p and not g for g, p in zip(gold_negative, predicted_negative))
    fn = sum(g and not p for g, p in zip(gold_negative, predicted_negative))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    calm = [p for e, p in zip(examples, predicted_negative) if e.category == "calm_product"]
    not_negative = [p for g, p in zip(gold_negative, predicted_negative) if not g]
    by_category: Dict[Tuple[str, str], List[int]] = defaultdict(lambda: [0, 0])
    for example, reading in zip(examples, readings):
        by_category[(example.label, example.category)][0] += reading["label"] == example.label
        by_category[(example.label, example.category)][1] += 1
    thresholds = handoff_thresholds()
    calm_scores = [score_of(r) for g, r in zip(gold_negative, readings) if not g]
    turns = calm_conversation_turns(args.conversations)
    turn_readings = [model.predict([turn])[0] for turn in turns]
    size_mb = sum(f.stat().st_size for f in args.model.rglob("*") if f.is_file()) / 1e6

    report = {
        "examples": len(examples),
        "negative_precision": precision,
        "negative_recall": recall,
        "negative_f1": f1,
        "calm_product_false_alarm": sum(calm) / len(calm) if calm else None,
        "non_negative_false_alarm": sum(not_negative) / len(not_negative) if not_negative else None,
        "accuracy": sum(r["label"] == e.label for e, r in zip(examples, readings)) / len(examples),
        "latency_ms_p50": statistics.median(latencies),
        "latency_ms_p95": percentile(latencies, 0.95),
        "model_size_mb": size_mb,
        "calm_conversation_turns_false_alarm": (
            sum(r["label"] == NEGATIVE for r in turn_readings) / len(turns) if turns else None
        ),
        "negativity_over_calm_heldout": negativity_distribution(calm_scores, thresholds),
        "negativity_over_calm_conversation_turns": negativity_distribution(
            [score_of(r) for r in turn_readings], thresholds
        ),
        "calm_conversation_turns_at_or_above_the_mean_threshold": [
            {"text": mask_text(t), "score": r["score"], "label": r["label"]}
            for t, r in zip(turns, turn_readings)
            if score_of(r) >= thresholds["mean"]
        ],
        "per_category_accuracy": {f"{label}/{c}": ok / n for (label, c), (ok, n) in sorted(by_category.items())},
        "errors": [
            {"text": e.text, "gold": e.label, "predicted": r["label"], "score": r["score"]}
            for e, r in zip(examples, readings)
            if r["label"] != e.label
        ],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")

    print(f"model: {args.model}  test set: {args.data} ({len(examples)} messages, never trained on)")
    print(f"\n{'label/category':<34}{'accuracy':>9}{'n':>5}")
    for (label, category), (ok, n) in sorted(by_category.items()):
        print(f"{label + '/' + category:<34}{ok / n:>9.3f}{n:>5}")
    print(f"\nnegative precision            {precision:.3f}")
    print(f"negative recall               {recall:.3f}")
    print(f"negative F1                   {f1:.3f}")
    if calm:
        print(f"false alarms, calm product    {sum(calm) / len(calm):.3f}  ({sum(calm)}/{len(calm)})")
    print(f"false alarms, not negative    {report['non_negative_false_alarm']:.3f}")
    if turns:
        print(
            f"false alarms, calm conv. turns {report['calm_conversation_turns_false_alarm']:.3f}"
            f"  ({sum(r['label'] == NEGATIVE for r in turn_readings)}/{len(turns)})"
        )
    print(f"3-way accuracy                {report['accuracy']:.3f}")
    print(f"latency per message           p50 {report['latency_ms_p50']:.1f} ms, p95 {report['latency_ms_p95']:.1f} ms")
    print(f"model on disk                 {size_mb:.1f} MB")
    for error in report["errors"][:25]:
        print(f"  {error['gold']:<9}→ {error['predicted']:<9}{error['score']:.2f}  {error['text'][:40]}")
    print_distribution("the held-out calm messages (neutral, positive)", report["negativity_over_calm_heldout"])
    print_distribution("the calm conversation turns", report["negativity_over_calm_conversation_turns"])
    for item in report["calm_conversation_turns_at_or_above_the_mean_threshold"]:
        print(f"  {item['label']:<9}{item['score']:.2f}  {item['text'][:40]}")
    print(f"\nreport: {args.out}")


if __name__ == "__main__":
    main()
