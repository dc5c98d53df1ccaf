"""Async client of the shop backend (shop_backend/CONTRACT.md).

- one shared `httpx.AsyncClient` per event loop, 2 s timeout, the service-key header;
- reads (GET) are retried twice with a short backoff, state-changing POSTs never
  (they carry an `Idempotency-Key` instead, so a repeat changes nothing twice);
- a circuit breaker opens after N consecutive failures (connection errors,
  timeouts, 5xx) and lets one trial call through after a cool-down;
- error bodies `{"error": {"code", "message"}}` become `BackendError(code, ...)`;
  an unreachable or broken backend becomes `BackendUnavailable`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any, Dict, Optional

import httpx

from actions.settings import Settings
from actions.settings import settings as default_settings
from contract.http import REQUESTER_HEADER, SERVICE_KEY_HEADER

logger = logging.getLogger(__name__)


class BackendError(Exception):
    """The backend answered with a business or validation error."""

    def __init__(self, code: str, message: str = "", status: int = 0, details: Optional[dict] = None):
        super().__init__(f"{code} ({status}): {message}")
        self.code = code
        self.status = status
        self.details = details or {}


class BackendUnavailable(Exception):
    """The backend could not be reached, timed out, failed (5xx) or the breaker is open."""


class CircuitBreaker:
    """closed → (N consecutive failures) → open → (cool-down) → half-open → closed/open."""

    def __init__(self, failures: int, cooldown_s: float, clock=time.monotonic):
        self.threshold = failures
        self.cooldown_s = cooldown_s
        self.clock = clock
        self.failures = 0
        self.opened_at: Optional[float] = None
        self.trial_running = False

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        if self.clock() - self.opened_at >= self.cooldown_s:
            return "half-open"
        return "open"

    def allow(self) -> bool:
        state = self.state
        if state == "closed":
            return True
        if state == "half-open" and not self.trial_running:
            self.trial_running = True
            return True
        return False

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None
        self.trial_running = False

    def failure(self) -> None:
        self.trial_running = False
        self.failures += 1
        if self.opened_at is not None or self.failures >= self.threshold:
            if self.opened_at is None:
                logger.warning("shop backend circuit breaker opened after %d failures", self.failures)
            self.opened_at = self.clock()


def idempotency_key(conversation_id: str, errand: str, order_id: Optional[str], turn: Any) -> str:
    """Same conversation + errand + order + customer message (`turn`: common.turn_id) → same key:
    the same message handled again changes nothing twice, a new message (in this session or
    a later one) is a new request."""
    raw = f"{conversation_id}|{errand}|{order_id or '-'}|{turn}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


class BackendClient:
    def __init__(self, config: Optional[Settings] = None, transport: Optional[httpx.AsyncBaseTransport] = None):
        self.config = config or default_settings
        self.breaker = CircuitBreaker(self.config.breaker_failures, self.config.breaker_cooldown_s)
        self._transport = transport
        self._clients: Dict[int, httpx.AsyncClient] = {}

    def _client(self) -> httpx.AsyncClient:
        # httpx clients are bound to the event loop that created them.
        loop_id = id(asyncio.get_running_loop())
        client = self._clients.get(loop_id)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(
                base_url=self.config.backend_url,
                timeout=self.config.timeout_s,
                headers={SERVICE_KEY_HEADER: self.config.service_key},
                transport=self._transport,
            )
            self._clients[loop_id] = client
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params=None,
        json=None,
        idem_key: Optional[str] = None,
        requester: Optional[str] = None,
    ) -> Any:
        attempts = 1 + (self.config.read_retries if method == "GET" else 0)
        headers = {"Idempotency-Key": idem_key} if idem_key else {}
        if requester is not None:
            headers[REQUESTER_HEADER] = requester_id(requester)
        last_error: Optional[Exception] = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.config.retry_backoff_s * (2 ** (attempt - 1)))
            if not self.breaker.allow():
                raise BackendUnavailable("circuit breaker open")
            try:
                response = await self._client().request(method, path, params=params, json=json, headers=headers or None)
            except httpx.HTTPError as error:  # connect errors, timeouts, protocol errors
                self.breaker.failure()
                last_error = error
                logger.warning("shop backend %s %s failed: %s", method, path, type(error).__name__)
                continue
            if response.status_code >= 500:
                self.breaker.failure()
                last_error = BackendUnavailable(f"{method} {path}: HTTP {response.status_code}")
                logger.warning("shop backend %s %s: HTTP %d", method, path, response.status_code)
                continue
            self.breaker.success()
            if response.status_code >= 400:
                raise _error_from(response)
            try:
                return response.json()
            except ValueError as error:
                raise BackendUnavailable(f"{method} {path}: body is not JSON") from error
        raise BackendUnavailable(str(last_error))

    # ------------------------------------------------------------------ reads
    async def get(self, path: str, **params) -> Any:
        return await self._request("GET", path, params={k: v for k, v in params.items() if v is not None} or None)

    async def customer(self, customer_id: str) -> dict:
        return await self.get(f"/v1/customers/{customer_id}")

    async def customer_by_channel(self, channel: str, external_id: str) -> dict:
        return await self.get("/v1/customers/by-channel", channel=channel, external_id=external_id)

    async def orders(self, customer_id: str) -> list:
        return (await self.get(f"/v1/customers/{customer_id}/orders")).get("orders", [])

    async def points(self, customer_id: str) -> dict:
        return await self.get(f"/v1/customers/{customer_id}/points")

    async def membership(self, customer_id: str) -> dict:
        return await self.get(f"/v1/customers/{customer_id}/membership")

    async def order(self, order_id: str, customer_id: str) -> dict:
        return await self.get(f"/v1/orders/{order_id}", customer_id=customer_id)

    async def logistics(self, order_id: str, customer_id: str) -> dict:
        return await self.get(f"/v1/orders/{order_id}/logistics", customer_id=customer_id)

    async def refund(self, order_id: str, customer_id: str) -> dict:
        return await self.get(f"/v1/orders/{order_id}/refund", customer_id=customer_id)

    async def invoices(self, order_id: str, customer_id: str) -> list:
        """The order's invoices, newest first."""
        return (await self.get(f"/v1/orders/{order_id}/invoices", customer_id=customer_id)).get("invoices", [])

    # ----------------------------------------------------------------- writes
    async def post(
        self, path: str, body: Optional[dict] = None, idem_key: Optional[str] = None, requester: Optional[str] = None
    ) -> Any:
        return await self._request("POST", path, json=body or {}, idem_key=idem_key, requester=requester)

    async def send_code(self, phone: str, requester: str) -> dict:
        """An SMS code to the phone; `requester` (the conversation's sender id) is the backend's throttle key."""
        return await self.post("/v1/verification-codes", {"phone": phone}, requester=requester)

    async def check_code(self, phone: str, code: str) -> dict:
        return await self.post("/v1/verification-codes/check", {"phone": phone, "code": code})

    async def urge(self, order_id: str, customer_id: str, idem_key: Optional[str] = None) -> dict:
        return await self.post(f"/v1/orders/{order_id}/urge", {"customer_id": customer_id}, idem_key)

    async def cancel(self, order_id: str, customer_id: str, idem_key: str, reason: Optional[str] = None) -> dict:
        body = _body(customer_id=customer_id, optional={"reason": reason})
        return await self.post(f"/v1/orders/{order_id}/cancel", body, idem_key)

    async def change_address(self, order_id: str, customer_id: str, address: dict, idem_key: str) -> dict:
        return await self.post(f"/v1/orders/{order_id}/address", {"customer_id": customer_id, **address}, idem_key)

    async def create_return(
        self, order_id: str, customer_id: str, kind: str, reason: str, idem_key: str, exchange_for: Optional[str] = None
    ) -> dict:
        body = _body(customer_id=customer_id, kind=kind, reason=reason, optional={"exchange_for": exchange_for})
        return await self.post(f"/v1/orders/{order_id}/returns", body, idem_key)

    async def create_invoice(
        self, order_id: str, customer_id: str, title: str, email: str, idem_key: str, tax_number: Optional[str] = None
    ) -> dict:
        body = _body(customer_id=customer_id, title=title, email=email, optional={"tax_number": tax_number})
        return await self.post(f"/v1/orders/{order_id}/invoices", body, idem_key)

    async def reissue_invoice(
        self, invoice_id: str, customer_id: str, idem_key: str, email: Optional[str] = None
    ) -> dict:
        body = _body(customer_id=customer_id, optional={"email": email})
        return await self.post(f"/v1/invoices/{invoice_id}/reissue", body, idem_key)

    async def password_reset(self, customer_id: str, idem_key: str) -> dict:
        return await self.post(f"/v1/customers/{customer_id}/password-reset", {}, idem_key)

    async def phone_change_code(self, customer_id: str, new_phone: str, requester: str) -> dict:
        return await self.post(
            f"/v1/customers/{customer_id}/phone-change/code", {"new_phone": new_phone}, requester=requester
        )

    async def phone_change(self, customer_id: str, new_phone: str, code: str, idem_key: str) -> dict:
        return await self.post(
            f"/v1/customers/{customer_id}/phone-change", {"new_phone": new_phone, "code": code}, idem_key
        )


