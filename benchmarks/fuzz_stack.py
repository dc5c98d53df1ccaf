"""The stack `benchmarks.fuzz` attacks, and how it calls it and records what came back.

`running_stack` starts the shop backend, the handoff service, the action server and
`rasa run` (newest model, the project's channels, WeChat pointed at a fake WeChat)
on loopback the way the test suite does; `Outcome` is what one input got.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import requests
import socketio
import yaml

from devtools.rasa_server import ROOT, free_port, latest_model, running_rasa
from devtools.socketio_client import close_without_waiting
from privacy import mask_text
from tests import services
from tests.services import endpoints_file, running_actions, running_backend, running_handoff
from tests.wechat.conftest import WECHAT_ENV_BLANK, credentials_for, new_fake
from tests.wechat.fake_wechat import FakeWeChat

# What a legitimate caller sends, from the test stack's helpers (tokens where the stack has them).
HANDOFF_SERVICE_KEY: str = getattr(services, "HANDOFF_SERVICE_KEY", services.SERVICE_KEY)
HEALTH_TIMEOUT_S = 20.0
REQUEST_TIMEOUT_S = 60.0
PREVIEW_CHARS = 48


@dataclasses.dataclass
class Outcome:
    index: int
    shape: str
    preview: str
    status: Optional[int]  # HTTP status; None when no answer came
    seconds: float
    customer_message: bool = False
    answered: Optional[bool] = None  # customer messages only
    held: bool = False  # silent because a person holds the conversation
    note: str = ""

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500

    @property
    def unanswered(self) -> bool:
        return self.customer_message and not self.answered and not self.held

    def finding(self) -> str:
        status = "no answer" if self.status is None else str(self.status)
        note = f" ({self.note})" if self.note else ""
        return f"#{self.index} {self.shape} -> {status}{note}: {self.preview}"


def preview(value: Any) -> str:
    """A short, masked, escaped view of an input for the report (never the whole input)."""
    if isinstance(value, bytes):
        text = value[:PREVIEW_CHARS].decode("utf-8", errors="backslashreplace")
    elif isinstance(value, str):
        text = value[:PREVIEW_CHARS]
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)[:PREVIEW_CHARS]
    size = len(value) if isinstance(value, (bytes, str)) else None
    safe = text.encode("utf-8", errors="backslashreplace").decode("utf-8")
    shown = repr(mask_text(safe))
    return f"{shown} ({size} long)" if size is not None and size > PREVIEW_CHARS else shown


@dataclasses.dataclass
class Stack:
    rasa_url: str
    backend_url: str
    action_url: str
    handoff_url: str
    fake: FakeWeChat
    state: Path

    def health_urls(self) -> Dict[str, str]:
        return {
            "rasa": f"{self.rasa_url}/",
            "actions": self.action_url.rsplit("/webhook", 1)[0] + "/health",
            "backend": f"{self.backend_url}/health",
            "handoff": f"{self.handoff_url}/health",
        }

    def dead(self) -> List[str]:
        """The processes that do not answer their health URL."""
        dead = []
        for name, url in self.health_urls().items():
            for _attempt in range(2):
                try:
                    if requests.get(url, timeout=HEALTH_TIMEOUT_S).ok:
                        break
                except requests.RequestException:
                    pass
            else:
                dead.append(name)
        return dead

    # Rasa's HTTP API and the REST channel: what a trusted caller sends.
    def rasa_api_headers(self) -> Dict[str, str]:
        headers = getattr(services, "rasa_headers", None)
        return dict(headers()) if headers else {}

    def rest_headers(self) -> Dict[str, str]:
        headers = getattr(services, "rest_headers", None)
        return dict(headers()) if headers else {}

    def paused(self, sender_id: str) -> bool:
        """Whether Rasa holds `sender_id` for a person (the bot is silent on purpose)."""
        try:
            response = requests.get(
                f"{self.rasa_url}/conversations/{requests.utils.quote(sender_id, safe='')}/tracker",
                params={"include_events": "NONE"},
                headers=self.rasa_api_headers(),
                timeout=REQUEST_TIMEOUT_S,
            )
            return response.ok and bool(response.json().get("paused"))
        except (requests.RequestException, ValueError):
            return False


def _credentials(state: Path, fake: FakeWeChat) -> Path:
    """The project's channels, with the WeChat connector pointed at the fake WeChat."""
    channels = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    channels["bot.channels.wechat.WeChatInput"] = credentials_for(fake, reply_timeout_s=5.0, passive_budget_s=4.4)
    path = state / "credentials.yml"
    path.write_text(yaml.safe_dump(channels, allow_unicode=True), encoding="utf-8")
    return path


