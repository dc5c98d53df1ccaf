"""Latency of a full errand turn with concurrent conversations.

A turn = a customer message in over the REST channel → NLU → policies → the action
server → the shop backend → the reply out. Everything runs for real on loopback:
the shop backend (scripts/backend, temporary SQLite), `rasa run actions`, and
`rasa run` with the newest model. Customers are known to the channel
(a signed identity token for the customer), so every turn is an errand answered from the backend.

    python -m benchmarks.errand_turns [--conversations 8] [--turns 25]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bot import identity_token
from devtools.stats import percentile
from tests.services import rest_headers, running_assistant

# (customer, message, a word the reply must contain)
ERRANDS = [
    ("C0001", "帮我查一下订单20261101000001的状态", "SF1234567890123"),
    ("C0001", "订单20261101000001的快递到哪了", "顺丰"),
    ("C0001", "我现在有多少积分", "2680"),
    ("C0002", "订单20261101000004的退款到哪一步了", "399.00"),
    ("C0003", "我是什么会员等级，有什么权益", "钻石"),
    ("C0001", "订单20261101000003怎么还没发货，帮我催一下", "催"),
]


# the benchmark measures turns, not the per-conversation message limit (bot/rate_limit.py)
UNLIMITED = {"MESSAGE_RATE_LIMIT": "1000000"}


def conversation(url: str, number: int, turns: int):
    session = requests.Session()
    sender = f"bench-{number}-{uuid.uuid4().hex[:6]}"
    timings, wrong = [], 0
    for turn in range(turns):
        customer, message, expected = ERRANDS[(number + turn) % len(ERRANDS)]
        started = time.perf_counter()
        response = session.post(
            f"{url}/webhooks/rest/webhook",
            headers=rest_headers(),
            timeout=60,
            json={
                "sender": sender,
                "message": message,
                "metadata": {"identity_token": identity_token.sign({"shop_customer_id": customer})},
            },
        )
        timings.append(time.perf_counter() - started)
        text = " ".join(r.get("text", "") for r in response.json())
        if response.status_code != 200 or expected not in text:
            wrong += 1
        # a new conversation per customer switch keeps the identity honest
        if ERRANDS[(number + turn + 1) % len(ERRANDS)][0] != customer:
            sender = f"bench-{number}-{uuid.uuid4().hex[:6]}"
    return timings, wrong


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=8, help="concurrent conversations")
    parser.add_argument("--turns", type=int, default=25, help="errand turns per conversation")
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="errand-bench-") as tmp,
        running_assistant(Path(tmp), rasa_env=UNLIMITED) as assistant,
    ):
        url = assistant.rasa_url
        conversation(url, 0, len(ERRANDS))  # warm-up: every code path once
        started = time.perf_counter()
        with ThreadPoolExecutor(args.conversations) as pool:
            results = list(pool.map(lambda n: conversation(url, n, args.turns), range(args.conversations)))
        elapsed = time.perf_counter() - started

    timings = [t for result in results for t in result[0]]
    wrong = sum(result[1] for result in results)
    ms = [t * 1000 for t in timings]
    print(
        f"errand turns: {len(ms)} ({args.conversations} concurrent conversations, "
        f"{args.turns} turns each), {wrong} without the expected answer"
    )
    print(
        f"  p50 {percentile(ms, 0.50):.0f} ms   p95 {percentile(ms, 0.95):.0f} ms   "
        f"mean {statistics.mean(ms):.0f} ms   max {max(ms):.0f} ms"
    )
    print(f"  throughput {len(ms) / elapsed:.1f} turns/s")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