def _body(optional: Dict[str, Any], **fields: Any) -> Dict[str, Any]:
    """A request body: the fields, and those of `optional` that have a value."""
    return {**fields, **{name: value for name, value in optional.items() if value}}


def _error_from(response: httpx.Response) -> BackendError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        # FastAPI's own 404/405/422 bodies ({"detail": ...}) have no machine code.
        code = {404: "not_found", 401: "unauthorized", 422: "validation_error"}.get(
            response.status_code, "unknown_error"
        )
        return BackendError(code, str(body)[:200], response.status_code)
    details = dict(error)
    if "retry_after" not in details and response.headers.get("Retry-After", "").isdigit():
        details["retry_after"] = int(response.headers["Retry-After"])
    return BackendError(
        str(error.get("code", "unknown_error")), str(error.get("message", "")), response.status_code, details
    )


def requester_id(sender_id: str) -> str:
    """The X-Requester value of a conversation: its sender id when it is a short printable
    ASCII word, else a digest of it (a header carries ASCII only; the same sender, the same key)."""
    text = str(sender_id)
    if 0 < len(text) <= 128 and text.isascii() and text.isprintable() and " " not in text:
        return text
    return "sha256-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]


_shared: Optional[BackendClient] = None


def backend() -> BackendClient:
    """The process-wide client (one breaker for the whole action server)."""
    global _shared
    if _shared is None:
        _shared = BackendClient()
    return _shared
