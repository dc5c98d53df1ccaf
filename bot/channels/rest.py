"""The REST channel for trusted callers: `POST /webhooks/rest/webhook` with a bearer token.

Configured in credentials.yml as `bot.channels.rest.TokenRestInput:` in place of
Rasa's `rest:` (same name `rest`, same request and answer). Anyone could otherwise
post any `sender` and take over that conversation, so the channel only answers
callers that send `Authorization: Bearer $REST_CHANNEL_TOKEN` (constant-time
comparison; 401 otherwise, nothing reaches Rasa). Without `REST_CHANNEL_TOKEN` the
channel is off: 404. The caller's `input_channel` is ignored (always `rest`).

Each message first asks the per-conversation rate limit (bot/rate_limit.py); over
it, the answer is 429 with `contract.messages.RATE_LIMITED_TEXT` in the usual
reply shape and a `Retry-After` header, and the message is not passed on.
A body that is not a JSON object with a string `sender` and `message` gets 400.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Union

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot import rate_limit
from contract import channels, deployment
from contract.messages import RATE_LIMITED_TEXT

log = logging.getLogger(__name__)
TOKEN_VARIABLE = "REST_CHANNEL_TOKEN"
MAX_SENDER_LENGTH = 128
# Channel metadata is a flat object or close to it (identity_token, channel names);
# deep nesting only serves to exhaust the recursion of whatever reads it later.
MAX_METADATA_DEPTH = 4


def metadata_fits(value: Any, depth: int = 0) -> bool:
    """Whether `value` nests at most MAX_METADATA_DEPTH containers deep."""
    if isinstance(value, (dict, list)):
        if depth >= MAX_METADATA_DEPTH:
            return False
        items = value.values() if isinstance(value, dict) else value
        return all(metadata_fits(item, depth + 1) for item in items)
    return True


def authorized(header: Optional[str], token: Optional[str]) -> bool:
    if not token:
        return False
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class TokenRestInput(RestInput):
    """Rasa's REST channel behind a bearer token and the message rate limit."""

    @classmethod
    def name(cls) -> Text:
        return channels.REST

    def __init__(self, token: Optional[str] = None, limiter: Optional[rate_limit.MessageRateLimiter] = None) -> None:
        self.token = token
        self.limiter = limiter or rate_limit.MESSAGE_RATE_LIMITER

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> TokenRestInput:
        token = os.environ.get(TOKEN_VARIABLE) or None
        if token:
            deployment.refuse_unsafe("rasa (REST channel)", deployment.secret_problems({TOKEN_VARIABLE: token}))
        else:
            log.warning("REST channel off: %s is not set", TOKEN_VARIABLE)
        return cls(token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if not self.token:
                return _error(404, "not found")
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            if not self.token:
                return _error(404, "not found")
            if not authorized(request.headers.get("Authorization"), self.token):
                return response.json({"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})
            try:
                # strict UTF-8 and the standard parser: Sanic's ujson lets invalid UTF-8 through
                # as a corrupt string that breaks the normaliser; deep nesting raises here too
                body = json.loads(request.body.decode("utf-8"))
            except Exception:
                body = None
            if not isinstance(body, dict):
                return _error(400, "the body must be a JSON object with sender and message")
            sender_id, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
            if not isinstance(sender_id, str) or not sender_id.strip() or len(sender_id) > MAX_SENDER_LENGTH:
                return _error(400, f"sender must be a non-empty string of at most {MAX_SENDER_LENGTH} characters")
            if not isinstance(text, str):
                return _error(400, "message must be a string")
            if metadata is not None and not isinstance(metadata, dict):
                return _error(400, "metadata must be an object")
            if metadata and not metadata_fits(metadata):
                return _error(400, f"metadata must be at most {MAX_METADATA_DEPTH} levels deep")
            retry = self.limiter.retry_after(sender_id)
            if retry is not None:
                return response.json(
                    [{"recipient_id": sender_id, "text": RATE_LIMITED_TEXT}],
                    status=429,
                    headers={"Retry-After": str(math.ceil(retry))},
                )
            if bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender_id, self.name(), metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, sender_id, input_channel=self.name(), metadata=metadata)
                )
            except asyncio.CancelledError:
                log.error("REST channel: the message of a conversation timed out")
            except Exception:
                log.exception("REST channel: the message of a conversation could not be handled")
            return response.json(collector.messages)

        return webhook
