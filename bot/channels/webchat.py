"""The web chat widget's channel: Rasa's socket.io channel, plus what the widget needs.

Configured in credentials.yml as `bot.channels.webchat.WebChatInput:` with the
options of Rasa's `socketio:` channel (event names, `session_persistence`,
`socketio_path`, `metadata_key`, `jwt_key`). On top of `SocketIOInput` it

- serves the widget and the demo shop page from the Rasa server itself:
  GET /webchat/ (demo page), /webchat/widget.js, /webchat/widget.css, /webchat/dom.js
  (the DOM helper shared with the agent console, handoff/console/dom.js),
  /webchat/vendor/socket.io.min.js (copied from npm by scripts/install-webchat);
- sends the history when a widget comes back: a `session_request` with a known
  session id is answered with `session_confirm` and then a `chat_history`
  event holding the customer-visible transcript from the tracker store (user
  texts, bot texts with their buttons, agent-marked messages);
- marks a human agent's messages: a bot message whose custom json (or whose
  metadata) has `"sender": "agent"` reaches the widget as
  `{"text": ..., "sender": "agent", "agent_name": ...}`;
- fixes two incompatibilities of Rasa 3.6.21's channel with python-socketio 5.18:
  `enter_room` is a coroutine there (Rasa does not await it, so with
  `session_persistence` the socket never joined its session's room and no bot
  reply arrived), and custom json was passed to `emit` as keyword arguments;
- offers socket.io's HTTP long-polling transport only (option `transports`):
  Sanic 21.12, which Rasa 3.6 pins, cannot serve WebSockets on Python 3.11
  (its `recv` passes a coroutine to `asyncio.wait`, which 3.11 forbids), and a
  failed upgrade stalls the client's connection.

The channel keeps Rasa's name `socketio`, so the tracker's `input_channel`, the
HTTP API's `output_channel=latest` and the socket.io path and event names are
those of Rasa's own channel.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import re
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

import rasa.core.channels.channel
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.constants import EXTERNAL_MESSAGE_PREFIX
from rasa.shared.core.events import UserUttered
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from contract.messages import AGENT, AGENT_NAME, SENDER, agent_name, is_agent_message

logger = logging.getLogger(__name__)

WEBCHAT_DIR = Path(__file__).resolve().parents[2] / "webchat"
WEBCHAT_ROUTE = "/webchat"
# URL path under /webchat/ -> file in webchat/. Nothing else is served.
WEBCHAT_FILES = {
    "": "index.html",
    "widget.js": "widget.js",
    "widget.css": "widget.css",
    # the DOM helper shared with the agent console: one el() for both pages
    "dom.js": "../handoff/console/dom.js",
    "vendor/socket.io.min.js": "vendor/socket.io.min.js",
}
HISTORY_EVENT = "chat_history"
# The most recent messages a returning widget is shown.
HISTORY_LIMIT = 200
# Session ids the widget makes (32 hex digits) and Rasa's own (uuid4 hex) match;
# an id that does not is replaced, so a socket cannot name an arbitrary
# conversation (a REST sender, a WeChat OpenID) and read it.
SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# ["polling", "websocket"] once Rasa runs on a Sanic that serves WebSockets on 3.11.
DEFAULT_TRANSPORTS = ("polling",)
AGENT_NAME_MAX_CHARS = 32


def valid_session_id(value: Any) -> bool:
    return isinstance(value, str) and bool(SESSION_ID_PATTERN.match(value))


def _agent_fields(fields: Dict[Text, Any]) -> Dict[Text, Any]:
    """{"sender": "agent", "agent_name": ...} when `fields` mark a human agent (contract.messages), else {}."""
    if not is_agent_message(fields):
        return {}
    name = agent_name(fields)
    return {SENDER: AGENT, AGENT_NAME: str(name)[:AGENT_NAME_MAX_CHARS] if name else ""}


def _text_parts(text: Text) -> List[Text]:
    # Rasa's socket.io output sends paragraphs as separate messages; so does the history.
    return [part for part in text.strip().split("\n\n") if part.strip()] or [text]


def _quick_replies(buttons: Iterable[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    return [
        {"content_type": "text", "title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in buttons or []
        if isinstance(b, dict) and b.get("payload")
    ]


class WebChatOutput(SocketIOOutput):
    """Rasa's socket.io output with agent marking and a working custom json."""

    @classmethod
    def name(cls) -> Text:
        return SocketIOOutput.name()

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        agent = _agent_fields(kwargs)
        for part in _text_parts(text):
            await self._send_message(recipient_id, {"text": part, **agent})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        message = dict(json_message)
        # Always the conversation's own room: custom json cannot address another one.
        message.pop("room", None)
        if set(message) == {"data"} and isinstance(message["data"], dict):
            message = dict(message["data"])  # Rasa's convention: {"data": {...}}
        agent = _agent_fields(message)
        if agent:
            message.update(agent)
        await self._send_message(recipient_id, message)


