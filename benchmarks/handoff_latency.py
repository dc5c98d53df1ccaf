"""Handoff latencies, measured end to end on loopback with every service real.

- trigger → console: a web chat customer (socket.io) asks for a human; time until
  the agent console's websocket (/ws) is told that the queue changed;
- customer → console: a customer message while an agent holds the conversation;
  time until the console's websocket carries it;
- agent reply → customer: the agent's reply through the service's API; time until
  the customer's socket.io client receives it.

Everything is started here: shop backend, handoff service, action server, Rasa
(newest model) with the project's channels and the handoff event broker.

The first handoff after the servers start pays for loading models and warming
caches (seconds); `--warmup` rounds run first and are reported apart.

    python -m benchmarks.handoff_latency [--rounds 20] [--warmup 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import httpx
import socketio
import websockets

from devtools.stats import percentile
from tests.services import HANDOFF_DEMO_PASSWORD, running_assistant

WAIT_S = 60


class Customer:
    def __init__(self) -> None:
        self.session_id = ""  # issued by the server with session_confirm
        self.client = socketio.AsyncClient(reconnection=False)
        self.messages: asyncio.Queue[Dict] = asyncio.Queue()
        self.client.on("bot_uttered", self._received)

    async def _received(self, message: Dict) -> None:
        await self.messages.put(message)

    async def connect(self, rasa_url: str) -> None:
        confirmed = asyncio.Event()

        def confirm(session: Dict) -> None:
            self.session_id = session["session_id"]
            confirmed.set()

        self.client.on("session_confirm", confirm)
        await self.client.connect(rasa_url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {})
        await asyncio.wait_for(confirmed.wait(), WAIT_S)

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text})

    async def until(self, predicate) -> Dict:
        while True:
            message = await asyncio.wait_for(self.messages.get(), WAIT_S)
            if predicate(message):
                return message


async def console_event(ws, predicate) -> Dict:
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
        if predicate(event):
            return event


async def measure(rasa_url: str, handoff_url: str, rounds: int, warmup: int) -> Dict[str, List[float]]:
    timings: Dict[str, List[float]] = {"trigger → console": [], "customer → console": [], "agent reply → customer": []}
    async with httpx.AsyncClient(base_url=handoff_url, timeout=30) as agent:
        login = await agent.post("/api/auth/login", json={"username": "wang", "password": HANDOFF_DEMO_PASSWORD})
        login.raise_for_status()
        cookie = "; ".join(f"{name}={value}" for name, value in agent.cookies.items())
        ws_url = handoff_url.replace("http://", "ws://") + "/ws"
        async with websockets.connect(ws_url, extra_headers={"Cookie": cookie}) as ws:  # type: ignore[attr-defined]
            for number in range(warmup + rounds):
                if number == warmup:
                    for name, values in timings.items():
                        if values:
                            print(f"  warm-up {name:24s} {', '.join(f'{v * 1000:.0f}' for v in values)} ms")
                        values.clear()
                print(f"round {number + 1}/{warmup + rounds}", file=sys.stderr, flush=True)
                customer = Customer()
                await customer.connect(rasa_url)
                started = time.perf_counter()
                await customer.say("转人工")
                await console_event(ws, lambda e: e.get("type") == "queue")
                timings["trigger → console"].append(time.perf_counter() - started)
                await customer.until(lambda m: "人工客服" in (m.get("text") or ""))

                rows = (await agent.get("/api/handoffs")).json()
                handoff_id = next(r["id"] for r in rows if r.get("sender_id") == customer.session_id)
                (await agent.post(f"/api/handoffs/{handoff_id}/accept")).raise_for_status()

                started = time.perf_counter()
                await customer.say("我的订单20261101000001还没到")
                await console_event(
                    ws,
                    lambda e, handoff_id=handoff_id: (
                        e.get("type") == "message"
                        and e.get("handoff_id") == handoff_id
                        and (e.get("message") or {}).get("role") == "customer"
                    ),
                )
                timings["customer → console"].append(time.perf_counter() - started)

                started = time.perf_counter()
                (
                    await agent.post(
                        f"/api/handoffs/{handoff_id}/messages", json={"text": "您好，我是小王，马上帮您查"}
                    )
                ).raise_for_status()
                await customer.until(lambda m: m.get("sender") == "agent")
                timings["agent reply → customer"].append(time.perf_counter() - started)

                (
                    await agent.post(f"/api/handoffs/{handoff_id}/close", json={"disposition": "resolved"})
                ).raise_for_status()
                await customer.client.disconnect()
    return timings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="measured handoffs, one after the other")
    parser.add_argument("--warmup", type=int, default=1, help="handoffs first, reported apart")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="handoff-bench-") as tmp,
        running_assistant(Path(tmp), handoff=True) as assistant,
    ):
        assert assistant.handoff_url is not None
        timings = asyncio.run(measure(assistant.rasa_url, assistant.handoff_url, args.rounds, args.warmup))
    print(f"handoff latency over {args.rounds} handoffs (ms):")
    for name, values in timings.items():
        ms = [v * 1000 for v in values]
        print(f"  {name:24s} p50 {statistics.median(ms):7.1f}  p95 {percentile(ms, 0.95):7.1f}  max {max(ms):7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
