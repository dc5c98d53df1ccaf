"""Short-lived shared state: dedupe keys, pending choices, passive replies, the access_token.

In-process by default; Redis (`redis_url`) when several Rasa instances serve
the same Official Account, so that a retry landing on another instance is still
recognised and the access_token is fetched once for all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import AsyncContextManager, AsyncIterator, Dict, Optional, Protocol, Tuple, Union


class Store(Protocol):
    """What the connector asks of a store (MemoryStore, RedisStore); values are strings."""

    async def get(self, key: str) -> Optional[str]: ...
    async def set(self, key: str, value: str, ttl_s: float) -> None: ...
    async def add(self, key: str, value: str, ttl_s: float) -> bool: ...
    async def pop(self, key: str) -> Optional[str]: ...
    async def delete(self, key: str) -> None: ...
    async def incr(self, key: str, ttl_s: float) -> int: ...
    def lock(self, name: str, timeout_s: float = 15.0) -> AsyncContextManager[None]: ...
    async def close(self) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._data: Dict[str, Tuple[str, float]] = {}
        self._lock: Optional[asyncio.Lock] = None

    def _live(self, key: str) -> Optional[str]:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= time.monotonic():
            del self._data[key]
            return None
        return item[0]

    def _sweep(self) -> None:
        if len(self._data) > 10_000:
            now = time.monotonic()
            for key in [k for k, (_, expiry) in self._data.items() if expiry <= now]:
                del self._data[key]

    async def get(self, key: str) -> Optional[str]:
        return self._live(key)

    async def set(self, key: str, value: str, ttl_s: float) -> None:
        self._sweep()
        self._data[key] = (value, time.monotonic() + ttl_s)

    async def add(self, key: str, value: str, ttl_s: float) -> bool:
        """Sets the key only if it does not exist; True if this call set it."""
        if self._live(key) is not None:
            return False
        await self.set(key, value, ttl_s)
        return True

    async def pop(self, key: str) -> Optional[str]:
        value = self._live(key)
        self._data.pop(key, None)
        return value

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def incr(self, key: str, ttl_s: float) -> int:
        value = int(self._live(key) or 0) + 1
        expiry = self._data[key][1] if key in self._data else time.monotonic() + ttl_s
        self._data[key] = (str(value), expiry)
        return value

    @contextlib.asynccontextmanager
    async def lock(self, name: str, timeout_s: float = 15.0) -> AsyncIterator[None]:
        # One event loop serves the process, so one asyncio lock is enough.
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            yield

    async def close(self) -> None:
        pass


class RedisStore:
    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as redis  # redis is pinned for Rasa's lock store

        self._redis = redis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self._local: Optional[asyncio.Lock] = None

    def _key(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str) -> Optional[str]:
        return await self._redis.get(self._key(key))

    async def set(self, key: str, value: str, ttl_s: float) -> None:
        await self._redis.set(self._key(key), value, px=max(1, int(ttl_s * 1000)))

    async def add(self, key: str, value: str, ttl_s: float) -> bool:
        return bool(await self._redis.set(self._key(key), value, px=max(1, int(ttl_s * 1000)), nx=True))

    async def pop(self, key: str) -> Optional[str]:
        async with self._redis.pipeline(transaction=True) as pipe:
            value, _ = await pipe.get(self._key(key)).delete(self._key(key)).execute()
        return value

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._key(key))

    async def incr(self, key: str, ttl_s: float) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            value, _ = await pipe.incr(self._key(key)).pexpire(self._key(key), max(1, int(ttl_s * 1000))).execute()
        return int(value)

    @contextlib.asynccontextmanager
    async def lock(self, name: str, timeout_s: float = 15.0) -> AsyncIterator[None]:
        # The local lock keeps this process's coroutines from all polling Redis.
        if self._local is None:
            self._local = asyncio.Lock()
        async with self._local:
            async with self._redis.lock(self._key("lock:" + name), timeout=timeout_s, blocking_timeout=timeout_s):
                yield

    async def close(self) -> None:
        await self._redis.close()


def make_store(redis_url: str, appid: str) -> Union[MemoryStore, RedisStore]:
    if redis_url:
        return RedisStore(redis_url, prefix=f"wechat:{appid}:")
    return MemoryStore()
