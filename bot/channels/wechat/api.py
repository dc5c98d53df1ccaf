"""The WeChat API calls the connector makes: access_token, customer-service and template messages.

wechatpy's WeChatClient is synchronous and hard-codes the API host, so the
calls are made here with httpx.AsyncClient against the configured base URL.

WeChat puts the AppSecret (token endpoint) and the access_token (every other call)
into the query string, and httpx logs each request's URL at INFO: its loggers are
kept at WARNING and redact those parameters, and what this module logs about a
failed call never holds the URL's query, the AppSecret or the token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Iterable, List, Optional

import httpx

from bot.channels.wechat.budget import BudgetTracker
from bot.channels.wechat.config import WeChatConfig
from bot.channels.wechat.render import fit_messages
from bot.channels.wechat.store import Store

logger = logging.getLogger(__name__)

# Query parameters whose values never reach a log line.
_SECRET_PARAMS = re.compile(r"((?:secret|access_token|token|key|password)=)[^&\s'\"]+", re.IGNORECASE)
HTTP_CLIENT_LOGGERS = ("httpx", "httpcore")


def redact(text: str, secrets: Iterable[Optional[str]] = ()) -> str:
    """`text` with secret query parameters and the given secret values replaced by ***."""
    text = _SECRET_PARAMS.sub(r"\1***", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class _RedactQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        record.msg, record.args = redact(message), ()
        return True


def quiet_http_client_logs() -> None:
    """httpx's request lines (URL with query) stay out of the logs, and are redacted if
    a logging configuration lowers the level again (idempotent)."""
    for name in HTTP_CLIENT_LOGGERS:
        library = logging.getLogger(name)
        if library.getEffectiveLevel() < logging.WARNING:
            library.setLevel(logging.WARNING)
        if not any(isinstance(f, _RedactQuery) for f in library.filters):
            library.addFilter(_RedactQuery())


quiet_http_client_logs()

TOKEN_KEY = "access_token"
# Refresh this long before WeChat's expiry: a new fetch invalidates the old token
# after a short overlap, so every instance must use the one cached token.
REFRESH_MARGIN_S = 300
# invalid credential, invalid access_token, access_token expired
TOKEN_ERRORS = {40001, 40014, 42001}
CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"


class WeChatApiError(Exception):
    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"{errcode} {redact(errmsg)}")
        self.errcode = errcode


class WeChatApi:
    def __init__(self, config: WeChatConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.budget = BudgetTracker(store)
        self._base = config.api_base_url.rstrip("/")
        self._client: Optional[httpx.AsyncClient] = None
        self._client_loop: Optional[asyncio.AbstractEventLoop] = None

    def _http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            self._client = httpx.AsyncClient(timeout=self.config.http_timeout_s)
            self._client_loop = loop
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def redacted(self, text: str) -> str:
        """`text` as it may be logged: without a URL's secret query parameters, the
        AppSecret or the current access_token."""
        try:
            token = await self.store.get(TOKEN_KEY)
        except Exception:  # the store is down: the query patterns still apply
            token = None
        return redact(text, (self.config.secret, token))

    async def describe(self, error: BaseException) -> str:
        """A failed call as it may be logged: the error's type and redacted message."""
        return await self.redacted(f"{type(error).__name__}: {error}")

    # ------------------------------------------------------------- access_token
    async def access_token(self, rejected: Optional[str] = None) -> str:
        """The cached token; fetched once (across instances with Redis) when missing,
        near expiry, or equal to `rejected` (a token the API just refused)."""
        cached = await self.store.get(TOKEN_KEY)
        if cached and cached != rejected:
            return cached
        async with self.store.lock("access-token"):
            cached = await self.store.get(TOKEN_KEY)  # someone else may have refreshed it
            if cached and cached != rejected:
                return cached
            token, expires_in = await self._fetch_token()
            await self.store.set(TOKEN_KEY, token, max(1, expires_in - REFRESH_MARGIN_S))
            return token

    async def _fetch_token(self) -> tuple:
        response = await self._http().get(
            f"{self._base}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.config.appid, "secret": self.config.secret},
        )
        data = _json(response)
        if not data.get("access_token"):
            errmsg = redact(str(data.get("errmsg", "")), (self.config.secret,))
            raise WeChatApiError(int(data.get("errcode", -1)), errmsg)
        logger.info("wechat: fetched a new access_token (expires in %s s)", data.get("expires_in"))
        return data["access_token"], int(data.get("expires_in", 7200))

    # ----------------------------------------------------------- custom/send
    async def send_texts(self, openid: str, texts: List[str]) -> None:
        """The replies to one customer message, fitted to WeChat's limits (size, count)."""
        for text in fit_messages(texts):
            await self.send_text(openid, text)

    async def send_text(self, openid: str, content: str) -> bool:
        """One customer-service text message; True when WeChat accepted it."""
        return await self.send_text_result(openid, content) == 0

    async def send_text_result(self, openid: str, content: str) -> Optional[int]:
        """One customer-service text message: WeChat's errcode (0: accepted), None when
        its servers did not answer. Counted against the customer's budget."""
        body = json.dumps(
            {"touser": openid, "msgtype": "text", "text": {"content": content}}, ensure_ascii=False
        ).encode("utf-8")
        # 45015: more than 48 h since the customer wrote; 45047: over 5 replies;
        # 48001: account without the API (use mode: passive); 40164: IP not whitelisted.
        errcode = await self._send(CUSTOM_SEND, openid, body, "customer-service message")
        try:
            await self.budget.record(openid, errcode, time.time())
        except Exception as error:
            logger.warning("wechat: message count of %s not updated (%s)", openid, await self.describe(error))
        return errcode

    async def send_template(self, openid: str, template_id: str, data: dict, client_msg_id: str) -> Optional[int]:
        """One template message (not counted against the customer-service budget): WeChat's
        errcode (0: accepted; 43004: the customer does not follow the account; 40037: no
        such template), None when its servers did not answer. `client_msg_id` makes
        WeChat send a repeat of the same call only once."""
        body = json.dumps(
            {"touser": openid, "template_id": template_id, "client_msg_id": client_msg_id, "data": data},
            ensure_ascii=False,
        ).encode("utf-8")
        return await self._send(TEMPLATE_SEND, openid, body, "template message")

    async def _send(self, path: str, openid: str, body: bytes, what: str) -> Optional[int]:
        """POSTs `body` with the access_token (refreshed once if refused); the errcode."""
        errcode: Optional[int]
        try:
            token = await self.access_token()
            errcode, errmsg = await self._post(path, token, body)
            if errcode in TOKEN_ERRORS:
                logger.info("wechat: access_token refused (%s), refreshing once", errcode)
                token = await self.access_token(rejected=token)
                errcode, errmsg = await self._post(path, token, body)
        except Exception as error:  # network, HTTP status, API error, bad JSON: the caller goes on
            logger.warning("wechat: %s to %s not sent (%s)", what, openid, await self.describe(error))
            return error.errcode if isinstance(error, WeChatApiError) else None
        if errcode != 0:
            logger.warning("wechat: %s to %s refused: %s %s", what, openid, errcode, await self.redacted(errmsg))
        return errcode

    async def _post(self, path: str, token: str, body: bytes) -> tuple:
        url = f"{self._base}{path}"
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            response = await self._http().post(url, params={"access_token": token}, content=body, headers=headers)
        except httpx.ConnectError:
            # Never connected, so nothing was delivered: one more try is safe.
            await asyncio.sleep(0.3)
            response = await self._http().post(url, params={"access_token": token}, content=body, headers=headers)
        data = _json(response)
        return int(data.get("errcode", 0)), str(data.get("errmsg", ""))


def _json(response: httpx.Response) -> dict:
    response.raise_for_status()
    data = response.json()
    if not isinstance(data, dict):
        raise ValueError("WeChat API answered with non-object JSON")
    return data
