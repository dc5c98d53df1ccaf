"""Fault injection against the real processes: a stack whose every process can be killed
(SIGKILL) and started again on the same port with the same database and state, and the
scenarios of issue 11 that run on it (used by tests/faults and benchmarks/faults.py).

`running_fault_stack(state_dir)` starts the shop backend, the handoff service, the action
server and Rasa the way tests/services.py does (scripts/*, the stack's generated secrets,
loopback, SQLite files in `state_dir`, Rasa's SQL tracker store and the handoff relay
broker) and yields a `FaultStack` of `RestartableService`s (tests/services.py);
`kill(stack.handoff)`, `start(...)`, `restart(..., down_s)` (likewise `backend`, `actions`,
`rasa`) are the faults. A Rasa start costs a minute or
two on a small machine: a scenario restarts Rasa only where Rasa is the fault.

Every scenario takes the number of customer messages to send and returns a `FaultResult`:
what was sent, what reached the handoff service (exactly once each), what was answered
by the bot or held by a person, and whether Rasa's pause and the service's state agree at
the end. Customer texts are plain Chinese without phone numbers; nothing here logs them.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import queue
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Counter, Dict, Iterator, List, Optional

import requests
import socketio

from bot import identity_token
from contract.delivery import DELIVERED, NOT_DELIVERED, RASA_UNAVAILABLE
from contract.handoff import AGENT, QUEUED
from contract.http import SERVICE_KEY_HEADER
from contract.messages import is_agent_message
from devtools.rasa_server import free_port, latest_model, rasa_command, serves_a_model
from devtools.socketio_client import close_without_waiting
from devtools.waiting import wait_until
from tests.services import (
    HANDOFF_SERVICE_KEY,
    RestartableService,
    actions_env,
    agent_session,
    backend_env,
    endpoints_file,
    handoff_env,
    rasa_headers,
    rest_headers,
    stack_env,
)

RASA_START_S = 300
WAIT_S = 90  # a reply or a relayed message on a busy two-core machine
RELAY_WAIT_S = 120  # the relay catching up after the handoff service was away
# The rate limit of customer messages (bot/rate_limit.py) would answer a long benchmark
# run "too fast": the faults stack lifts it.
RASA_ENV = {"MESSAGE_RATE_LIMIT": "100000"}
KNOWN_CUSTOMER = "C0001"  # a seeded customer of the shop backend (shop_backend/seed.py)
ORDER = "20261101000001"  # C0001's shipped order
SUPERVISOR = "zhou"
AGENT_NAME = "wang"
TYPING_PAUSE_S = 0.3  # between two web chat messages of one customer


# ---------------------------------------------------------------------- processes
def kill(service: RestartableService) -> None:
    """SIGKILL, no goodbye: what a crash or an OOM kill does."""
    service.stop(kill=True)


def start(service: RestartableService, **env: str) -> float:
    """Starts it again (with `env` added to its settings from now on); the seconds until it served."""
    service.env = {**service.env, **env}
    started = time.monotonic()
    service.start()
    return time.monotonic() - started


def restart(service: RestartableService, down_s: float = 0, **env: str) -> float:
    """Kills it, leaves it down `down_s` seconds, starts it again; the seconds until it served."""
    kill(service)
    time.sleep(down_s)
    return start(service, **env)


@dataclass
class FaultStack:
    state_dir: Path
    backend: RestartableService
    handoff: RestartableService
    actions: RestartableService
    rasa: RestartableService
    action_url: str

    @property
    def backend_url(self) -> str:
        return self.backend.url

    @property
    def handoff_url(self) -> str:
        return self.handoff.url

    @property
    def rasa_url(self) -> str:
        return self.rasa.url

    def processes(self) -> List[RestartableService]:
        return [self.backend, self.handoff, self.actions, self.rasa]

    def all_up(self) -> None:
        """Starts what a scenario that failed half-way left down."""
        for process in self.processes():
            if not process.running:
                process.stop()  # forgets the dead one
                process.start()


@contextlib.contextmanager
def running_fault_stack(state_dir: Path, model: Optional[Path] = None) -> Iterator[FaultStack]:
    """Backend, handoff service, action server and Rasa, each restartable on its port and state."""
    ports = {name: free_port() for name in ("backend", "handoff", "actions", "rasa")}
    rasa_url = f"http://127.0.0.1:{ports['rasa']}"
    backend = RestartableService("backend", backend_env(state_dir, ports["backend"]), ports["backend"])
    handoff = RestartableService("handoff", handoff_env(state_dir, rasa_url, ports["handoff"]), ports["handoff"])
    handoff_settings = {"ACTIONS_HANDOFF_URL": handoff.url}
    actions = RestartableService(
        "actions", actions_env(backend.url, ports["actions"], handoff_settings), ports["actions"]
    )
    action_url = f"{actions.url}/webhook"
    endpoints = endpoints_file(state_dir, action_url, handoff_url=handoff.url)
    rasa_env = stack_env(RASA_ENV)
    secret = rasa_env["RASA_JWT_SECRET"]
    rasa = RestartableService(
        "rasa",
        rasa_env,
        ports["rasa"],
        command=rasa_command(ports["rasa"], model or latest_model(), endpoints),
        ready=lambda: serves_a_model(rasa_url, secret),
        timeout_s=RASA_START_S,
    )
    stack = FaultStack(state_dir, backend, handoff, actions, rasa, action_url)
    try:
        for process in stack.processes():
            process.start()
        yield stack
    finally:
        for process in reversed(stack.processes()):
            process.stop(kill=False)


# ---------------------------------------------------------------------- the people
def say(stack: FaultStack, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict]:
    """A customer message on the REST channel; the bot's answers (none while a person holds it)."""
    body: Dict[str, Any] = {"sender": sender, "message": text}
    if metadata is not None:
        body["metadata"] = metadata
    response = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json=body, headers=rest_headers(), timeout=WAIT_S * 2
    )
    response.raise_for_status()
    return response.json()


