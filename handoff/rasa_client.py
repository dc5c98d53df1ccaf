"""Calls to the Rasa server's HTTP API (API.md, "What the service sends to Rasa").

Every call appends events to the customer's tracker with side effects executed on the
channel the customer last wrote from, so that a message reaches the customer and lands
in the transcript.
"""

from __future__ import annotations

import logging
from typing import Any, Optional
from urllib.parse import quote

import httpx

from contract import messages, rasa_api
from servicekit.errors import ApiError

from . import texts

log = logging.getLogger("handoff.rasa")
# the username of the service's JWT for Rasa's API
CALLER = "handoff-service"


class RasaUnavailable(ApiError):
    def __init__(self, detail: str) -> None:
        super().__init__(502, "rasa_unavailable", f"the Rasa server did not take the events: {detail}")


def agent_reply_events(text: str, agent_name: str) -> list[dict[str, Any]]:
    return [{"event": "bot", "text": None, "data": {"custom": messages.agent_message(text, agent_name)}}]


def queue_update_events(position: int, eta: int) -> list[dict[str, Any]]:
    return [{"event": "bot", "text": texts.queue_text(position, eta)}]


def resume_events(handoff_id: int) -> list[dict[str, Any]]:
    """Hand the conversation back: resume, listen (resume alone made the bot answer with its
    fallback and pause again), remember which handoff the rating is for, ask for it."""
    buttons = [{"title": title, "payload": payload} for title, payload in texts.SURVEY_BUTTONS]
    return [
        {"event": "resume"},
        {"event": "action", "name": "action_listen"},
        {"event": "slot", "name": "satisfaction_handoff_id", "value": str(handoff_id)},
        {"event": "bot", "text": texts.SURVEY, "data": {"buttons": buttons}},
    ]


class RasaClient:
    def __init__(
        self,
        base_url: str,
        jwt_secret: Optional[str] = None,
        timeout: float = 5.0,
        transport: Optional[httpx.AsyncBaseTransport] = None,
    ) -> None:
        self.jwt_secret = jwt_secret
        self.http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """POST the events; RasaUnavailable when Rasa cannot be reached or refuses them."""
        params = {"execute_side_effects": "true", "output_channel": "latest"}
        # a fresh short-lived JWT per call, in a header (never in the logged URL)
        headers = rasa_api.auth_headers(self.jwt_secret, CALLER) if self.jwt_secret else {}
        path = f"/conversations/{quote(sender_id, safe='')}/tracker/events"
        try:
            response = await self.http.post(path, params=params, json=events, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("Rasa unreachable for %s: %s", path, type(exc).__name__)
            raise RasaUnavailable(type(exc).__name__) from exc
        if response.status_code >= 300:
            log.warning("Rasa answered %s for %s", response.status_code, path)
            raise RasaUnavailable(f"HTTP {response.status_code}")

    async def send_agent_reply(self, sender_id: str, text: str, agent_name: str) -> None:
        await self.append_events(sender_id, agent_reply_events(text, agent_name))

    async def send_queue_update(self, sender_id: str, position: int, eta: int) -> None:
        await self.append_events(sender_id, queue_update_events(position, eta))

    async def resume_with_survey(self, sender_id: str, handoff_id: int) -> None:
        await self.append_events(sender_id, resume_events(handoff_id))

    async def aclose(self) -> None:
        await self.http.aclose()
