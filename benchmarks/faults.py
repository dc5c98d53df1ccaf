"""Faults injected into the real processes, with many messages: the scenarios of
tests/faults (tests/faults/harness.py) at benchmark size, one table of what was lost.

    python -m benchmarks.faults [--messages 50] [--errands 10] [--down 30] [--faults a,b,c,d,e]

a  the handoff service killed for --down seconds while a customer writes --messages
   messages to the agent who holds the conversation, then started again;
b  the handoff service killed and restarted while a conversation waits in the queue
   (its messages before, during and after; still queued at the same place);
c  the Rasa server killed and restarted while an agent holds a web chat conversation;
d  the action server restarted in the middle of --errands errands, then the backend slow
   (3 s an answer, SHOP_TEST_DELAY_SECONDS) and down for as many;
e  two handoff requests for one conversation at the same moment, --messages times: two
   POSTs to the service, and two customer messages asking for a person.

For each fault: customer messages (or requests) sent, relayed to the handoff service
(exactly once each; "-" where the bot keeps the conversation), answered by the bot or
held by a person, lost, duplicated, and the time to recover (the faulty process serving
again, or for a and b the service holding every message). Everything is started here
(one Rasa start, one Rasa restart for c); process logs go to $TEST_LOG_DIR (default
var/faults-logs/). Exits 1 when a message was lost or duplicated, got neither an answer
nor a person, or Rasa and the service disagree about who holds a conversation.
Takes about 8 minutes with the defaults on a two-core machine; not run in CI.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import List

from devtools.processes import ROOT

os.environ.setdefault("TEST_LOG_DIR", str(ROOT / "var" / "faults-logs"))

from tests.faults.harness import (  # noqa: E402  (the log folder above comes first)
    Console,
    FaultResult,
    action_server_and_backend,
    concurrent_handoffs,
    handoff_down,
    handoff_restart_queued,
    rasa_restart,
    running_fault_stack,
)

FAULTS = "abcde"
HEADER = ("fault", "sent", "relayed", "answered/held", "lost", "duplicated", "recover s", "agree")


def run(fault: str, stack, messages: int, errands: int, down_s: float) -> List[FaultResult]:
    console = Console(stack)
    if fault == "a":
        return [handoff_down(stack, console, messages, down_s=down_s)]
    if fault == "b":
        return [handoff_restart_queued(stack, console, messages)]
    if fault == "c":
        return [rasa_restart(stack, console, messages)]
    if fault == "d":
        return action_server_and_backend(stack, console, errands)
    return concurrent_handoffs(stack, console, messages)


def row(result: FaultResult) -> List[str]:
    return [
        result.fault,
        str(len(result.sent)),
        str(len(result.relayed)) if result.relays else "-",
        str(result.answered_or_held),
        str(len(result.lost)),
        str(len(result.duplicated)),
        "-" if result.recover_s is None else f"{result.recover_s:.1f}",
        "yes" if not result.disagreements else f"no ({len(result.disagreements)})",
    ]


def table(results: List[FaultResult]) -> str:
    rows = [list(HEADER)] + [row(result) for result in results]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50, help="customer messages per fault (a, b, c, e)")
    parser.add_argument("--errands", type=int, default=10, help="errands per fault of d (each up to ~10 s)")
    parser.add_argument("--down", type=float, default=30, help="seconds the handoff service stays down (a)")
    parser.add_argument("--faults", default=",".join(FAULTS), help="which faults, e.g. a,c (default all)")
    args = parser.parse_args(argv)
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = [f for f in faults if f not in FAULTS]
    if unknown or args.messages < 2 or args.errands < 1:
        parser.error(f"faults are {','.join(FAULTS)}; --messages at least 2, --errands at least 1")
    results: List[FaultResult] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="faults-bench-") as tmp, running_fault_stack(Path(tmp)) as stack:
        print(f"stack up in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        # c last: the Rasa restart is the slowest fault
        for fault in sorted(faults, key=lambda f: (f == "c", f)):
            begun = time.monotonic()
            done = run(fault, stack, args.messages, args.errands, args.down)
            results += done
            print(f"fault {fault}: {time.monotonic() - begun:.0f} s", file=sys.stderr, flush=True)
            stack.all_up()  # a fault that failed half-way leaves nothing down
    print(table(results))
    for result in results:
        if result.outcomes:
            print(f"{result.fault}: " + ", ".join(f"{name} {n}" for name, n in sorted(result.outcomes.items())))
        for what, items in (
            ("lost", result.lost),
            ("duplicated", result.duplicated),
            ("disagree", result.disagreements),
            ("problem", result.problems),
        ):
            if items:
                print(f"{result.fault}: {what}: {'; '.join(items[:5])}{' …' if len(items) > 5 else ''}")
    print(f"total {time.monotonic() - started:.0f} s")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
