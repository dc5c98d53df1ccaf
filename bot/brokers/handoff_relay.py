"""The Rasa event broker that relays customer messages to the handoff service.

Configured in endpoints.yml (`event_broker: type: bot.brokers.handoff_relay.HandoffRelayBroker`,
settings in bot/brokers/relay_settings.py). Rasa publishes every tracker event here, also
while a conversation is paused for a human: the customer's message is still parsed
(intent, sentiment) and this broker hands it to the handoff service
(`POST /api/rasa-events`, handoff/API.md), which shows it to the agent. Only `user`
events cross: the bot's own messages of a handed-off conversation are the service's own
(agent replies, queue updates) and the rest of the transcript travels in the handoff package.

Delivery is at least once, in order per conversation, parallel across conversations:
`publish` (synchronous, on Rasa's event loop) appends the relayed event to a durable
SQLite outbox (bot/brokers/outbox.py) before it returns; a worker (bot/brokers/relay_worker.py)
posts it, one event in flight per conversation, retrying with a capped backoff without
giving up, and deletes it only once the service acknowledged it (2xx) or refused it for
good (a 4xx other than 408/429, logged). A new broker (Rasa started again) resumes the
rows left in the outbox; `close` (Rasa stopping) stops the worker and leaves them there.
The service stores a message_id once per handoff, so a redelivery (an acknowledgement
lost in a restart) is not stored twice: at least once + dedupe = exactly once stored.

The tracker store is the source of truth. Rasa's tracker stores publish a turn's new
events *before* writing them (rasa/core/tracker_store.py: `save` calls `stream_events`
first), and `publish` commits the outbox row before it returns, so every customer message
the tracker holds has been in the outbox first: a crash between the two writes can leave a
relayed message the tracker lacks (the service shows a message Rasa did not keep), never
the reverse. What remains: a full outbox (`outbox_max_rows`) or an unwritable outbox file
refuses new events with an ERROR naming the sender and message_id; those are only in the
tracker store (re-sent by hand or by a catch-up from the tracker). The bound is a choice:
a handoff service away for days must not fill Rasa's disk; refusing the newest keeps every
conversation's earlier messages in order. One Rasa process owns one outbox file (several
Rasa processes need an outbox each, `outbox` or HANDOFF_OUTBOX_PATH).

What crosses is only what the service reads, with the customer's text cut to
RELAYED_TEXT_CHARS and masked by privacy.mask_text (phones, codes, e-mail and
street addresses; lone surrogates become U+FFFD): no entities, metadata (identity
tokens) or slot values leave Rasa this way.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any, Dict, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from privacy import mask_text

from .outbox import Outbox
from .relay_settings import RelaySettings
from .relay_worker import Relay

logger = logging.getLogger(__name__)

RELAYED_EVENTS = ("user",)
# The handoff service keeps 2,000 characters of a message (handoff/schemas.py MAX_TEXT);
# the rest is neither masked nor sent.
RELAYED_TEXT_CHARS = 2_000


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
    def __init__(self, settings: RelaySettings) -> None:
        self.settings = settings
        self.outbox = Outbox(settings.outbox_path)
        self.relay = Relay(settings, self.outbox)  # indexes what a stopped Rasa left

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Optional[asyncio.AbstractEventLoop] = None
    ) -> HandoffRelayBroker:
        broker = cls(RelaySettings.from_endpoint(broker_config.url, broker_config.kwargs or {}))
        broker.relay.start()  # the catch-up of what waits in the outbox
        return broker

    def publish(self, event: Dict[Text, Any]) -> None:
        """Keeps a customer message in the outbox (committed) and returns; never raises."""
        if event.get("event") not in RELAYED_EVENTS:
            return
        sender = str(event.get("sender_id") or "")
        if self.relay.backlog >= self.settings.outbox_max_rows:
            logger.error(
                "handoff relay outbox full (%d events): message %s of %s NOT relayed, only the tracker store has it",
                self.relay.backlog,
                event.get("message_id"),
                sender,
            )
            return
        try:
            row_id = self.outbox.append(sender, relayed(event))
        except (sqlite3.Error, ValueError, TypeError) as error:
            logger.error(
                "handoff relay outbox unwritable (%s): message %s of %s NOT relayed, only the tracker store has it",
                error,
                event.get("message_id"),
                sender,
            )
            return
        self.relay.add(sender, row_id)
        try:
            self.relay.start()  # a broker made outside Rasa's start: delivery begins with its first event
        except RuntimeError:
            pass  # no running loop: the row waits in the outbox for a started broker

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        await self.relay.close()
        self.outbox.close()
