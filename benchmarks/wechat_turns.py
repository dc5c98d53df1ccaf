"""WeChat connector latency: webhook answer time and time until the reply arrives.

Everything real on loopback except WeChat itself: a fake WeChat (tests/wechat)
signs and encrypts the pushes and receives the customer-service messages. The
shop backend, the action server and `rasa run` (newest model, WeChat channel in
customer_service mode) are started here.

    python -m benchmarks.wechat_turns [--conversations 6] [--turns 10]

Prints p50/p95 of (a) the webhook's answer to WeChat (must stay far below 5 s)
and (b) the time from the push until the first customer-service message arrives.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devtools.rasa_server import latest_model
from devtools.stats import percentile
from tests.services import running_actions, running_backend
from tests.wechat.conftest import new_fake, serve_rasa_with_wechat

MESSAGES = ["你好", "请问你们支持七天无理由退货吗", "会员有什么权益", "谢谢", "发票怎么开"]


def conversation(fake, webhook: str, number: int, turns: int):
    openid = f"oBench{number}{uuid.uuid4().hex[:10]}"
    answers, replies, failed = [], [], 0
    for turn in range(turns):
        before = len(fake.sends_to(openid))
        started = time.perf_counter()
        result = fake.push(webhook, fake.text_xml(openid, MESSAGES[(number + turn) % len(MESSAGES)]), safe=True)
        answered = result.answered
        if answered is None or answered.status != 200 or len(result.deliveries) != 1:
            failed += 1
            continue
        answers.append(answered.seconds)
        try:
            fake.wait_for_sends(openid, before + 1, timeout=60)
        except AssertionError:
            failed += 1
            continue
        replies.append(time.perf_counter() - started)
        time.sleep(0.5)  # let the rest of the turn's messages arrive before the next one
    return answers, replies, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=6)
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        with (
            running_backend(state / "backend") as backend,
            running_actions(backend, state / "actions") as actions,
            new_fake(timeout_s=5.0) as fake,
            serve_rasa_with_wechat(
                latest_model(), actions, state, fake, reply_timeout_s=5.0, passive_budget_s=4.5
            ) as url,
        ):
            webhook = f"{url}/webhooks/wechat/webhook"
            fake.push(webhook, fake.text_xml("oWarmUp", "你好"))  # first turn loads lazily
            fake.wait_for_sends("oWarmUp", 1, timeout=120)
            with ThreadPoolExecutor(args.conversations) as pool:
                results = list(
                    pool.map(lambda n: conversation(fake, webhook, n, args.turns), range(args.conversations))
                )
    answers = [s for a, _, _ in results for s in a]
    replies = [s for _, r, _ in results for s in r]
    failed = sum(f for _, _, f in results)
    print(f"{args.conversations} concurrent WeChat customers x {args.turns} turns, safe mode")
    if answers:
        print(
            f"webhook answer to WeChat:     p50 {percentile(answers, 0.50) * 1000:7.1f} ms   "
            f"p95 {percentile(answers, 0.95) * 1000:7.1f} ms   max {max(answers) * 1000:7.1f} ms"
        )
    if replies:
        print(
            f"first customer-service reply: p50 {percentile(replies, 0.50) * 1000:7.1f} ms   "
            f"p95 {percentile(replies, 0.95) * 1000:7.1f} ms   max {max(replies) * 1000:7.1f} ms"
        )
    print(f"failed turns: {failed}")


if __name__ == "__main__":
    main()
