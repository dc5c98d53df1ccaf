"""The WeChat Official Account input channel (`bot.channels.wechat.WeChatInput`).

Webhook: GET/POST /webhooks/wechat/webhook. Every push is answered within
WeChat's 5 s: in `customer_service` mode with `success` once the push is stored
in the durable inbox (503 when it cannot be stored, so that WeChat resends), while
a worker per customer runs the turns in order and the replies go out through the
customer-service API; in `passive` mode with one passive-reply XML when the bot is
ready in time, otherwise by staying silent so that WeChat resends and the resend gets it.

Customer-service mode survives restarts: an item leaves the inbox only when its
turn's replies went out (or definitively failed); items left by a stopped or killed
process are processed when Rasa starts again; a graceful stop lets running turns
finish (up to `drain_timeout_s`) and starts no new ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from typing import Any, Awaitable, Callable, Coroutine, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy.crypto import WeChatCrypto

from bot import identity_token, rate_limit
from bot.channels.wechat import protocol, texts
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.config import PASSIVE, WeChatConfig
from bot.channels.wechat.customer_state import CustomerState
from bot.channels.wechat.inbound import TEXT, UNSUPPORTED, WELCOME, Inbound, classify
from bot.channels.wechat.inbox import Inbox, Item
from bot.channels.wechat.output import TurnCollector, WeChatOutput
from bot.channels.wechat.render import Rendered, fit_messages, merge_into_one, render_turn
from bot.channels.wechat.store import make_store
from contract.channels import WECHAT
from contract.messages import RATE_LIMITED_TEXT
from privacy import mask_text

logger = logging.getLogger(__name__)

# WeChat delivers a push at most three times (the first try and two retries).
DELIVERIES = 3
POLL_S = 0.05
# Store key prefix of the messages already taken (dedupe of retries and replays).
SEEN = "seen:"
# SEEN's value while the push is being stored (for at most reply_timeout_s): a resend
# arriving meanwhile is answered 503, so it is neither taken twice nor lost.
STORING = "storing"
# A turn that failed (or whose process died) this many times is dropped from the inbox.
MAX_TURN_ATTEMPTS = 3
# Store key prefix: the customer was told of the message rate limit in this stretch.
RATE_TOLD = "rate-told:"
# Rasa reads a message starting with "/" as an intent with entities (a button's payload).
# A customer typing on WeChat has no buttons: their "/restart" or "/inform{...}" is text.
INTENT_PREFIX = "/"
TYPED_PREFIX = "／"


def typed_text(text: str) -> str:
    """What the customer typed, never read as an intent payload (the normaliser folds the
    full-width slash back for NLU)."""
    return TYPED_PREFIX + text[len(INTENT_PREFIX) :] if text.startswith(INTENT_PREFIX) else text


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused (TooLarge) as soon as it passes `limit` bytes: a huge
    body is never held in memory whole."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise protocol.TooLarge("declared body too large")
    stream = request.stream
    if stream is None:  # not a streaming route: Sanic has read the body already
        body = request.body or b""
        if len(body) > limit:
            raise protocol.TooLarge("body too large")
        return body
    chunks: List[bytes] = []
    size = 0
    while True:
        chunk = await stream.read()
        if chunk is None:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise protocol.TooLarge("body too large")
        chunks.append(chunk)


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return WECHAT

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> WeChatInput:
        return cls(WeChatConfig.from_credentials(credentials))

    def __init__(self, config: WeChatConfig) -> None:
        self.config = config
        self.store = make_store(config.redis_url, config.appid)
        self.api = WeChatApi(config, self.store)
        self.customers = CustomerState(self.store, config.choices_ttl_s)
        self.crypto = (
            WeChatCrypto(config.token, config.encoding_aes_key, config.appid) if config.encoding_aes_key else None
        )
        self._on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        # References to running turns: asyncio keeps only weak ones.
        self._tasks: Set[asyncio.Task] = set()
        self._user_locks: Dict[str, list] = {}
        # customer_service mode: the durable inbox and one worker task per customer with items.
        self.inbox: Optional[Inbox] = None if config.mode == PASSIVE else Inbox(config.inbox_path)
        self._workers: Dict[str, asyncio.Task] = {}
        self._stopping = False

    # --------------------------------------------------------------- Rasa API
    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeChatOutput(
            self.api,
            self.customers,
            passive=self.config.mode == PASSIVE,
            queue_update_reserve=self.config.queue_update_reserve,
            inbox=self.inbox,
            ticket_template_id=self.config.ticket_template_id,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self._on_new_message = on_new_message
        webhook = Blueprint("wechat_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": self.config.mode})

        @webhook.route("/webhook", methods=["GET"])
        async def verify_url(request: Request) -> HTTPResponse:
            return self.verify_url(request.args)

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = await read_limited(request, protocol.MAX_BODY_BYTES)
            except protocol.TooLarge:
                logger.warning("wechat: push refused (body over %s bytes)", protocol.MAX_BODY_BYTES)
                return response.text("payload too large", status=413)
            return await self.receive(request.args, body)

        @webhook.listener("after_server_start")
        async def catch_up(*_: Any) -> None:
            self.catch_up()

        @webhook.listener("before_server_stop")
        async def drain(*_: Any) -> None:
            await self.drain()

        @webhook.listener("after_server_stop")
        async def close(*_: Any) -> None:
            await self.api.close()
            await self.store.close()
            if self.inbox is not None:
                self.inbox.close()

        return webhook

    # ---------------------------------------------------------------- webhook
    def verify_url(self, args: Any, now: Optional[float] = None) -> HTTPResponse:
        """WeChat's URL check: echo `echostr` when the signature is ours."""
        echostr = args.get("echostr")
        try:
            protocol.check_request_signature(
                self.config.token, args.get("signature"), args.get("timestamp"), args.get("nonce")
            )
            protocol.check_timestamp(args.get("timestamp"), self.config.max_clock_skew_s, now)
        except protocol.Refused as refusal:
            logger.warning("wechat: URL check refused (%s)", refusal)
            return response.text("forbidden", status=403)
        if not echostr:
            return response.text("missing echostr", status=400)
        return response.text(echostr, content_type="text/plain")

    async def receive(self, args: Any, body: bytes) -> HTTPResponse:
        arrived = time.monotonic()
        try:
            inbound = self.read_push(args, body)
        except protocol.Refused as refusal:
            logger.warning("wechat: push refused (%s)", refusal)
            return response.text("forbidden", status=403)
        except protocol.Malformed as problem:
            logger.warning("wechat: unreadable push (%s)", mask_text(str(problem)))
            return response.text("bad request", status=400)
        if not await self._signature_used_once(args, body):
            logger.warning("wechat: push refused (signed query reused with another body)")
            return response.text("forbidden", status=403)
        if inbound is None:
            return response.text("success")
        if self.config.mode == PASSIVE:
            # The first sight of a message claims it, in every instance sharing the store:
            # WeChat's retries and any replay within the window are answered, not processed.
            first = await self.store.add(SEEN + inbound.key, "1", self.config.dedupe_ttl_s)
            return await self._answer_passively(inbound, first, args, arrived)
        return await self._take(inbound)

    def read_push(self, args: Any, body: bytes, now: Optional[float] = None) -> Optional[Inbound]:
        """Checks signatures, the clock and the mode (and decrypts); raises Refused or Malformed.

        With an EncodingAESKey configured only encrypted pushes are taken: a plaintext
        one would have a body nobody signed (a downgrade), so it is refused."""
        timestamp, nonce = args.get("timestamp"), args.get("nonce")
        protocol.check_request_signature(self.config.token, args.get("signature"), timestamp, nonce)
        protocol.check_timestamp(timestamp, self.config.max_clock_skew_s, now)
        encrypted = protocol.is_encrypted(args.get("encrypt_type"))
        if self.crypto is not None and not encrypted:
            raise protocol.Refused("plaintext push while an EncodingAESKey is configured")
        outer = protocol.parse_xml(body)
        if encrypted:
            if self.crypto is None:
                raise protocol.Malformed("encrypted push but no encoding_aes_key configured")
            plain = protocol.decrypt_body(
                self.crypto, self.config.token, outer, args.get("msg_signature"), timestamp, nonce
            )
        else:
            plain = body.decode("utf-8", errors="replace")
        message = protocol.read_message(plain)
        protocol.check_create_time(message, self.config.max_clock_skew_s, now)
        return classify(message, body_signed=encrypted)

    async def _signature_used_once(self, args: Any, body: bytes) -> bool:
        """In plaintext mode `signature` does not cover the body: a signed query seen
        once may come again only with the same body (WeChat's own retries)."""
        digest = hashlib.sha256(body).hexdigest()
        key = f"nonce:{args.get('timestamp')}:{args.get('nonce')}"
        if await self.store.add(key, digest, self.config.dedupe_ttl_s):
            return True
        return await self.store.get(key) == digest

    def _spawn(self, work: Coroutine) -> asyncio.Task:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("wechat: turn failed", exc_info=task.exception())

    @contextlib.asynccontextmanager
    async def _user_lock(self, openid: str):
        """One turn at a time per customer in this process, so replies keep their order."""
        entry = self._user_locks.setdefault(openid, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                self._user_locks.pop(openid, None)

    # ------------------------------------------------------------------ turns
    def metadata(self, inbound: Inbound) -> Dict[str, Any]:
        claims = {"channel": self.name(), "external_id": inbound.openid}
        metadata: Dict[str, Any] = dict(claims)
        if self.config.vouches_identity and inbound.body_signed:
            # WeChat signed this message (msg_signature covers the encrypted body,
            # FromUserName included), so it vouches for the OpenID.
            metadata[identity_token.METADATA_KEY] = identity_token.sign(claims)
        return metadata

    async def _over_rate_limit(self, openid: str) -> Optional[Rendered]:
        """None when the message may go on; else what to answer: the polite note once
        per limited stretch, then nothing (a flood gets no flood of replies)."""
        retry = rate_limit.MESSAGE_RATE_LIMITER.retry_after(openid)
        if retry is None:
            return None
        logger.info("wechat: %s over the message rate limit (again in %.0f s)", openid, retry)
        if await self.store.add(RATE_TOLD + openid, "1", retry):
            return Rendered([RATE_LIMITED_TEXT])
        return Rendered()

    async def _run_turn(self, inbound: Inbound) -> Rendered:
        limited = await self._over_rate_limit(inbound.openid)
        if limited is not None:
            return limited
        if inbound.kind == UNSUPPORTED:
            return Rendered([texts.UNSUPPORTED])
        text = inbound.text
        if inbound.kind == TEXT:
            text = await self.customers.resolve_choice(inbound.openid, text)
            if text == inbound.text:
                text = typed_text(text)
        collector = TurnCollector()
        message = UserMessage(
            text,
            collector,
            inbound.openid,
            input_channel=self.name(),
            message_id=inbound.message_id,
            metadata=self.metadata(inbound),
        )
        failed = False
        try:
            assert self._on_new_message is not None, "blueprint() not called"
            await self._on_new_message(message)
        except Exception:
            logger.exception("wechat: Rasa failed on a message from %s", inbound.openid)
            collector.messages, failed = [], True
        rendered = render_turn(collector.messages)
        if not rendered.texts:
            # A turn without a reply is not a failure: while a person holds the
            # conversation (handoff) the bot is silent on purpose.
            if inbound.kind == WELCOME:
                rendered.texts.append(texts.WELCOME_FALLBACK)
            elif failed:
                rendered.texts.append(texts.BOT_ERROR)
        await self.customers.remember_choices(inbound.openid, rendered)
        return rendered

    # ------------------------------------------------- customer_service: inbox
    async def _take(self, inbound: Inbound) -> HTTPResponse:
        """Stores the push, then answers `success`; 503 (WeChat resends) when it cannot."""
        assert self.inbox is not None
        key = SEEN + inbound.key
        # The first sight of a message claims it, in every instance sharing the store:
        # WeChat's retries and any replay within the window are answered, not processed.
        if not await self.store.add(key, STORING, self.config.reply_timeout_s):
            if await self.store.get(key) == STORING:
                return response.text("", status=503)  # the first delivery is being stored
            logger.info("wechat: repeat of %s ignored (already taken)", inbound.key)
            return response.text("success")
        now = time.time()
        try:
            fresh = self.inbox.put(inbound, now)
        except Exception:
            logger.exception("wechat: push not stored; WeChat is asked to resend it")
            with contextlib.suppress(Exception):
                await self.store.delete(key)
            return response.text("", status=503)
        await self.store.set(key, "1", self.config.dedupe_ttl_s)
        if not fresh:
            logger.info("wechat: repeat of %s ignored (in the inbox)", inbound.key)
            return response.text("success")
        try:
            await self.api.budget.customer_wrote(inbound.openid, now)
        except Exception:
            logger.warning("wechat: the message count of %s not renewed", inbound.openid, exc_info=True)
        self._kick(inbound.openid)
        return response.text("success")

    def catch_up(self) -> int:
        """Starts the workers of the customers with items left by an earlier process."""
        if self.inbox is None:
            return 0
        openids = self.inbox.openids()
        if openids:
            logger.info("wechat: %s customers have messages left in the inbox; processing them", len(openids))
        for openid in openids:
            self._kick(openid)
        return len(openids)

    def _kick(self, openid: str) -> None:
        """A worker for the customer, unless one runs: it takes their items in order."""
        if self._stopping or openid in self._workers:
            return
        self._workers[openid] = self._spawn(self._work(openid))

    async def _work(self, openid: str) -> None:
        assert self.inbox is not None
        try:
            while not self._stopping:
                # No await between finding the inbox empty and leaving _workers: a push
                # stored meanwhile either is found here or starts a new worker.
                item = self.inbox.next_for(openid)
                if item is None:
                    break
                await self._process(item)
        finally:
            self._workers.pop(openid, None)

    async def _process(self, item: Item) -> None:
        assert self.inbox is not None
        inbound = item.inbound
        async with self._user_lock(inbound.openid):
            replies = item.replies
            if replies is None:
                if self.inbox.begin(item.id) > MAX_TURN_ATTEMPTS:
                    logger.error("wechat: %s dropped after %s failed tries", inbound.key, MAX_TURN_ATTEMPTS)
                    self.inbox.remove(item.id)
                    return
                try:
                    await self.api.budget.customer_wrote(inbound.openid, item.stored_at)
                except Exception:
                    logger.warning("wechat: the message count of %s not renewed", inbound.openid, exc_info=True)
                rendered = await self._run_turn(inbound)
                # Held ticket answers go out first, within WeChat's 5 messages.
                replies = self.inbox.answered(item.id, rendered.texts, fit=lambda held, own: fit_messages(held + own))
            for reply in replies[item.sent :]:
                # A refusal is logged by the API client; the customer's own turn is never
                # retried (its replies were within WeChat's budget).
                await self.api.send_text_result(inbound.openid, reply)
                self.inbox.sent_one(item.id)
            self.inbox.remove(item.id)

    async def drain(self) -> None:
        """Graceful stop: no new turns; running ones get up to drain_timeout_s to finish.
        What is left stays in the inbox for the next start."""
        self._stopping = True
        running = [task for task in self._tasks if not task.done()]
        if running:
            logger.info("wechat: waiting up to %.0f s for %s running turns", self.config.drain_timeout_s, len(running))
            _, pending = await asyncio.wait(running, timeout=self.config.drain_timeout_s)
            if pending:
                logger.warning("wechat: %s turns still running at stop; their messages stay in the inbox", len(pending))
        if self.inbox is not None and self.inbox.count():
            logger.info("wechat: %s messages left in the inbox for the next start", self.inbox.count())

    # ---------------------------------------------------------------- passive
    async def _answer_passively(self, inbound: Inbound, first: bool, args: Any, arrived: float) -> HTTPResponse:
        key, ttl = inbound.key, self.config.dedupe_ttl_s
        delivery = await self.store.incr("deliveries:" + key, ttl)
        if first:
            self._spawn(self._passive_turn(inbound))
        reply = await self._wait_for("reply:" + key, arrived + self.config.passive_budget_s)
        if reply is None and delivery >= DELIVERIES:
            # WeChat's last try: say that the answer comes later; the turn then
            # keeps it for the customer's next message (whoever claims it first).
            await self.store.set("gave-up:" + key, "1", ttl)
            reply = await self.store.get("reply:" + key)
            if reply is None or not await self.store.add("claimed:" + key, "1", ttl):
                reply = texts.PASSIVE_STILL_WORKING
        if reply is None:
            # Stay silent past WeChat's timeout: it resends, and the resend gets the answer.
            hold_until = arrived + self.config.reply_timeout_s + 1.0
            reply = await self._wait_for("reply:" + key, hold_until)
            if reply is None:
                return response.text("", status=503)
        if not reply:
            return response.text("success")  # nothing to say (a person holds the conversation)
        return self._passive_response(inbound, reply, args)

    async def _wait_for(self, key: str, until: float) -> Optional[str]:
        while True:
            value = await self.store.get(key)
            remaining = until - time.monotonic()
            if value is not None or remaining <= 0:
                return value
            await asyncio.sleep(min(POLL_S, remaining))

    def _passive_response(self, inbound: Inbound, reply: str, args: Any) -> HTTPResponse:
        xml = protocol.passive_text_reply(inbound.openid, inbound.account, reply)
        if args.get("encrypt_type", "raw").lower() == "aes" and self.crypto is not None:
            xml = protocol.encrypt_reply(self.crypto, xml, args.get("nonce"))
        return response.text(xml, content_type="application/xml")

    async def _passive_turn(self, inbound: Inbound) -> None:
        key, ttl = inbound.key, self.config.dedupe_ttl_s
        async with self._user_lock(inbound.openid):
            rendered = await self._run_turn(inbound)
            earlier = await self.customers.pop_late(inbound.openid)
            reply, rest = merge_into_one(earlier + rendered.texts)
            if rest:
                await self.customers.add_late(inbound.openid, rest)
            await self.store.set("reply:" + key, reply, ttl)
            if reply and await self.store.get("gave-up:" + key) and await self.store.add("claimed:" + key, "1", ttl):
                await self.customers.add_late(inbound.openid, [reply])
