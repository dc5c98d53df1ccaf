"""Hostile inputs against the real stack: 5xx, crashes and unanswered customer messages.

Starts the shop backend, the handoff service, the action server and `rasa run`
(newest model, the project's channels, WeChat pointed at the fake WeChat of
tests/wechat) on loopback, the way the test suite does, then sends generated
inputs to each channel:

- rest: POST /webhooks/rest/webhook (bodies, types, metadata, texts);
- socketio: the web chat widget's socket.io protocol, and raw engine.io packets;
- wechat: signed (and encrypted) WeChat pushes, forged and malformed ones;
- handoff: the handoff service's API (agent login, replies and notes, the
  service-key endpoints, paths and bodies).

Inputs: huge (to and past the limits), binary, control characters, lone
surrogates, invalid UTF-8, malformed JSON and XML, XML entity bombs, HTML and
script, SQL-looking text, Traditional Chinese, emoji, full-width digits, empty,
wrong types, deep nesting (benchmarks/fuzz_inputs.py). Deterministic: input i of
a channel is made from (seed, channel, i) alone.

    python -m benchmarks.fuzz [--per-channel 10000] [--seed 1] [--channels rest,socketio,wechat,handoff]
    python -m benchmarks.fuzz --seed 1 --channels rest --replay 1234     # that one input again

What counts (per channel):
- 5xx: any answer with status >= 500;
- crash: a process of the stack that died or did not answer /health within
  HEALTH_TIMEOUT_S (checked after each failed request, every HEALTH_EVERY inputs
  and at the end); the channel's run stops there;
- unanswered: a well-formed customer message that got neither a reply nor a clear
  refusal within --reply-timeout seconds. Well-formed means the channel's protocol
  is right and only the text is hostile: REST a JSON object with string `sender`
  and `message` (and the token), socket.io a `user_uttered` with a string
  `message` in a confirmed session, WeChat a correctly signed and encrypted push
  of a text (XML-valid characters, body within WeChat's size), a follow or a
  media message; for the handoff API an agent's reply that was accepted (201).
  A reply is a REST answer with at least one message, a socket.io `bot_uttered`,
  a WeChat customer-service message other than the connector's "系统开小差了"
  apology, the agent reply arriving at the customer's socket. A clear refusal is a
  4xx answer with a body (REST). A silence is excused only when the conversation
  is held by a person (Rasa's tracker is paused) and is counted apart ("held");
- time per input: from sending until the answer, or until the reply for a
  customer message.

Exit status 1 when any 5xx, crash or unanswered message was found.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Optional

from benchmarks.fuzz_channels import MAKERS, HandoffDesk, run_handoff, run_rest, run_socketio, run_wechat
from benchmarks.fuzz_stack import Outcome, Stack, WebChatCustomer, running_stack
from devtools.rasa_server import ROOT
from devtools.stats import percentile

CHANNELS = ("rest", "socketio", "wechat", "handoff")
HEALTH_EVERY = 250
FINDINGS_SHOWN = 5


@dataclasses.dataclass
class Tally:
    channel: str
    outcomes: List[Outcome] = dataclasses.field(default_factory=list)
    crashes: List[str] = dataclasses.field(default_factory=list)
    client_errors: List[Outcome] = dataclasses.field(default_factory=list)  # inputs not sent
    seconds: float = 0.0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    @property
    def failed(self) -> bool:
        return bool(self.crashes) or any(o.server_error or o.unanswered for o in self.outcomes)


def rng_for(seed: int, channel: str, index: int) -> random.Random:
    return random.Random(f"{seed}:{channel}:{index}")


def run_channel(
    stack: Stack, channel: str, indices: List[int], seed: int, concurrency: int, reply_timeout_s: float
) -> Tally:
    tally = Tally(channel)
    desk: Optional[HandoffDesk] = None
    if channel == "handoff":
        desk = HandoffDesk(stack, reply_timeout_s)
        desk.open()
    stop = threading.Event()
    done = [0]
    progress = threading.Lock()

    def one(index: int) -> None:
        if stop.is_set():
            return
        case = MAKERS[channel](rng_for(seed, channel, index))
        try:
            if channel == "rest":
                outcome = run_rest(stack, index, case)
            elif channel == "socketio":
                outcome = run_socketio(stack, index, case, reply_timeout_s)
            elif channel == "wechat":
                outcome = run_wechat(stack, index, case, reply_timeout_s)
            else:
                assert desk is not None
                outcome = run_handoff(stack, desk, index, case)
        except Exception as error:  # our client could not send it: reported apart, never hidden
            outcome = Outcome(index, case["shape"], "", None, 0.0, note=f"client error: {type(error).__name__}")
            with tally.lock:
                tally.client_errors.append(outcome)
            return
        tally.add(outcome)
        with progress:
            done[0] += 1
            count = done[0]
        if outcome.status is None or count % HEALTH_EVERY == 0:
            dead = stack.dead()
            if dead:
                with tally.lock:
                    if not tally.crashes:
                        tally.crashes.extend(f"{name} (after input #{index}, {outcome.shape})" for name in dead)
                stop.set()
        if count % 500 == 0:
            print(f"  {channel}: {count}/{len(indices)}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, indices))
    finally:
        if desk is not None:
            desk.close()
    if not tally.crashes:
        dead = stack.dead()
        tally.crashes.extend(f"{name} (at the end)" for name in dead)
    tally.seconds = time.perf_counter() - started
    return tally


def report(tallies: List[Tally], seed: int, shown: int = FINDINGS_SHOWN) -> str:
    lines = [
        f"hostile inputs, seed {seed}",
        f"{'channel':9s} {'inputs':>7s} {'customer':>8s} {'5xx':>5s} {'crashes':>7s} {'unanswered':>10s} {'held':>5s}"
        f" {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'run s':>7s}",
    ]
    for tally in tallies:
        outcomes = tally.outcomes
        ms = [o.seconds * 1000 for o in outcomes] or [0.0]
        lines.append(
            f"{tally.channel:9s} {len(outcomes):7d} {sum(o.customer_message for o in outcomes):8d}"
            f" {sum(o.server_error for o in outcomes):5d} {len(tally.crashes):7d}"
            f" {sum(o.unanswered for o in outcomes):10d} {sum(o.held for o in outcomes):5d}"
            f" {percentile(ms, 0.5):8.1f} {percentile(ms, 0.95):8.1f} {max(ms):8.1f} {tally.seconds:7.1f}"
        )
    for tally in tallies:
        findings = [o for o in sorted(tally.outcomes, key=lambda o: o.index) if o.server_error or o.unanswered]
        if tally.client_errors:
            lines.append(f"{tally.channel}: {len(tally.client_errors)} inputs could not be sent by the client:")
            lines.extend(f"  {o.finding()}" for o in tally.client_errors[:shown])
        if not findings and not tally.crashes:
            continue
        lines.append(f"{tally.channel}: findings (replay one: --seed {seed} --channels {tally.channel} --replay N)")
        lines.extend(f"  crash: {crash}" for crash in tally.crashes)
        lines.extend(f"  {o.finding()}" for o in findings[:shown])
        if len(findings) > shown:
            lines.append(f"  … and {len(findings) - shown} more (--show N)")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-channel", type=int, default=10_000, help="inputs per channel")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--channels", default=",".join(CHANNELS), help="comma-separated: " + ",".join(CHANNELS))
    parser.add_argument("--concurrency", type=int, default=4, help="inputs in flight per channel")
    parser.add_argument("--reply-timeout", type=float, default=30.0, help="seconds a customer message may wait")
    parser.add_argument("--show", type=int, default=FINDINGS_SHOWN, help="findings printed per channel")
    parser.add_argument("--model", type=Path, help="model archive (default: the newest in models/)")
    parser.add_argument("--replay", type=int, help="send only input N of the channel (a finding's #N)")
    args = parser.parse_args(argv)
    channels = [c.strip() for c in args.channels.split(",") if c.strip()]
    unknown = sorted(set(channels) - set(CHANNELS))
    if unknown:
        parser.error(f"unknown channels: {', '.join(unknown)}")
    # the started processes' logs (the test suite audits its own log folder, not this one)
    os.environ.setdefault("TEST_LOG_DIR", str(ROOT / "var" / "fuzz-logs"))
    sys.setrecursionlimit(20_000)  # the clients write deeply nested inputs
    threading.stack_size(64 * 1024 * 1024)
    indices = [args.replay] if args.replay is not None else list(range(args.per_channel))
    started = time.perf_counter()
    tallies: List[Tally] = []
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        print("starting the stack …", file=sys.stderr, flush=True)
        with running_stack(Path(tmp), args.model) as stack:
            warm = WebChatCustomer(stack.rasa_url, 120)
            if warm.connect():  # the first turn loads the models
                warm.say("你好")
                warm.next_reply()
            warm.close()
            for channel in channels:
                print(f"{channel}: {len(indices)} inputs", file=sys.stderr, flush=True)
                tally = run_channel(stack, channel, indices, args.seed, args.concurrency, args.reply_timeout)
                tallies.append(tally)
                if tally.crashes:
                    break
    print(report(tallies, args.seed, args.show))
    print(f"whole run: {time.perf_counter() - started:.0f} s (stack start included)")
    return 1 if any(t.failed for t in tallies) else 0


if __name__ == "__main__":
    raise SystemExit(main())