@contextlib.contextmanager
def running_stack(state: Path, model: Optional[Path] = None) -> Iterator[Stack]:
    rasa_port = free_port()  # the handoff service must know where Rasa will be
    with contextlib.ExitStack() as running:
        fake = running.enter_context(new_fake(timeout_s=5.0))
        backend_url = running.enter_context(running_backend(state))
        handoff_url = running.enter_context(running_handoff(state, rasa_url=f"http://127.0.0.1:{rasa_port}"))
        action_url = running.enter_context(
            running_actions(backend_url, state, extra_env={"ACTIONS_HANDOFF_URL": handoff_url})
        )
        rasa_url = running.enter_context(
            running_rasa(
                model or latest_model(),
                endpoints=endpoints_file(state, action_url, handoff_url=handoff_url),
                credentials=_credentials(state, fake),
                env=WECHAT_ENV_BLANK,
                log_path=state / "rasa.log",
                port=rasa_port,
            )
        )
        yield Stack(rasa_url, backend_url, action_url, handoff_url, fake, state)


# --------------------------------------------------------------- HTTP helpers


def status_of(response: Optional[requests.Response]) -> Optional[int]:
    return None if response is None else response.status_code


def timed_request(method: str, url: str, **kwargs: Any) -> Tuple[Optional[requests.Response], float, str]:
    """(response or None, seconds, error note)."""
    kwargs.setdefault("timeout", REQUEST_TIMEOUT_S)
    if kwargs.get("params"):  # lone surrogates go out as the invalid UTF-8 they make
        kwargs["params"] = {
            name: value.encode("utf-8", errors="surrogatepass") if isinstance(value, str) else value
            for name, value in kwargs["params"].items()
        }
    started = time.perf_counter()
    try:
        response = requests.request(method, url, **kwargs)
        return response, time.perf_counter() - started, ""
    except requests.RequestException as error:
        return None, time.perf_counter() - started, type(error).__name__


class WebChatCustomer:
    """A web chat widget: connects over socket.io polling, asks for a session, talks."""

    def __init__(self, rasa_url: str, timeout_s: float) -> None:
        self.rasa_url = rasa_url
        self.timeout_s = timeout_s
        self.client = socketio.Client(reconnection=False)
        logging.getLogger("engineio.client").setLevel(logging.CRITICAL)  # our own abrupt goodbyes
        self.session_id: Optional[str] = None
        self.replies: queue.Queue[Dict[str, Any]] = queue.Queue()
        self._confirmed = threading.Event()
        self.client.on("bot_uttered", self.replies.put)
        self.client.on("session_confirm", self._on_confirm)

    def _on_confirm(self, session: Any = None, *_: Any) -> None:
        # {"session_id", "session_token"}: the server issues the session (bot/channels/webchat.py)
        session_id = session.get("session_id") if isinstance(session, dict) else None
        self.session_id = session_id if isinstance(session_id, str) else None
        self._confirmed.set()

    def connect(self, session_request: Any = None) -> bool:
        """Connects and asks for a session (the widget's `session_request`); True once confirmed."""
        self.client.connect(
            self.rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=self.timeout_s
        )
        self.client.emit("session_request", session_request if session_request is not None else {})
        return self._confirmed.wait(self.timeout_s) and self.session_id is not None

    def say(self, text: Any, metadata: Any = None) -> None:
        message: Dict[str, Any] = {"message": text}
        if metadata is not None:
            message["metadata"] = metadata
        self.client.emit("user_uttered", message)

    def next_reply(self, timeout_s: Optional[float] = None) -> Optional[Dict[str, Any]]:
        try:
            return self.replies.get(timeout=self.timeout_s if timeout_s is None else timeout_s)
        except queue.Empty:
            return None

    def close(self) -> None:
        close_without_waiting(self.client)
