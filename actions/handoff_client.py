"""Async client of the handoff service (handoff/API.md), for the handoff actions.

One call per customer action and nothing to retry blindly: opening a handoff is
itself idempotent on the service (a second POST for a waiting conversation
returns the open handoff; the package's `request_id` names the customer message
that asked), so a timeout may be retried once.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

import httpx

from actions.settings import Settings
from actions.settings import settings as default_settings
from contract.http import SERVICE_KEY_HEADER

logger = logging.getLogger(__name__)


class HandoffUnavailable(Exception):
    """The handoff service could not be reached or failed."""


class HandoffRefused(HandoffUnavailable):
    """The service answered and refused (4xx other than 429): `status` and the error `code`
    of its envelope, for the callers that tell these apart (a closed ticket: 409)."""

    def __init__(self, path: str, status: int, code: str = "") -> None:
        super().__init__(f"{path}: HTTP {status}")
        self.status = status
        self.code = code


class HandoffRateLimited(HandoffUnavailable):
    """429: this conversation asked for a person too often lately; `message` is the service's
    polite Chinese sentence for the customer (handoff/texts.py)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HandoffClient:
    def __init__(self, config: Optional[Settings] = None, transport: Optional[httpx.AsyncBaseTransport] = None):
        self.config = config or default_settings
        self.transport = transport

    async def _post(self, path: str, body: Dict[str, Any], attempts: int = 1) -> httpx.Response:
        return await self._request("POST", path, body, attempts)

    async def _get(self, path: str, attempts: int = 1) -> httpx.Response:
        return await self._request("GET", path, None, attempts)

    async def _request(self, method: str, path: str, body: Optional[Dict[str, Any]], attempts: int) -> httpx.Response:
        headers = {SERVICE_KEY_HEADER: self.config.handoff_service_key}
        last: Optional[Exception] = None
        async with httpx.AsyncClient(
            base_url=self.config.handoff_url, timeout=self.config.handoff_timeout_s, transport=self.transport
        ) as client:
            for _ in range(attempts):
                try:
                    response = await client.request(method, path, json=body, headers=headers)
                except httpx.HTTPError as error:
                    last = error
                    continue
                if response.status_code == 429:
                    logger.info("handoff service %s: rate limited", path)
                    raise HandoffRateLimited(_error_message(response))
                if 400 <= response.status_code < 500:
                    logger.warning("handoff service %s answered %s", path, response.status_code)
                    raise HandoffRefused(path, response.status_code, _error_code(response))
                if response.status_code >= 500:
                    logger.warning("handoff service %s answered %s", path, response.status_code)
                    raise HandoffUnavailable(f"{path}: HTTP {response.status_code}")
                return response
        logger.warning("handoff service unreachable at %s: %s", path, type(last).__name__)
        raise HandoffUnavailable(str(last))

    async def open_handoff(self, package: Dict[str, Any]) -> Dict[str, Any]:
        """The service's answer, with `already_open` true when the conversation was already waiting
        or with an agent (the service answers 200 instead of 201 then) from an earlier request:
        a 200 that names this package's `request_id` is this request's own handoff (saved by a
        first attempt whose answer timed out) and is told as new."""
        response = await self._post("/api/handoffs", package, attempts=2)
        answer = response.json()
        own = bool(package.get("request_id")) and answer.get("request_id") == package.get("request_id")
        return dict(answer, already_open=response.status_code == 200 and not own)

    async def rate(self, handoff_id: str, rating: int) -> Dict[str, Any]:
        return (await self._post(f"/api/handoffs/{handoff_id}/rating", {"rating": rating})).json()

    async def add_ticket_message(self, ticket_id: str, text: str) -> Dict[str, Any]:
        """The ticket by its row id (a slot value saved before tickets were named by number)."""
        return (await self._post(f"/api/tickets/{ticket_id}/messages", {"text": text})).json()

    async def add_customer_ticket_message(
        self, number: str, sender_id: str, text: str, message_id: str
    ) -> Dict[str, Any]:
        """The customer's message onto their ticket `number`: idempotent on `message_id` (so
        retried once); reopens an answered or resolved ticket within the window (`reopened`).
        HandoffRefused 409: the ticket is closed; 404: no such ticket of this sender."""
        body = {"sender_id": sender_id, "text": text, "message_id": message_id}
        return (await self._post(f"/api/service/tickets/{number}/messages", body, attempts=2)).json()

    async def lookup_tickets(self, sender_id: str) -> List[Dict[str, Any]]:
        """The sender's latest tickets, newest first."""
        answer = (await self._post("/api/service/tickets/lookup", {"sender_id": sender_id}, attempts=2)).json()
        tickets = answer.get("tickets") if isinstance(answer, dict) else answer
        return [t for t in tickets or [] if isinstance(t, dict)]

    async def business_hours(self) -> Dict[str, Any]:
        """{open_now, hours, business_days, today {date, working, name?}, next_opening, upcoming}."""
        return (await self._get("/api/service/business-hours", attempts=2)).json()

    async def store_rating(self, rating: Dict[str, Any]) -> Dict[str, Any]:
        """A satisfaction rating ({sender_id, channel, handled_by, handoff_id, rating, intents,
        request_id}); idempotent on request_id, so retried once."""
        return (await self._post("/api/service/ratings", rating, attempts=2)).json()


def _error_code(response: httpx.Response) -> str:
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return ""
    return code if isinstance(code, str) else ""


def _error_message(response: httpx.Response) -> str:
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return ""
    return message if isinstance(message, str) else ""


def handoff_service() -> HandoffClient:
    return HandoffClient()