def _bot_message(text: Text, timestamp: Any, agent: Dict[Text, Any]) -> Dict[Text, Any]:
    """A bot's (or, with `agent` fields, a human agent's) message of the history."""
    message = {"from": AGENT if agent else "bot", "text": text, "timestamp": timestamp}
    if agent:
        message[AGENT_NAME] = agent[AGENT_NAME]
    return message


def transcript(events: Iterable[Dict[Text, Any]], limit: int = HISTORY_LIMIT) -> List[Dict[Text, Any]]:
    """The customer-visible messages of serialised tracker events, oldest first.

    Each is `{"from": "user" | "bot" | "agent", "text": ..., "timestamp": ...}`,
    a bot message may carry `quick_replies` (Rasa's socket.io shape), an agent
    message `agent_name`. A button payload the customer sent (`/inform{...}`)
    is shown as the title of the button it came from.
    """
    messages: List[Dict[Text, Any]] = []
    last_buttons: Dict[Text, Text] = {}
    for event in events:
        kind = event.get("event")
        timestamp = event.get("timestamp")
        if kind == "user":
            text = event.get("text")
            if not isinstance(text, str) or not text.strip() or text.startswith(EXTERNAL_MESSAGE_PREFIX):
                continue
            messages.append({"from": "user", "text": last_buttons.get(text, text), "timestamp": timestamp})
            last_buttons = {}
        elif kind == "bot":
            data = event.get("data") or {}
            metadata = event.get("metadata") or {}
            text = event.get("text")
            custom = data.get("custom")
            if isinstance(text, str) and text.strip():
                agent = _agent_fields(metadata)
                replies = _quick_replies(data.get("buttons") or data.get("quick_replies") or [])
                parts = _text_parts(text)
                for index, part in enumerate(parts):
                    message = _bot_message(part, timestamp, agent)
                    if replies and index == len(parts) - 1:
                        message["quick_replies"] = replies
                    messages.append(message)
                if replies:
                    last_buttons = {r["payload"]: r["title"] for r in replies}
            if isinstance(custom, dict):
                if set(custom) <= {"data", "room"} and isinstance(custom.get("data"), dict):
                    custom = custom["data"]
                custom_text = custom.get("text")
                if isinstance(custom_text, str) and custom_text.strip():
                    messages.append(_bot_message(custom_text, timestamp, _agent_fields(custom)))
    return messages[-limit:] if limit else messages


