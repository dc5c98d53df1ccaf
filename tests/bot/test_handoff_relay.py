"""The event broker that relays to the handoff service (bot/brokers/handoff_relay.py).

Against a real HTTP server on loopback (aiohttp, in the test's event loop) that plays
the handoff service: it answers what the test tells it (2xx, 503, 4xx, held requests)
and records what it acknowledged. Only customer messages cross; every one is delivered
at least once and acknowledged once, in order per conversation, several conversations at
a time; the outbox file survives a new broker; a refusal for good is dropped with an error.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from bot.brokers.handoff_relay import HandoffRelayBroker
from bot.brokers.outbox import OutboxInUse
from bot.brokers.relay_settings import RelaySettings
from devtools.rasa_server import free_port

LOGGER = "bot.brokers.handoff_relay"
DEADLINE_S = 20.0


class FakeHandoff:
    """The handoff service's /api/rasa-events on loopback. `answer(body)` gives the status
    (default 200); `hold`, when set, keeps requests open until it is released."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.answer: Callable[[Dict[str, Any]], int] = lambda body: 200
        self.hold: Optional[asyncio.Event] = None
        self.tries: List[Dict[str, Any]] = []
        self.acknowledged: List[Dict[str, Any]] = []
        self.in_flight: Dict[str, int] = {}
        self.most_in_flight = 0
        self.most_per_sender = 0
        self._runner: Optional[web.AppRunner] = None

    async def _event(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender = body["sender_id"]
        self.tries.append(body)
        self.in_flight[sender] = self.in_flight.get(sender, 0) + 1
        self.most_in_flight = max(self.most_in_flight, sum(self.in_flight.values()))
        self.most_per_sender = max(self.most_per_sender, self.in_flight[sender])
        try:
            if self.hold is not None:
                await self.hold.wait()
            status = self.answer(body)
            if 200 <= status < 300:
                self.acknowledged.append(body)
            return web.json_response({"stored": True}, status=status)
        finally:
            self.in_flight[sender] -= 1

    async def start(self) -> FakeHandoff:
        app = web.Application()
        app.router.add_post("/api/rasa-events", self._event)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def texts(self, sender: str) -> List[str]:
        return [body["text"] for body in self.acknowledged if body["sender_id"] == sender]


def settings(url: str, outbox: Path, **overrides: Any) -> RelaySettings:
    values: Dict[str, Any] = dict(
        url=url, service_key="key", timeout_s=2.0, outbox_path=outbox, backoff_initial_s=0.02, backoff_max_s=0.2
    )
    values.update(overrides)
    return RelaySettings(**values)


def message(sender: str, n: int) -> Dict[str, Any]:
    return {"event": "user", "sender_id": sender, "text": f"{sender} 第{n}句", "message_id": f"{sender}-{n}"}


async def until(check: Callable[[], Any], what: str) -> Any:
    deadline = asyncio.get_running_loop().time() + DEADLINE_S
    while asyncio.get_running_loop().time() < deadline:
        value = check()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def rows(outbox: Path) -> int:
    with sqlite3.connect(outbox) as db:
        return db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]


