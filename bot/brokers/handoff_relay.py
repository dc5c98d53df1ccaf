"""The Rasa event broker that relays customer messages to the handoff service.

Configured in endpoints.yml (`event_broker: type: bot.brokers.handoff_relay.HandoffRelayBroker`).
Rasa publishes every tracker event here, also while a conversation is paused
for a human: the customer's message is still parsed (intent, sentiment) and this
broker hands it to the handoff service (`POST /api/rasa-events`, handoff/API.md),
which shows it to the agent. Only `user` events cross: the bot's own messages of
a handed-off conversation are the service's own (agent replies, queue updates)
and the rest of the transcript travels in the handoff package.

`publish` is called synchronously on Rasa's event loop; it only enqueues, and one
worker task posts the events in order, so a slow handoff service never blocks a
customer's turn. A full queue drops the oldest event with a warning.

What crosses is only what the service reads, with the customer's text cut to
RELAYED_TEXT_CHARS and masked by privacy.mask_text (phones, codes, e-mail and
street addresses; lone surrogates become U+FFFD): no entities, metadata (identity
tokens) or slot values leave Rasa this way.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Dict, Optional, Text

import httpx
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from contract.http import SERVICE_KEY_HEADER
from privacy import mask_text

logger = logging.getLogger(__name__)

RELAYED_EVENTS = ("user",)
# The handoff service keeps 2,000 characters of a message (handoff/schemas.py MAX_TEXT);
# the rest is neither masked nor sent.
RELAYED_TEXT_CHARS = 2_000
QUEUE_SIZE = 10_000


def relayed(event: Dict[Text, Any]) -> Dict[Text, Any]:
    """What the handoff service gets of a customer message: its place, its reading and its masked text."""
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    sentiment = parse.get("sentiment")
    return {
        "event": event.get("event"),
        "sender_id": event.get("sender_id"),
        "timestamp": event.get("timestamp"),
        "message_id": event.get("message_id"),
        "input_channel": event.get("input_channel"),
        "text": mask_text(str(event.get("text") or "")[:RELAYED_TEXT_CHARS]),
        "parse_data": {
            "intent": {"name": intent.get("name"), "confidence": intent.get("confidence")},
            "sentiment": sentiment if isinstance(sentiment, dict) else None,
        },
    }


class HandoffRelayBroker(EventBroker):
    def __init__(self, url: Text, service_key: Text, timeout_s: float = 3.0, retries: int = 2) -> None:
        self.url = url.rstrip("/") + "/api/rasa-events"
        self.service_key = service_key
        self.timeout_s = timeout_s
        self.retries = retries
        self._queue: Optional[asyncio.Queue] = None
        self._worker: Optional[asyncio.Task] = None
        self._client: Optional[httpx.AsyncClient] = None

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Optional[asyncio.AbstractEventLoop] = None
    ) -> HandoffRelayBroker:
        settings = broker_config.kwargs or {}
        return cls(
            url=os.environ.get("HANDOFF_URL") or broker_config.url or "http://127.0.0.1:8200",
            service_key=os.environ.get("HANDOFF_SERVICE_KEY") or settings.get("service_key", "dev-service-key"),
            timeout_s=float(settings.get("timeout", 3.0)),
            retries=int(settings.get("retries", 2)),
        )

    def publish(self, event: Dict[Text, Any]) -> None:
        if event.get("event") not in RELAYED_EVENTS:
            return
        if self._queue is None:
            self._queue = asyncio.Queue(maxsize=QUEUE_SIZE)
            self._worker = asyncio.get_event_loop().create_task(self._relay())
        if self._queue.full():
            self._queue.get_nowait()
            logger.warning("handoff relay queue full: dropped the oldest event")
        self._queue.put_nowait(relayed(event))

    async def _relay(self) -> None:
        assert self._queue is not None  # made by the first publish, which starts this worker
        self._client = httpx.AsyncClient(timeout=self.timeout_s, headers={SERVICE_KEY_HEADER: self.service_key})
        while True:
            event = await self._queue.get()
            await self._deliver(self._client, event)

    async def _deliver(self, client: httpx.AsyncClient, event: Dict[Text, Any]) -> None:
        """Posts one event; retries connection errors and 5xx, and says so once when it gives up."""
        problem = ""
        for attempt in range(1 + self.retries):
            if attempt:
                await asyncio.sleep(0.2 * attempt)
            try:
                response = await client.post(self.url, json=event)
            except httpx.HTTPError as error:
                problem = type(error).__name__
                continue
            if response.status_code < 500:
                if response.status_code >= 400:
                    logger.warning("handoff service refused an event: HTTP %s", response.status_code)
                return
            problem = f"HTTP {response.status_code}"
        logger.warning("handoff service unreachable, event of %s not relayed: %s", event.get("sender_id"), problem)

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
        if self._client is not None:
            await self._client.aclose()
