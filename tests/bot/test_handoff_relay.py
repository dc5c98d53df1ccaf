"""The event broker that relays to the handoff service (bot/brokers/handoff_relay.py).

It relays only customer messages, and never blocks or raises on a dead service.
"""

from __future__ import annotations

import asyncio
import logging

from bot.brokers.handoff_relay import HandoffRelayBroker
from devtools.rasa_server import free_port


def test_a_dead_handoff_service_loses_the_event_with_one_warning_and_no_error(caplog):
    def warnings():
        return [r.getMessage() for r in caplog.records if r.name == "bot.brokers.handoff_relay"]

    async def run():
        broker = HandoffRelayBroker(f"http://127.0.0.1:{free_port()}", "key", timeout_s=0.5, retries=1)
        broker.publish({"event": "bot", "sender_id": "s1", "text": "not relayed"})
        assert broker._queue is None, "only customer messages cross"
        broker.publish({"event": "user", "sender_id": "s1", "text": "还在吗"})  # returns at once
        for _ in range(200):  # until the worker gave up on it
            if warnings():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # a second warning would come now
        await broker.close()

    with caplog.at_level(logging.WARNING, logger="bot.brokers.handoff_relay"):
        asyncio.run(run())
    assert len(warnings()) == 1 and "s1" in warnings()[0] and "ConnectError" in warnings()[0]