def records(caplog, level: int) -> List[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


def test_only_customer_messages_cross_each_once_in_order_while_the_service_fails_every_third_try(tmp_path):
    async def run():
        service = await FakeHandoff(free_port()).start()
        tries = 0

        def flaky(body):
            nonlocal tries
            tries += 1
            return 503 if tries % 3 == 0 else 200

        service.answer = flaky
        broker = HandoffRelayBroker(settings(service.url, tmp_path / "outbox.db"))
        broker.publish({"event": "bot", "sender_id": "a", "text": "not relayed"})
        broker.publish({"event": "action", "sender_id": "a", "name": "action_listen"})
        for n in range(10):
            for sender in ("a", "b", "c"):
                broker.publish(message(sender, n))
        await until(lambda: broker.relay.backlog == 0, "every event acknowledged")
        await broker.close()
        await service.stop()
        return service

    service = asyncio.run(run())
    for sender in ("a", "b", "c"):
        assert service.texts(sender) == [f"{sender} 第{n}句" for n in range(10)], "each once, in order"
    assert len(service.tries) > len(service.acknowledged) == 30, "some tries failed and were repeated"
    assert service.most_per_sender == 1, "one event in flight per conversation"
    assert rows(tmp_path / "outbox.db") == 0


def test_conversations_are_relayed_in_parallel_up_to_the_concurrency(tmp_path):
    async def run():
        service = await FakeHandoff(free_port()).start()
        service.hold = asyncio.Event()
        broker = HandoffRelayBroker(settings(service.url, tmp_path / "outbox.db", concurrency=3))
        for sender in ("a", "b", "c", "d", "e"):
            broker.publish(message(sender, 0))
            broker.publish(message(sender, 1))
        await until(lambda: sum(service.in_flight.values()) == 3, "three conversations in flight")
        await asyncio.sleep(0.2)  # room for a fourth, which must not come
        held = (sum(service.in_flight.values()), {body["sender_id"] for body in service.tries})
        service.hold.set()
        await until(lambda: broker.relay.backlog == 0, "every event acknowledged")
        await broker.close()
        await service.stop()
        return service, held

    service, (in_flight, first_senders) = asyncio.run(run())
    assert in_flight == 3 and first_senders == {"a", "b", "c"}, "the oldest three conversations first"
    assert service.most_in_flight == 3 and service.most_per_sender == 1
    for sender in ("a", "b", "c", "d", "e"):
        assert service.texts(sender) == [f"{sender} 第0句", f"{sender} 第1句"]


def test_nothing_is_lost_while_the_service_refuses_connections_then_answers_503(tmp_path, caplog):
    async def run():
        port = free_port()
        broker = HandoffRelayBroker(settings(f"http://127.0.0.1:{port}", tmp_path / "outbox.db"))
        for n in range(10):
            broker.publish(message("a", n))
            broker.publish(message("b", n))
        await until(lambda: broker.relay._failures.get("a", 0) >= 4, "several refused connections")
        service = await FakeHandoff(port).start()
        service.answer = lambda body: 503
        await until(lambda: len(service.tries) >= 4, "several 503 answers")
        assert service.acknowledged == [] and broker.relay.backlog == 20 and rows(tmp_path / "outbox.db") == 20
        service.answer = lambda body: 200
        await until(lambda: broker.relay.backlog == 0, "every event acknowledged")
        await broker.close()
        await service.stop()
        return service

    with caplog.at_level(logging.INFO, logger=LOGGER):
        service = asyncio.run(run())
    for sender in ("a", "b"):
        assert service.texts(sender) == [f"{sender} 第{n}句" for n in range(10)]
    unreachable = records(caplog, logging.WARNING)
    assert "ConnectError" in unreachable[0] and "answers again" in unreachable[-1], unreachable
    assert rows(tmp_path / "outbox.db") == 0


def test_a_new_broker_resumes_the_outbox_a_stopped_one_left(tmp_path, caplog):
    outbox = tmp_path / "outbox.db"
    port = free_port()

    async def before_restart():
        broker = HandoffRelayBroker(settings(f"http://127.0.0.1:{port}", outbox))
        for n in range(5):
            broker.publish(message("a", n))
        broker.publish(message("b", 0))
        await until(lambda: broker.relay._failures.get("a"), "a refused connection")
        await broker.close()

    async def after_restart():
        service = await FakeHandoff(port).start()
        section = {"outbox": str(outbox), "backoff_initial": 0.02, "backoff_max": 0.2}
        broker = await HandoffRelayBroker.from_endpoint_config(EndpointConfig(url=service.url, **section))
        await until(lambda: broker.relay.backlog == 0, "the outbox delivered")
        await broker.close()
        await service.stop()
        return service

    asyncio.run(before_restart())
    assert rows(outbox) == 6, "close keeps what was not acknowledged"
    with caplog.at_level(logging.INFO, logger=LOGGER):
        service = asyncio.run(after_restart())
    assert service.texts("a") == [f"a 第{n}句" for n in range(5)] and service.texts("b") == ["b 第0句"]
    assert any("resuming 6 undelivered events" in text for text in records(caplog, logging.INFO))
    assert rows(outbox) == 0


def test_a_refusal_for_good_is_dropped_with_an_error_and_408_429_are_tried_again(tmp_path, caplog):
    async def run():
        service = await FakeHandoff(free_port()).start()
        answered: Dict[str, int] = {}

        def answer(body):
            mid = body["message_id"]
            answered[mid] = answered.get(mid, 0) + 1
            if mid == "a-0":
                return 422
            if mid in ("a-1", "a-2") and answered[mid] == 1:
                return 429 if mid == "a-1" else 408
            return 200

        service.answer = answer
        broker = HandoffRelayBroker(settings(service.url, tmp_path / "outbox.db"))
        for n in range(4):
            broker.publish(message("a", n))
        await until(lambda: broker.relay.backlog == 0, "every event done with")
        await broker.close()
        await service.stop()
        return service, answered

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        service, answered = asyncio.run(run())
    assert service.texts("a") == ["a 第1句", "a 第2句", "a 第3句"]
    assert answered == {"a-0": 1, "a-1": 2, "a-2": 2, "a-3": 1}
    refused = records(caplog, logging.ERROR)
    assert len(refused) == 1 and "a-0" in refused[0] and "422" in refused[0]


def test_a_full_outbox_refuses_new_events_loudly_and_keeps_the_older_ones(tmp_path, caplog):
    async def run():
        port = free_port()
        broker = HandoffRelayBroker(settings(f"http://127.0.0.1:{port}", tmp_path / "outbox.db", outbox_max_rows=3))
        for n in range(5):
            broker.publish(message("a", n))
        assert rows(tmp_path / "outbox.db") == 3
        service = await FakeHandoff(port).start()
        await until(lambda: broker.relay.backlog == 0, "the outbox delivered")
        broker.publish(message("a", 5))  # room again
        await until(lambda: broker.relay.backlog == 0, "the new event delivered")
        await broker.close()
        await service.stop()
        return service

    with caplog.at_level(logging.ERROR, logger=LOGGER):
        service = asyncio.run(run())
    assert service.texts("a") == ["a 第0句", "a 第1句", "a 第2句", "a 第5句"]
    full = records(caplog, logging.ERROR)
    assert len(full) == 2 and "a-3" in full[0] and "a-4" in full[1] and "outbox full" in full[0]


def test_settings_come_from_endpoints_and_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    section = {"outbox": "state/outbox.db", "concurrency": 4, "outbox_max_rows": 10}
    read = RelaySettings.from_endpoint("http://handoff:8200", section, environ={})
    assert read.outbox_path == tmp_path / "state" / "outbox.db", "relative to Rasa's working directory"
    assert (read.concurrency, read.outbox_max_rows, read.events_url) == (4, 10, "http://handoff:8200/api/rasa-events")
    environ = {"HANDOFF_OUTBOX_PATH": "/srv/outbox.db", "HANDOFF_URL": "http://other:1"}
    overridden = RelaySettings.from_endpoint("http://handoff:8200", section, environ=environ)
    assert overridden.outbox_path == Path("/srv/outbox.db") and overridden.url == "http://other:1"
    default = RelaySettings.from_endpoint(None, {}, environ={})
    assert default.outbox_path == tmp_path / "var" / "handoff-outbox.db"
    assert [default.backoff_s(n) for n in (1, 2, 3, 8, 100)] == [0.5, 1.0, 2.0, 30.0, 30.0]


@pytest.mark.parametrize("text", ["\ud800 孤立的代理", "普通"])
def test_publish_never_raises_and_the_sender_may_hold_any_text(tmp_path, text):
    async def run():
        broker = HandoffRelayBroker(settings(f"http://127.0.0.1:{free_port()}", tmp_path / "outbox.db"))
        broker.publish({"event": "user", "sender_id": f"s{text}", "text": text, "message_id": "m"})
        assert broker.relay.backlog == 1
        await broker.close()
        again = HandoffRelayBroker(settings(f"http://127.0.0.1:{free_port()}", tmp_path / "outbox.db"))
        assert list(again.relay._pending) == [f"s{text}"]
        await again.close()

    asyncio.run(run())


def test_a_second_broker_on_the_same_outbox_is_refused_while_the_first_is_open(tmp_path):
    outbox = tmp_path / "outbox.db"

    async def run():
        first = HandoffRelayBroker(settings(f"http://127.0.0.1:{free_port()}", outbox))
        with pytest.raises(OutboxInUse, match="another Rasa process"):
            HandoffRelayBroker(settings(f"http://127.0.0.1:{free_port()}", outbox))
        await first.close()
        second = HandoffRelayBroker(settings(f"http://127.0.0.1:{free_port()}", outbox))  # free again
        await second.close()

    asyncio.run(run())
