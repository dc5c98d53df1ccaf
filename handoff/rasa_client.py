"""Calls to the Rasa server's HTTP API (API.md, "What the service sends to Rasa").

Every call appends events to the customer's tracker with side effects executed on the
channel the customer last wrote from, so that a message reaches the customer and lands
in the transcript.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import quote

import httpx

from contract import delivery, messages, rasa_api, tickets
from servicekit.errors import ApiError

from . import texts

log = logging.getLogger("handoff.rasa")
# the username of the service's JWT for Rasa's API
CALLER = "handoff-service"


class RasaUnavailable(ApiError):
    """Rasa was not reached or refused; ``reason`` is a ``contract.delivery`` reason: the one an
    output channel's ``NotDelivered`` carried in Rasa's 500 body, else ``rasa_unavailable``."""

    def __init__(self, detail: str, reason: str = delivery.RASA_UNAVAILABLE) -> None:
        super().__init__(502, "rasa_unavailable", f"the Rasa server did not take the events: {detail}")
        self.reason = reason


class _TookFallback(Exception):
    """Rasa's 500 carried a channel's ``contract.delivery.Rerouted``: the message took a
    fallback route (``outcome``), and Rasa saved none of the call's events."""

    def __init__(self, outcome: delivery.Outcome) -> None:
        super().__init__(f"{outcome.state} via {outcome.via}")
        self.outcome = outcome


def _error_message(response: httpx.Response) -> Optional[str]:
    """The ``message`` of Rasa's error body (where a channel's NotDelivered ends up)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    return str(body.get("message") or "") if isinstance(body, dict) else None


def agent_reply_events(text: str, agent_name: str) -> list[dict[str, Any]]:
    return [{"event": "bot", "text": None, "data": {"custom": messages.agent_message(text, agent_name)}}]


def ticket_answer_events(text: str, agent_name: str, number: str) -> list[dict[str, Any]]:
    """An agent's answer to a ticket: delivered as a live reply is, its metadata naming the
    ticket (a channel may choose a ticket's fallback), and the slot that puts the customer's
    next message on the ticket."""
    reply = {**agent_reply_events(text, agent_name)[0], "metadata": {tickets.TICKET_ANSWER: number}}
    return [reply, {"event": "slot", "name": tickets.SLOT_AWAITING_MESSAGE, "value": number}]


def queue_update_events(position: int, eta: int) -> list[dict[str, Any]]:
    """Rasa merges a bot event's metadata into the message the channel gets: the marker lets a
    channel tell an update from an agent's reply (WeChat spends no reply budget on it)."""
    return [{"event": "bot", "text": texts.queue_text(position, eta), "metadata": {messages.QUEUE_UPDATE: True}}]


def pause_events(queue_text: Optional[str] = None) -> list[dict[str, Any]]:
    """Pause the conversation; with ``queue_text`` also tell the customer their place."""
    events: list[dict[str, Any]] = [{"event": "pause"}]
    if queue_text:
        events.append({"event": "bot", "text": queue_text, "metadata": {messages.QUEUE_UPDATE: True}})
    return events


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


@dataclass
class TrackerState:
    """What the service reads of a tracker: whether it is paused, and its events as Rasa dumps them."""

    paused: bool
    events: list[dict[str, Any]] = field(default_factory=list)


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

    def _headers(self) -> dict[str, str]:
        # a fresh short-lived JWT per call, in a header (never in the logged URL)
        return rasa_api.auth_headers(self.jwt_secret, CALLER) if self.jwt_secret else {}

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self.http.request(method, path, headers=self._headers(), **kwargs)
        except httpx.HTTPError as exc:
            log.warning("Rasa unreachable for %s: %s", path, type(exc).__name__)
            raise RasaUnavailable(type(exc).__name__) from exc
        if response.status_code >= 300:
            message = _error_message(response)
            outcome = delivery.outcome_in(message)
            if outcome is not None and outcome.via is not None:
                raise _TookFallback(outcome)
            reason = delivery.reason_in(message) or delivery.RASA_UNAVAILABLE
            log.warning("Rasa answered %s for %s (%s)", response.status_code, path, reason)
            raise RasaUnavailable(f"HTTP {response.status_code}", reason)
        return response

    async def append_events(
        self, sender_id: str, events: list[dict[str, Any]], side_effects: bool = True
    ) -> Optional[delivery.Outcome]:
        """POST the events; None when the channel delivered them live, the outcome when it
        took a fallback route (contract.delivery.Rerouted: the events are then appended again
        without side effects, since Rasa saved none of them); RasaUnavailable when Rasa
        cannot be reached or refuses them."""
        params = {"execute_side_effects": "true" if side_effects else "false", "output_channel": "latest"}
        path = f"/conversations/{quote(sender_id, safe='')}/tracker/events"
        try:
            await self._call("POST", path, params=params, json=events)
        except _TookFallback as fallback:
            log.info("the channel took a fallback for %s: %s", path, fallback)
            try:
                await self.append_events(sender_id, events, side_effects=False)
            except (RasaUnavailable, _TookFallback):
                # the customer has it (or will): only the conversation's copy is missing
                log.warning("the events of a rerouted message were not kept in the conversation")
            return fallback.outcome
        return None

    async def tracker(self, sender_id: str) -> TrackerState:
        """Whether the conversation is paused, with all its events (``include_events=ALL``: a
        ``/restart`` or a new session does not hide what came before); RasaUnavailable if unknown."""
        path = f"/conversations/{quote(sender_id, safe='')}/tracker"
        response = await self._call("GET", path, params={"include_events": "ALL"})
        try:
            body = response.json()
            events = body.get("events") or []
        except (ValueError, AttributeError) as exc:
            raise RasaUnavailable("unreadable tracker") from exc
        if not isinstance(events, list):
            raise RasaUnavailable("unreadable tracker")
        return TrackerState(paused=bool(body.get("paused")), events=[e for e in events if isinstance(e, dict)])

    async def send_agent_reply(self, sender_id: str, text: str, agent_name: str) -> None:
        await self.append_events(sender_id, agent_reply_events(text, agent_name))

    async def send_ticket_answer(
        self, sender_id: str, text: str, agent_name: str, number: str
    ) -> Optional[delivery.Outcome]:
        """None: delivered live; else the fallback the channel took (e.g. a WeChat template)."""
        return await self.append_events(sender_id, ticket_answer_events(text, agent_name, number))

    async def send_queue_update(self, sender_id: str, position: int, eta: int) -> None:
        await self.append_events(sender_id, queue_update_events(position, eta))

    async def pause(self, sender_id: str, queue_text: Optional[str] = None) -> None:
        await self.append_events(sender_id, pause_events(queue_text))

    async def resume_with_survey(self, sender_id: str, handoff_id: int) -> None:
        await self.append_events(sender_id, resume_events(handoff_id))

    async def aclose(self) -> None:
        await self.http.aclose()
