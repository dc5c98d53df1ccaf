"""Benchmark: training time and /model/parse latency of a real Rasa server.

    python -m benchmarks.parse_latency [--requests 300] [--skip-train]

(scripts/benchmark trains first when there is no model.)

Training time is measured with a forced `rasa train` into a temporary folder
(NLU and dialogue, the full model). Latency is measured over HTTP, one request
at a time, on messages from the held-out set and a few bad inputs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from devtools.rasa_server import ROOT, latest_model, running_rasa
from devtools.stack import rasa_headers
from devtools.stats import percentile
from evaluation.nlu import DEFAULT_DATA, load_examples

BAD_INPUTS = ["", "   ", "😊😊😊", "？？？！！！", "\x00\x01abc", "转人工 please", "好" * 5000]


def time_training() -> tuple[float, Path]:
    out = Path(tempfile.mkdtemp(prefix="bench-train-"))
    started = time.monotonic()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "train",
            "--force",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "nlu_data",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started, next(out.glob("*.tar.gz"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-train", action="store_true", help="only measure latency, on the newest model")
    parser.add_argument("--model", type=Path, default=None, help="measure this archive (implies --skip-train)")
    args = parser.parse_args(argv)

    if args.model or args.skip_train:
        model = args.model or latest_model()
    else:
        seconds, model = time_training()
        print(f"training (forced, NLU + dialogue): {seconds:.1f} s")

    texts = [text for text, _, _ in load_examples(DEFAULT_DATA)] + BAD_INPUTS
    with running_rasa(model) as url, requests.Session() as session:
        for text in texts[:20]:  # warm-up
            session.post(
                f"{url}/model/parse", json={"text": text}, headers=rasa_headers(), timeout=30
            ).raise_for_status()
        latencies = []
        for i in range(args.requests):
            text = texts[i % len(texts)]
            started = time.perf_counter()
            session.post(
                f"{url}/model/parse", json={"text": text}, headers=rasa_headers(), timeout=30
            ).raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)
    print(f"/model/parse over HTTP, {len(latencies)} sequential requests:")
    print(
        f"  p50 {statistics.median(latencies):.1f} ms   p95 {percentile(latencies, 0.95):.1f} ms   "
        f"max {max(latencies):.1f} ms"
    )


if __name__ == "__main__":
    main()
