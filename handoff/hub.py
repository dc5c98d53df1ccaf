"""Fan-out of events to the connected consoles (WS /ws).

In-process by default. With ``redis_url`` every event goes through one Redis pub/sub
channel and each instance delivers what it receives to its own sockets, so that a
console connected to instance A sees what happened on instance B.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from starlette.websockets import WebSocket

log = logging.getLogger("handoff.hub")


@dataclass(frozen=True)
class Audience:
    """Who receives an event: everyone, or the listed agents (plus supervisors if asked)."""

    everyone: bool = True
    agent_ids: tuple[int, ...] = ()
    supervisors: bool = False

    @classmethod
    def agents(cls, agent_ids: Iterable[Optional[int]], supervisors: bool = True) -> Audience:
        return cls(everyone=False, agent_ids=tuple(a for a in agent_ids if a is not None), supervisors=supervisors)

    def includes(self, agent_id: int, role: str) -> bool:
        return self.everyone or agent_id in self.agent_ids or (self.supervisors and role == "supervisor")


EVERYONE = Audience()


@dataclass(eq=False)
class Connection:
    websocket: WebSocket
    agent_id: int
    role: str


@dataclass
class Hub:
    redis_url: Optional[str] = None
    channel: str = "handoff:events"
    connections: set[Connection] = field(default_factory=set)
    _redis: Any = None
    _listener: Optional[asyncio.Task] = None

    async def start(self) -> None:
        if not self.redis_url:
            return
        import redis.asyncio as redis

        self._redis = redis.from_url(self.redis_url)
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self.channel)  # subscribed before start() returns: no event is missed
        self._listener = asyncio.create_task(self._listen(pubsub))

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except (asyncio.CancelledError, Exception):
                pass
        if self._redis is not None:
            await self._redis.aclose()

    def add(self, connection: Connection) -> None:
        self.connections.add(connection)

    def remove(self, connection: Connection) -> None:
        self.connections.discard(connection)

    async def publish(self, event: dict[str, Any], audience: Audience = EVERYONE) -> None:
        envelope = {
            "event": event,
            "everyone": audience.everyone,
            "agent_ids": list(audience.agent_ids),
            "supervisors": audience.supervisors,
        }
        if self._redis is None:
            await self._deliver(envelope)
            return
        try:
            await self._redis.publish(self.channel, json.dumps(envelope, ensure_ascii=False))
        except Exception as exc:  # consoles also poll; a lost push must not fail the request
            log.warning("Redis publish failed (%s); delivering locally only", type(exc).__name__)
            await self._deliver(envelope)

    async def _listen(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            if message.get("type") != "message":
                continue
            try:
                await self._deliver(json.loads(message["data"]))
            except Exception:
                log.exception("could not deliver an event from Redis")

    async def _deliver(self, envelope: dict[str, Any]) -> None:
        audience = Audience(
            everyone=envelope["everyone"], agent_ids=tuple(envelope["agent_ids"]), supervisors=envelope["supervisors"]
        )
        for connection in list(self.connections):
            if not audience.includes(connection.agent_id, connection.role):
                continue
            try:
                await connection.websocket.send_json(envelope["event"])
            except Exception:  # the socket went away; its handler removes it
                self.remove(connection)