def texts(replies: List[Dict[str, Any]]) -> str:
    return " ".join(reply.get("text") or "" for reply in replies)


def known_customer() -> Dict[str, Any]:
    """The metadata of a customer the shop's web page signed in (no identity questions)."""
    return {"identity_token": identity_token.sign({"shop_customer_id": KNOWN_CUSTOMER})}


def paused(stack: FaultStack, sender: str) -> bool:
    response = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=30)
    response.raise_for_status()
    return bool(response.json()["paused"])


class Console:
    """The agent console's API calls: a supervisor reads every handoff, an agent accepts and replies.
    Logs in again when the service forgot the session (a restart of an in-memory store)."""

    def __init__(self, stack: FaultStack) -> None:
        self.stack = stack
        self.sessions: Dict[str, requests.Session] = {}

    def _session(self, username: str, fresh: bool = False) -> requests.Session:
        if fresh or username not in self.sessions:
            self.sessions[username] = agent_session(self.stack.handoff_url, username)
        return self.sessions[username]

    def call(self, method: str, path: str, username: str = SUPERVISOR, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        response = self._session(username).request(method, f"{self.stack.handoff_url}{path}", **kwargs)
        if response.status_code == 401:
            response = self._session(username, fresh=True).request(method, f"{self.stack.handoff_url}{path}", **kwargs)
        return response

    def handoffs_of(self, sender: str) -> List[Dict[str, Any]]:
        response = self.call("GET", "/api/handoffs")
        response.raise_for_status()
        rows = response.json()
        rows = rows.get("items", rows) if isinstance(rows, dict) else rows
        return [row for row in rows if row.get("sender_id") == sender]

    def handoff_of(self, sender: str) -> Dict[str, Any]:
        """The newest handoff of `sender` in full (waits for it to exist)."""
        mine = wait_until(
            lambda: self.handoffs_of(sender), f"a handoff of {sender}", WAIT_S, 0.2, (requests.RequestException,)
        )
        newest = max(mine, key=lambda row: row["id"])
        return self.detail(newest["id"])

    def detail(self, handoff_id: int) -> Dict[str, Any]:
        response = self.call("GET", f"/api/handoffs/{handoff_id}")
        response.raise_for_status()
        return response.json()

    def position(self, handoff_id: int) -> Optional[int]:
        response = self.call("GET", "/api/queue")
        response.raise_for_status()
        return next((row["position"] for row in response.json() if row["id"] == handoff_id), None)

    def accept(self, handoff_id: int) -> None:
        response = self.call("POST", f"/api/handoffs/{handoff_id}/accept", username=AGENT_NAME)
        assert response.status_code == 200, response.text

    def reply(self, handoff_id: int, text: str) -> requests.Response:
        return self.call("POST", f"/api/handoffs/{handoff_id}/messages", username=AGENT_NAME, json={"text": text})

    def customer_texts(self, handoff_id: int) -> List[str]:
        return [m["text"] for m in self.detail(handoff_id)["messages"] if m["role"] == "customer"]


class WebChatCustomer:
    """A customer on the web chat (Rasa's socket.io protocol, as webchat/widget.js speaks it),
    who comes back to the same conversation with the session token after a disconnect."""

    def __init__(self, rasa_url: str) -> None:
        self.rasa_url = rasa_url
        self.session_id = ""
        self.session_token = ""
        self.received: queue.Queue[Dict[str, Any]] = queue.Queue()
        self.client: Optional[socketio.Client] = None
        self.connect()

    def connect(self) -> None:
        client = socketio.Client(reconnection=False)
        confirmed: queue.Queue[Dict[str, Any]] = queue.Queue()
        client.on("bot_uttered", self.received.put)
        client.on("session_confirm", confirmed.put)
        client.connect(self.rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
        client.emit("session_request", {"session_token": self.session_token} if self.session_token else {})
        session = confirmed.get(timeout=WAIT_S)
        assert not self.session_id or session["session_id"] == self.session_id, "the conversation was not resumed"
        self.session_id, self.session_token = session["session_id"], session["session_token"]
        self.client = client

    def close(self) -> None:
        if self.client is not None:
            close_without_waiting(self.client)
            self.client = None

    def say(self, text: str) -> None:
        """One message, then a typing pause: the long-poll transport batches what is emitted
        while a POST is under way, and engine.io refuses a payload of more than 16 packets
        (a burst a person at a widget cannot type)."""
        assert self.client is not None
        self.client.emit("user_uttered", {"message": text})
        time.sleep(TYPING_PAUSE_S)

    def until(self, predicate: Callable[[Dict[str, Any]], bool], timeout: float = WAIT_S) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = self.received.get(timeout=max(0.1, deadline - time.monotonic()))
            if predicate(message):
                return message


# ---------------------------------------------------------------------- results
@dataclass
class FaultResult:
    fault: str
    relays: bool = True  # the customer's messages go to the service (a person holds or awaits them)
    sent: List[str] = field(default_factory=list)
    relayed: List[str] = field(default_factory=list)  # the sent texts as the service holds them
    answered_or_held: int = 0
    recover_s: Optional[float] = None  # the faulty process serving again (or the relay caught up)
    disagreements: List[str] = field(default_factory=list)  # "sender: Rasa paused=…, service …"
    problems: List[str] = field(default_factory=list)  # what else went wrong (a reply not delivered…)
    outcomes: Counter = field(default_factory=collections.Counter)  # errands: answer, apology, person

    @property
    def lost(self) -> List[str]:
        """Sent and not at the service; where nothing is relayed (the bot's own errands), as
        many as got neither an answer nor a person."""
        if not self.relays:
            return self.sent[: self.unanswered]
        return [text for text in self.sent if text not in self.relayed]

    @property
    def duplicated(self) -> List[str]:
        counts = collections.Counter(self.relayed)
        return [text for text in self.sent if counts[text] > 1]

    @property
    def unanswered(self) -> int:
        return len(self.sent) - self.answered_or_held

    @property
    def ok(self) -> bool:
        return (
            not self.lost
            and not self.duplicated
            and not self.disagreements
            and not self.unanswered
            and not self.problems
        )


def agreement(stack: FaultStack, console: Console, sender: str) -> Optional[str]:
    """None when Rasa's pause and the service's state of `sender` agree, else what differs."""
    open_states = [row["state"] for row in console.handoffs_of(sender) if row["state"] in (QUEUED, AGENT)]
    is_paused = paused(stack, sender)
    if is_paused == bool(open_states) and len(open_states) <= 1:
        return None
    return f"{sender}: Rasa paused={is_paused}, service open handoffs {open_states or 'none'}"


def tagged(tag: str, index: int, text: str) -> str:
    """A customer text unique within the run (the duplicate count needs it)."""
    return f"{text}（{tag}第{index + 1}条）"


def _relayed_of(console: Console, handoff_id: int, sent: List[str]) -> List[str]:
    return [text for text in console.customer_texts(handoff_id) if text in set(sent)]


def _wait_relayed(console: Console, handoff_id: int, sent: List[str], timeout: float = RELAY_WAIT_S) -> List[str]:
    """The sent texts the service holds, once all arrived or at the timeout (then some are lost)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            relayed = _relayed_of(console, handoff_id, sent)
        except requests.RequestException:
            relayed = []
        if set(sent) <= set(relayed) or time.monotonic() > deadline:
            time.sleep(1)  # a duplicate arrives right behind the original
            return _relayed_of(console, handoff_id, sent)
        time.sleep(0.3)


def hand_to_agent(stack: FaultStack, console: Console, sender: str, accept: bool = True) -> int:
    """A REST customer asks for a person (and an agent accepts); the handoff's id."""
    reply = texts(say(stack, sender, "转人工"))
    assert "人工客服" in reply, f"no handoff: {reply!r}"
    handoff = console.handoff_of(sender)
    assert handoff["state"] == QUEUED, handoff["state"]
    if accept:
        console.accept(handoff["id"])
    return handoff["id"]


# ---------------------------------------------------------------------- scenarios
def handoff_down(stack: FaultStack, console: Console, messages: int, down_s: float = 30) -> FaultResult:
    """(a) The handoff service killed for `down_s` while a customer writes `messages` messages
    to the agent who holds the conversation; then started again."""
    result = FaultResult("handoff service down")
    sender = f"faults-a-{uuid.uuid4().hex[:8]}"
    handoff_id = hand_to_agent(stack, console, sender)
    kill(stack.handoff)
    killed = time.monotonic()
    for index in range(messages):
        text = tagged("a", index, "我的快递到哪里了，麻烦帮我看看")
        assert say(stack, sender, text) == [], "the bot stays silent while a person holds the conversation"
        result.sent.append(text)
        time.sleep(max(0.0, down_s / messages - 0.05))
    time.sleep(max(0.0, down_s - (time.monotonic() - killed)))
    start(stack.handoff)
    restarted = time.monotonic()
    result.relayed = _wait_relayed(console, handoff_id, result.sent)
    result.recover_s = time.monotonic() - restarted
    result.answered_or_held = len(set(result.relayed))  # a person holds the conversation
    result.disagreements = [d for d in [agreement(stack, console, sender)] if d]
    return result


def handoff_restart_queued(stack: FaultStack, console: Console, messages: int) -> FaultResult:
    """(b) The handoff service restarted while a conversation waits in the queue behind
    another: still QUEUED after, at the same place; its messages of before, during and after
    the restart reach the service once each."""
    result = FaultResult("handoff restart, queued")
    ahead = f"faults-b-{uuid.uuid4().hex[:8]}"
    sender = f"faults-b-{uuid.uuid4().hex[:8]}"
    hand_to_agent(stack, console, ahead, accept=False)
    handoff_id = hand_to_agent(stack, console, sender, accept=False)
    before = console.position(handoff_id)
    texts_ = [tagged("b", index, "请问还要排多久") for index in range(messages)]
    half = messages // 2
    for text in texts_[:half]:
        say(stack, sender, text)
        result.sent.append(text)
    kill(stack.handoff)
    restarted = time.monotonic()
    for text in texts_[half:]:
        say(stack, sender, text)
        result.sent.append(text)
    start(stack.handoff)
    result.relayed = _wait_relayed(console, handoff_id, result.sent)
    result.recover_s = time.monotonic() - restarted
    result.answered_or_held = len(set(result.relayed))  # queued for a person
    after_state = console.detail(handoff_id)["state"]
    after = console.position(handoff_id)
    if after_state != QUEUED or after != before:
        result.disagreements.append(f"queue: before position {before}, after {after_state} position {after}")
    result.disagreements += [d for d in (agreement(stack, console, s) for s in (ahead, sender)) if d]
    return result


def rasa_restart(stack: FaultStack, console: Console, messages: int) -> FaultResult:
    """(c) The Rasa server killed and started again while a person holds a web chat
    conversation: still paused; the agent's reply of the downtime is shown not delivered and
    reaches the customer when sent again, the next reply at once; the customer's messages
    of before and after reach the agent once each."""
    result = FaultResult("Rasa restart, agent holds")
    customer = WebChatCustomer(stack.rasa_url)
    try:
        customer.say("转人工")
        customer.until(lambda m: "人工客服" in (m.get("text") or ""))
        handoff_id = console.handoff_of(customer.session_id)["id"]
        console.accept(handoff_id)
        before = [tagged("c", index, "你好，我想问一下退款的事") for index in range(max(1, messages // 2))]
        for text in before:
            customer.say(text)
            result.sent.append(text)
        _wait_relayed(console, handoff_id, before)
        customer.close()
        restarted = time.monotonic()
        kill(stack.rasa)
        # the agent's reply while Rasa is away is kept and shown as not delivered, to send again
        held_back = "请您稍等，我这边正在为您查询。"
        answer = console.reply(handoff_id, held_back)
        unsent = answer.json() if answer.status_code == 201 else {}
        if (unsent.get("delivery"), unsent.get("delivery_reason")) != (NOT_DELIVERED, RASA_UNAVAILABLE):
            result.problems.append(f"a reply while Rasa was down: HTTP {answer.status_code}, {unsent.get('delivery')}")
        start(stack.rasa)
        customer.connect()
        result.recover_s = time.monotonic() - restarted
        if unsent.get("id"):
            resent = console.call(
                "POST", f"/api/handoffs/{handoff_id}/messages/{unsent['id']}/resend", username=AGENT_NAME
            )
            if resent.status_code != 200 or resent.json().get("delivery") != DELIVERED:
                result.problems.append(f"the reply sent again: HTTP {resent.status_code}")
        reply = "您好，我是小王，刚才系统有点问题，请问您的退款是哪一笔订单？"
        answer = console.reply(handoff_id, reply)
        if answer.status_code != 201 or answer.json().get("delivery") != DELIVERED:
            result.problems.append(f"agent reply after the restart: HTTP {answer.status_code}")
        for text in (held_back, reply):
            try:
                customer.until(lambda m, text=text: is_agent_message(m) and m.get("text") == text)
            except queue.Empty:
                result.problems.append(f"an agent's reply did not reach the customer: {text}")
        for index in range(messages - len(before)):
            text = tagged("c", len(before) + index, "好的，是上周买的那件外套")
            customer.say(text)
            result.sent.append(text)
        result.relayed = _wait_relayed(console, handoff_id, result.sent)
        result.answered_or_held = len(set(result.relayed))
        result.disagreements = [d for d in [agreement(stack, console, customer.session_id)] if d]
    finally:
        customer.close()
    return result


ANSWER, APOLOGY, PERSON = "answer", "apology", "person"


def _outcome(stack: FaultStack, console: Console, sender: str, replies: List[Dict[str, Any]]) -> Optional[str]:
    """What the customer got for an errand: the ANSWER (the order's state), an APOLOGY
    (try again later or ask for a person), a PERSON (paused, a handoff open), or None (silence)."""
    said = texts(replies)
    if paused(stack, sender) and any(row["state"] in (QUEUED, AGENT) for row in console.handoffs_of(sender)):
        return PERSON
    if ORDER in said and "抱歉" not in said:
        return ANSWER
    return APOLOGY if said.strip() else None


def _errands(
    stack: FaultStack, console: Console, result: FaultResult, messages: int, fault: Callable[[int], None]
) -> None:
    """`messages` known customers each ask for their order in two turns; `fault(index)` runs
    between the two turns (the middle of the errand). Counts the answers and the persons."""
    senders = []
    for index in range(messages):
        sender = f"faults-d-{uuid.uuid4().hex[:8]}"
        senders.append(sender)
        say(stack, sender, "我想查一下我的订单", metadata=known_customer())
        fault(index)
        replies = say(stack, sender, f"订单号是{ORDER}", metadata=known_customer())
        result.sent.append(f"{sender}: 订单号")
        outcome = _outcome(stack, console, sender, replies)
        if outcome:
            result.answered_or_held += 1
            result.outcomes[outcome] += 1
    # the bot's own conversations: nothing to relay, but Rasa and the service must agree
    result.disagreements = [d for d in (agreement(stack, console, s) for s in senders) if d]


def action_server_and_backend(
    stack: FaultStack, console: Console, messages: int, slow_s: float = 3
) -> List[FaultResult]:
    """(d) The action server restarted in the middle of an errand; the backend slow
    (`slow_s` seconds an answer), then down: every errand gets an answer or a person."""
    restart_ = FaultResult("action server restart", relays=False)

    def restart_actions(index: int) -> None:
        if index == 0:
            restart_.recover_s = restart(stack.actions)

    _errands(stack, console, restart_, messages, restart_actions)

    slow = FaultResult(f"backend slow ({slow_s:g} s)", relays=False)
    restart(stack.backend, SHOP_TEST_DELAY_SECONDS=str(slow_s))  # slow, never down: nothing to recover
    _errands(stack, console, slow, messages, lambda index: None)

    down = FaultResult("backend down", relays=False)

    def kill_backend(index: int) -> None:
        if index == 0:
            kill(stack.backend)

    _errands(stack, console, down, messages, kill_backend)
    down.recover_s = start(stack.backend, SHOP_TEST_DELAY_SECONDS="0")
    return [restart_, slow, down]


def _package(sender: str) -> Dict[str, Any]:
    """A handoff package as the action server posts it (handoff/API.md)."""
    return {
        "sender_id": sender,
        "channel": "rest",
        "customer": {"id": None, "name": None, "phone_masked": None, "level": None, "verified": False},
        "reason": "request_human",
        "trigger": {"reading": "faults"},
        "priority": 0,
        "summary": "客户要求人工服务。",
        "transcript": [],
        "slots": {},
        "orders": [],
    }


def _open_handoff(stack: FaultStack, sender: str) -> requests.Response:
    return requests.post(
        f"{stack.handoff_url}/api/handoffs",
        json=_package(sender),
        headers={SERVICE_KEY_HEADER: HANDOFF_SERVICE_KEY},
        timeout=30,
    )


def concurrent_handoffs(stack: FaultStack, console: Console, messages: int) -> List[FaultResult]:
    """(e) Two handoff requests for one conversation at the same moment, `messages` times
    each way: two POSTs of the action server's kind to the service (both answered with one
    handoff), and two customer messages asking for a person (one handoff, both messages at
    the service once, Rasa paused)."""
    api = FaultResult("two POST /api/handoffs at once", relays=False)
    chat = FaultResult("two asking for a person at once")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(messages):
            sender = f"faults-e-{uuid.uuid4().hex[:8]}"
            pair = [pool.submit(_open_handoff, stack, sender) for _ in range(2)]
            answers_ = [future.result() for future in pair]
            requests_ = [f"{sender}: POST {n}" for n in (1, 2)]
            api.sent += requests_
            ids = {answer.json().get("id") for answer in answers_ if answer.status_code in (200, 201)}
            if len(ids) == 1:
                api.answered_or_held += 2
            else:
                codes = sorted(answer.status_code for answer in answers_)
                api.problems.append(f"answers {codes}, handoff ids {sorted(ids)}")
            opened = [row for row in console.handoffs_of(sender) if row["state"] in (QUEUED, AGENT)]
            if len(opened) != 1:
                api.disagreements.append(f"{sender}: {len(opened)} open handoffs")

            sender = f"faults-e-{uuid.uuid4().hex[:8]}"
            say(stack, sender, "你好")
            words = ["转人工", "我要转人工客服"]
            replies = [future.result() for future in [pool.submit(say, stack, sender, text) for text in words]]
            chat.sent += [f"{sender}: {text}" for text in words]
            handoffs = console.handoffs_of(sender)
            if len(handoffs) != 1:
                chat.disagreements.append(f"{sender}: {len(handoffs)} handoffs")
            if handoffs:
                relayed = _wait_relayed(console, handoffs[0]["id"], words)
                chat.relayed += [f"{sender}: {text}" for text in relayed]
                chat.answered_or_held += sum(
                    1 for text, reply in zip(words, replies) if texts(reply).strip() or text in relayed
                )
            chat.disagreements += [d for d in [agreement(stack, console, sender)] if d]
    return [api, chat]


SCENARIOS = {
    "a": handoff_down,
    "b": handoff_restart_queued,
    "c": rasa_restart,
    "d": action_server_and_backend,
    "e": concurrent_handoffs,
}
