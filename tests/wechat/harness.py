"""Serves a WeChatInput on loopback with a scripted bot instead of Rasa.

The Sanic app runs on its own event loop in a thread, the way Rasa serves the
channel, so the fake WeChat talks to it over real HTTP with real timeouts.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any, Awaitable, Callable, List, Optional

from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels.wechat import WeChatInput
from bot.channels.wechat.config import WeChatConfig
from devtools.rasa_server import free_port

Bot = Callable[[UserMessage], Awaitable[Any]]

# Several apps start in one process: test mode lets Sanic's start-up code
# rewriting (TouchUp) begin from the original methods each time.
Sanic.test_mode = True


class ScriptedBot:
    """Records what reached "Rasa" and answers with `script(message)`."""

    def __init__(self, script: Optional[Callable[[UserMessage], Awaitable[Any]]] = None) -> None:
        self.received: List[UserMessage] = []
        self.script = script or echo
        self._lock = threading.Lock()

    async def __call__(self, message: UserMessage) -> None:
        with self._lock:
            self.received.append(message)
        await self.script(message)

    @property
    def texts(self) -> List[str]:
        with self._lock:
            return [m.text for m in self.received]


async def echo(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"您说的是：{message.text}")


class ServedChannel:
    def __init__(self, config: WeChatConfig, bot: Bot) -> None:
        self.channel = WeChatInput(config)
        self.app = Sanic(f"wechat_test_{uuid.uuid4().hex[:12]}")
        self.app.config.ACCESS_LOG = False
        self.app.blueprint(self.channel.blueprint(bot), url_prefix="/webhooks/wechat")
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._ready = threading.Event()
        self._server = None

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/wechat/webhook"

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            self._server = await self.app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True)
            await self._server.startup()
            await self._server.after_start()

        self.loop.run_until_complete(start())
        self._ready.set()
        self.loop.run_forever()

    def call(self, coroutine, timeout: float = 30.0):
        """Runs a coroutine on the server's loop (where the channel lives)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def __enter__(self) -> ServedChannel:
        self._thread.start()
        if not self._ready.wait(20):
            raise RuntimeError("test Sanic app did not start")
        return self

    def __exit__(self, *exc) -> None:
        async def stop() -> None:
            await self.channel.api.close()
            await self.channel.store.close()
            self._server.close()
            await self._server.wait_closed()

        try:
            self.call(stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