class _WebChatBlueprint(SocketBlueprint):
    """Attaches socket.io like Rasa's blueprint, and hands the Sanic app to the channel."""

    def __init__(self, channel: WebChatInput, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.channel = channel

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        super().register(app, options)
        self.ctx.channel.attach_app(app)


class WebChatInput(SocketIOInput):
    """Rasa's socket.io channel for the web chat widget (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return SocketIOInput.name()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> WebChatInput:
        channel = super().from_credentials(credentials)
        transports = (credentials or {}).get("transports") or DEFAULT_TRANSPORTS
        channel.transports = [str(t) for t in transports]
        return channel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app: Optional[Sanic] = None
        self.transports: List[Text] = list(DEFAULT_TRANSPORTS)

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt)

    # --- the widget's files ---------------------------------------------------------

    def attach_app(self, app: Sanic) -> None:
        """Keeps the app (its `ctx.agent` holds the tracker store) and adds the file routes."""
        self.app = app
        if getattr(app.ctx, "webchat_routes", False):
            return
        app.ctx.webchat_routes = True

        async def index_redirect(_: Request) -> HTTPResponse:
            return response.redirect(f"{WEBCHAT_ROUTE}/")

        async def webchat_file(_: Request, name: Text = "") -> HTTPResponse:
            relative = WEBCHAT_FILES.get(name)
            if relative is None:
                return response.text("not found", status=404)
            path = WEBCHAT_DIR / relative
            if not path.is_file():
                hint = " (run scripts/install-webchat)" if relative.startswith("vendor/") else ""
                return response.text(f"{relative} is missing{hint}", status=404)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if mime.startswith("text/") or mime in ("application/javascript", "text/javascript"):
                mime += "; charset=utf-8"
            return await response.file(path, mime_type=mime, headers={"Cache-Control": "no-cache"})

        app.add_route(
            index_redirect, WEBCHAT_ROUTE, methods=["GET"], strict_slashes=True, name="webchat_index_redirect"
        )
        app.add_route(webchat_file, f"{WEBCHAT_ROUTE}/", methods=["GET"], strict_slashes=True, name="webchat_index")
        app.add_route(webchat_file, f"{WEBCHAT_ROUTE}/<name:path>", methods=["GET"], name="webchat_file")

    # --- history ----------------------------------------------------------------------

    async def history(self, session_id: Text) -> List[Dict[Text, Any]]:
        """The transcript of `session_id` when it is a conversation of this channel."""
        agent = getattr(self.app.ctx, "agent", None) if self.app is not None else None
        tracker_store = getattr(agent, "tracker_store", None)
        if tracker_store is None:
            return []
        try:
            tracker = await tracker_store.retrieve_full_tracker(session_id)
        except Exception:  # the history is a courtesy: never break the connection for it
            logger.exception("webchat: could not read the history of a session")
            return []
        if tracker is None:
            return []
        # Only conversations held entirely on this channel: a socket that names a
        # REST sender or a WeChat OpenID as its session id does not get that
        # conversation's past.
        channels = {e.input_channel for e in tracker.events if isinstance(e, UserUttered)}
        if channels != {self.name()}:
            return []
        return transcript(event.as_dict() for event in tracker.events)

    # --- socket.io ------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Same server options as Rasa's channel (CORS is left to Sanic's --cors).
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=[],
            transports=self.transports,
            allow_upgrades="websocket" in self.transports,
        )
        socketio_webhook = _WebChatBlueprint(self, sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(
                token and rasa.core.channels.channel.decode_bearer_token(token, self.jwt_key, self.jwt_algorithm)
            )

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: Text, reason: Any = None) -> None:
            logger.debug("webchat: socket %s disconnected", sid)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Optional[Dict] = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if valid_session_id(requested) else uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            if self.session_persistence and session_id == requested:
                messages = await self.history(str(session_id))
                await sio.emit(
                    HISTORY_EVENT, {"session_id": session_id, "messages": messages}, room=sid, namespace=namespace
                )

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Dict) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                sender_id = data.get("session_id")
                if not valid_session_id(sender_id):
                    logger.warning("webchat: message without a valid session_id ignored; send `session_request` first")
                    return
            else:
                sender_id = sid
            text = data.get("message", "")
            if not isinstance(text, str):
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            if not isinstance(metadata, dict):
                metadata = {}
            message = UserMessage(
                text, WebChatOutput(sio, self.bot_message_evt), sender_id, input_channel=self.name(), metadata=metadata
            )
            await on_new_message(message)

        return socketio_webhook
