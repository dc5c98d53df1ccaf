"""The web chat widget's channel: Rasa's socket.io channel, plus what the widget needs.

Configured in credentials.yml as `bot.channels.webchat.WebChatInput:` with the
options of Rasa's `socketio:` channel (event names, `session_persistence`,
`socketio_path`, `metadata_key`, `jwt_key`). On top of `SocketIOInput` it

- issues the sessions and binds them to the socket (bot/channels/webchat_session.py):
  `session_request {"session_token": ...}` resumes a conversation only for a token
  the server signed and that has not expired, and is otherwise answered with a new
  session; `session_confirm` carries `{"session_id", "session_token"}` (the token
  renewed). The session a socket is bound to is the sender id of every message
  from that socket: a `session_id` in a message, or a client-chosen id (another
  customer's, a WeChat OpenID), is never used, and a socket joins no other room.
  A socket that sends before asking gets a new session first;
- takes from the metadata only the signed `identity_token` (a string); a message
  over the conversation's rate limit (bot/rate_limit.py) or longer than
  MAX_MESSAGE_CHARS characters is answered politely (contract.messages,
  webchat_texts.py) and not handed to Rasa;
- serves the widget from the Rasa server itself: /webchat/widget.js,
  /webchat/widget.css, /webchat/dom.js (the DOM helper shared with the agent
  console, handoff/console/dom.js), /webchat/vendor/socket.io.min.js (copied from
  npm by scripts/install-webchat); and, in development only, the demo shop page
  GET /webchat/ with its demo login (bot/channels/webchat_demo.py); in production
  mode those answer 404;
- sends the history when a widget comes back: after `session_confirm` a
  `chat_history` event holds the customer-visible transcript of a resumed session
  (user texts, bot texts with their buttons, agent-marked messages; empty for a
  new session);
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
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

import engineio.payload
import rasa.core.channels.channel
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.constants import EXTERNAL_MESSAGE_PREFIX
from rasa.shared.core.events import UserUttered
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot import identity_token
from bot.channels import webchat_demo, webchat_texts
from bot.channels.webchat_session import Session, SessionSigner, signer_from_env, valid_session_id
from bot.rate_limit import MESSAGE_RATE_LIMITER, MessageRateLimiter
from contract.deployment import is_production
from contract.messages import AGENT, AGENT_NAME, RATE_LIMITED_TEXT, SENDER, agent_name, is_agent_message

__all__ = ["WebChatInput", "WebChatOutput", "transcript", "valid_session_id"]

logger = logging.getLogger(__name__)

WEBCHAT_DIR = Path(__file__).resolve().parents[2] / "webchat"
WEBCHAT_ROUTE = "/webchat"
# URL path under /webchat/ -> file in webchat/. Nothing else is served (the demo page,
# GET /webchat/, is rendered by webchat_demo in development only).
WEBCHAT_FILES = {
    "widget.js": "widget.js",
    "widget.css": "widget.css",
    # the DOM helper shared with the agent console: one el() for both pages
    "dom.js": "../handoff/console/dom.js",
    "vendor/socket.io.min.js": "vendor/socket.io.min.js",
}
DEMO_PAGE = "index.html"
HISTORY_EVENT = "chat_history"
SESSION_REQUEST_EVENT = "session_request"
SESSION_CONFIRM_EVENT = "session_confirm"
# The most recent messages a returning widget is shown.
HISTORY_LIMIT = 200
# The longest message the channel hands to Rasa (the widget caps at 500); a longer
# one is answered with webchat_texts.TOO_LONG.
MAX_MESSAGE_CHARS = 2000
# engine.io refuses a larger HTTP body or packet (its own default, named here).
MAX_PACKET_BYTES = 1_000_000
# Messages one long-polling POST may carry. engine.io's default (16) refuses a larger
# batch whole, and the messages in it vanish without an answer: a client that sends
# faster than one round trip batches them. The rate limiter answers each one instead.
MAX_PACKETS_PER_POLL = 200
engineio.payload.Payload.max_decode_packets = MAX_PACKETS_PER_POLL
# ["polling", "websocket"] once Rasa runs on a Sanic that serves WebSockets on 3.11.
DEFAULT_TRANSPORTS = ("polling",)
AGENT_NAME_MAX_CHARS = 32
# An identity token longer than this is dropped (bot.identity_token refuses it too).
MAX_IDENTITY_TOKEN_CHARS = 4096


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


def message_metadata(raw: Any) -> Dict[Text, Any]:
    """What of a message's metadata reaches Rasa: the signed identity token only (the action
    server verifies it); every other key is a client's claim and is dropped."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict):
        return {}
    token = raw.get(identity_token.METADATA_KEY)
    if isinstance(token, str) and token and len(token) <= MAX_IDENTITY_TOKEN_CHARS:
        return {identity_token.METADATA_KEY: token}
    return {}


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
        # Refuses to start in production mode without a real WEBCHAT_SESSION_SECRET.
        self.signer: SessionSigner = signer_from_env()
        # socket id -> the session it is bound to (this process's sockets only)
        self.bound: Dict[Text, Text] = {}
        self.rate_limiter: MessageRateLimiter = MESSAGE_RATE_LIMITER

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt)

    # --- the widget's files and the demo page --------------------------------------------

    def attach_app(self, app: Sanic) -> None:
        """Keeps the app (its `ctx.agent` holds the tracker store) and adds the file routes."""
        self.app = app
        if getattr(app.ctx, "webchat_routes", False):
            return
        app.ctx.webchat_routes = True
        demo = not is_production()

        async def not_found(_: Request, **__: Any) -> HTTPResponse:
            return response.text("not found", status=404)

        async def index_redirect(_: Request) -> HTTPResponse:
            return response.redirect(f"{WEBCHAT_ROUTE}/")

        async def demo_page(request: Request) -> HTTPResponse:
            path = WEBCHAT_DIR / DEMO_PAGE
            state = webchat_demo.login_state(request.cookies.get(webchat_demo.LOGIN_COOKIE))
            page = webchat_demo.render_page(path.read_text(encoding="utf-8"), state)
            # the page may carry an identity token: never cached
            return response.html(page, headers={"Cache-Control": "no-store"})

        async def demo_login(request: Request, action: Text) -> HTTPResponse:
            if action not in ("login", "logout"):
                return response.text("not found", status=404)
            if not webchat_demo.same_origin(request):
                return response.json({"error": "cross-origin request refused"}, status=403)
            answer = response.json({"customer": webchat_demo.DEMO_CUSTOMER_ID if action == "login" else None})
            value = webchat_demo.login_cookie_value() if action == "login" else None
            webchat_demo.set_cookie(answer, value, secure=request.scheme == "https" or is_production())
            answer.headers["Cache-Control"] = "no-store"
            return answer

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
            index_redirect if demo else not_found,
            WEBCHAT_ROUTE,
            methods=["GET"],
            strict_slashes=True,
            name="webchat_index_redirect",
        )
        app.add_route(
            demo_page if demo else not_found,
            f"{WEBCHAT_ROUTE}/",
            methods=["GET"],
            strict_slashes=True,
            name="webchat_index",
        )
        app.add_route(
            demo_login if demo else not_found,
            f"{WEBCHAT_ROUTE}/demo/<action>",
            methods=["POST"],
            name="webchat_demo_login",
        )
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
        # Only conversations held entirely on this channel (defence in depth: the
        # session id is the server's own, so it cannot name a REST or WeChat sender).
        channels = {e.input_channel for e in tracker.events if isinstance(e, UserUttered)}
        if channels != {self.name()}:
            return []
        return transcript(event.as_dict() for event in tracker.events)

    # --- sessions ---------------------------------------------------------------------

    async def _bind(self, sio: AsyncServer, sid: Text, session_id: Text) -> None:
        """Puts socket `sid` into the room of `session_id` (and out of any other session's)."""
        previous = self.bound.get(sid)
        if previous and previous != session_id:
            await sio.leave_room(sid, previous, namespace=self.namespace)
        await sio.enter_room(sid, session_id, namespace=self.namespace)
        self.bound[sid] = session_id

    async def start_session(self, sio: AsyncServer, sid: Text, data: Any) -> Session:
        """Answers a `session_request`: the presented session when its token is valid, else a new one."""
        presented = None
        if isinstance(data, dict):
            # Rasa's own clients put their id into `session_id`: only a token of ours resumes.
            presented = data.get("session_token") or data.get("session_id")
        resumed = self.signer.verify(presented) if self.session_persistence else None
        if presented and not resumed:
            logger.info("webchat: a session that the server did not issue, or that expired, was refused")
        session = self.signer.issue(resumed)  # renewed, or new
        await self._bind(sio, sid, session.id)
        await sio.emit(
            SESSION_CONFIRM_EVENT,
            {"session_id": session.id, "session_token": session.token},
            room=sid,
            namespace=self.namespace,
        )
        messages = await self.history(session.id) if resumed else []
        await sio.emit(
            HISTORY_EVENT, {"session_id": session.id, "messages": messages}, room=sid, namespace=self.namespace
        )
        return session

    async def receive(
        self, sio: AsyncServer, sid: Text, data: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """A `user_uttered` from socket `sid`: handed to Rasa as a message of the session bound to it."""
        session_id = self.bound.get(sid)
        if session_id is None:
            session_id = (await self.start_session(sio, sid, None)).id
        output = WebChatOutput(sio, self.bot_message_evt)
        text = data.get("message", "") if isinstance(data, dict) else None
        retry_after = self.rate_limiter.retry_after(session_id)
        if retry_after is not None:
            await output.send_text_message(session_id, RATE_LIMITED_TEXT)
            return
        if not isinstance(text, str):
            await output.send_text_message(session_id, webchat_texts.NOT_TEXT)
            return
        if len(text) > MAX_MESSAGE_CHARS:
            logger.info("webchat: a message of %d characters was refused (limit %d)", len(text), MAX_MESSAGE_CHARS)
            await output.send_text_message(session_id, webchat_texts.TOO_LONG.format(limit=MAX_MESSAGE_CHARS))
            return
        metadata = message_metadata(data.get(self.metadata_key))
        message = UserMessage(text, output, session_id, input_channel=self.name(), metadata=metadata)
        await on_new_message(message)

    # --- socket.io ------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Same server options as Rasa's channel (CORS is left to Sanic's --cors).
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=[],
            transports=self.transports,
            allow_upgrades="websocket" in self.transports,
            max_http_buffer_size=MAX_PACKET_BYTES,
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
            self.bound.pop(sid, None)

        @sio.on(SESSION_REQUEST_EVENT, namespace=namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            await self.start_session(sio, sid, data)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            await self.receive(sio, sid, data, on_new_message)

        return socketio_webhook
