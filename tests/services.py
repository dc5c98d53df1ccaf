"""Starts the real shop backend, handoff service, action server and Rasa on free loopback ports.

Used by tests/conftest.py and the benchmarks (`running_assistant` starts all of them
and Rasa). Nothing is faked, and everything is started the way scripts/start starts
it: through the scripts (scripts/backend, scripts/handoff, scripts/actions, scripts/rasa),
with the stack's generated secrets (devtools/stack.py: one file per checkout,
var/test-secrets.env), tokens on, on 127.0.0.1, logs under $TEST_LOG_DIR (default
var/test-logs/). The backend runs on a temporary SQLite database with
SHOP_EXPOSE_CODES=true, so that tests read the verification code as `dev_code`, the
way the SMS would deliver it.

What a legitimate caller sends: `rasa_headers(sender=None)` (Rasa's HTTP API: an admin
JWT, or a user JWT for `sender`'s conversation only), `rest_message(url, sender, text)`
(the REST channel with its token), `action_headers()` (the action server's token),
`tracker(url, sender)`; `SHOP_SERVICE_KEY` (alias `SERVICE_KEY`) and `HANDOFF_SERVICE_KEY`
for the services, `HANDOFF_DEMO_PASSWORD` for the demo agents. Importing this module makes
the test process sign identity tokens and web chat session ids with the stack's secrets
(CHANNEL_IDENTITY_SECRET, WEBCHAT_SESSION_SECRET in os.environ), as the shop's server would.
"""

from __future__ import annotations

import contextlib
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import requests

from contract.http import SERVICE_KEY_HEADER
from devtools.processes import answers, running_process
from devtools.rasa_server import ROOT, free_port, latest_model, running_rasa
from devtools.stack import (
    action_headers,
    adopt_signing_secrets,
    log_dir,
    rasa_headers,
    rest_headers,
    stack_env,
    stack_secrets,
)

__all__ = [
    "HANDOFF_DEMO_PASSWORD",
    "HANDOFF_SERVICE_KEY",
    "SERVICE_KEY",
    "SHOP_SERVICE_KEY",
    "Assistant",
    "action_headers",
    "actions_env",
    "agent_session",
    "backend_env",
    "dev_code",
    "endpoints_file",
    "handoff_env",
    "log_dir",
    "rasa_headers",
    "rest_headers",
    "rest_message",
    "running_actions",
    "running_assistant",
    "running_backend",
    "running_handoff",
    "RestartableService",
    "stack_env",
    "stack_secrets",
    "tracker",
]

START_TIMEOUT_S = 240
# identity tokens and session ids the tests sign must verify in the started processes
adopt_signing_secrets()
SHOP_SERVICE_KEY = stack_secrets()["SHOP_SERVICE_KEY"]
SERVICE_KEY = SHOP_SERVICE_KEY  # the shop backend's (what the actions send it)
HANDOFF_SERVICE_KEY = stack_secrets()["HANDOFF_SERVICE_KEY"]
HANDOFF_DEMO_PASSWORD = stack_secrets()["HANDOFF_DEMO_PASSWORD"]
# the others by name too (the log audit, devtools/log_audit.py, looks for every one of them)
RASA_JWT_SECRET = stack_secrets()["RASA_JWT_SECRET"]
ACTIONS_TOKEN = stack_secrets()["ACTIONS_TOKEN"]
REST_CHANNEL_TOKEN = stack_secrets()["REST_CHANNEL_TOKEN"]
CHANNEL_IDENTITY_SECRET = stack_secrets()["CHANNEL_IDENTITY_SECRET"]
WEBCHAT_SESSION_SECRET = stack_secrets()["WEBCHAT_SESSION_SECRET"]


def _service_env(prefix: str, port: int, database: Path, **settings: str) -> Dict[str, str]:
    """The environment of a service that reads PREFIX_* settings: the stack's, loopback, SQLite."""
    common = dict(port=str(port), host="127.0.0.1", database_url=f"sqlite:///{database}", log_level="WARNING")
    return stack_env({f"{prefix}_{name.upper()}": value for name, value in {**common, **settings}.items()})


@contextlib.contextmanager
def _service(script: str, env: Dict[str, str], port: int) -> Iterator[str]:
    """scripts/<script> until its /health answers; yields its URL."""
    url = f"http://127.0.0.1:{port}"
    log_path = log_dir() / f"{script}-{port}.log"
    with running_process([str(ROOT / "scripts" / script)], env, log_path, answers(f"{url}/health"), START_TIMEOUT_S):
        yield url


# The shared stack verifies the same demo phones again and again: its backend gets SMS
# throttles far above any test's needs (tests/security/test_sms_abuse.py runs the defaults).
RAISED_SMS_LIMITS = dict(
    sms_phone_interval_seconds="0",
    sms_phone_per_hour="100000",
    sms_phone_per_day="100000",
    sms_requester_per_hour="100000",
    sms_requester_per_day="100000",
)


@contextlib.contextmanager
def running_backend(
    state_dir: Path, port: Optional[int] = None, default_sms_limits: bool = False, **settings: str
) -> Iterator[str]:
    """The shop backend (scripts/backend) on a fresh SQLite database, codes exposed, its SMS
    outbox in `state_dir`, SMS throttles raised unless `default_sms_limits`; `settings`
    (SHOP_<NAME> in lower case) override; yields its URL."""
    port = port or free_port()
    with _service("backend", backend_env(state_dir, port, default_sms_limits, **settings), port) as url:
        yield url


def backend_env(state_dir: Path, port: int, default_sms_limits: bool = False, **settings: str) -> Dict[str, str]:
    """The environment `running_backend` starts scripts/backend with (also for a restart)."""
    limits = {} if default_sms_limits else RAISED_SMS_LIMITS
    outbox = str(state_dir / "sms-outbox.jsonl")
    overrides = {"expose_codes": "true", "sms_outbox": outbox, **limits, **settings}
    return _service_env("SHOP", port, state_dir / "shop.db", **overrides)


@contextlib.contextmanager
def running_actions(
    backend_url: str, state_dir: Path, port: Optional[int] = None, extra_env: Optional[Dict[str, str]] = None
) -> Iterator[str]:
    """The action server (scripts/actions) talking to `backend_url`; yields the webhook URL.
    Every call but /health needs `action_headers()`."""
    port = port or free_port()
    with _service("actions", actions_env(backend_url, port, extra_env), port) as url:
        yield f"{url}/webhook"


def actions_env(backend_url: str, port: int, extra_env: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment `running_actions` starts scripts/actions with (also for a restart)."""
    env = stack_env({"ACTIONS_BACKEND_URL": backend_url, "ACTIONS_HOST": "127.0.0.1", "ACTIONS_PORT": str(port)})
    env.update(extra_env or {})
    return env


@contextlib.contextmanager
def running_handoff(
    state_dir: Path, rasa_url: str, port: Optional[int] = None, extra_env: Optional[Dict[str, str]] = None
) -> Iterator[str]:
    """The handoff service (scripts/handoff) on a fresh SQLite database, open around the
    clock, with the demo agents (password HANDOFF_DEMO_PASSWORD); yields its URL."""
    port = port or free_port()
    with _service("handoff", handoff_env(state_dir, rasa_url, port, extra_env), port) as url:
        yield url


def handoff_env(
    state_dir: Path, rasa_url: str, port: int, extra_env: Optional[Dict[str, str]] = None
) -> Dict[str, str]:
    """The environment `running_handoff` starts scripts/handoff with (also for a restart)."""
    env = _service_env(
        "HANDOFF",
        port,
        state_dir / "handoff.db",
        rasa_url=rasa_url,
        business_hours="00:00-24:00",
        seed_demo_agents="true",
    )
    env.update(extra_env or {})
    return env


class RestartableService:
    """A service process a test stops and starts again on the same port, with the same
    settings and database: `stop()` kills it (SIGKILL, a crash: nothing drains, nothing
    is flushed) or, with `kill=False`, terminates it (SIGTERM, a graceful stop); `start()`
    starts it again and waits for /health; `restart()` does both. Each start logs to its
    own file (`<script>-<port>-<n>.log`). The fault-injection tests make them
    (`RestartableService(script, env, port)`), Rasa with its own `command` and `ready`
    check (tests/faults/harness.py). Change `env` before a start to restart with other
    settings."""

    def __init__(
        self,
        script: str,
        env: Dict[str, str],
        port: int,
        command: Optional[List[str]] = None,
        ready: Optional[Callable[[], bool]] = None,
        timeout_s: float = START_TIMEOUT_S,
    ) -> None:
        self.script, self.env, self.port = script, env, port
        self.url = f"http://127.0.0.1:{port}"
        self.command = command or [str(ROOT / "scripts" / script)]
        self.ready = ready or answers(f"{self.url}/health")
        self.timeout_s = timeout_s
        self.starts = 0
        self._running: Optional[contextlib.ExitStack] = None
        self._process: Optional[subprocess.Popen] = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        assert self._running is None, f"{self.script} runs already"
        self.starts += 1
        log_path = log_dir() / f"{self.script}-{self.port}-{self.starts}.log"
        stack = contextlib.ExitStack()
        self._process = stack.enter_context(
            running_process(self.command, self.env, log_path, self.ready, self.timeout_s, stop_timeout_s=30)
        )
        self._running = stack

    def stop(self, kill: bool = True) -> None:
        if self._running is None:
            return
        if kill and self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
        self._running.close()  # terminates (and waits for) what still runs
        self._running, self._process = None, None

    def restart(self, kill: bool = True) -> None:
        self.stop(kill=kill)
        self.start()


def endpoints_file(state_dir: Path, action_url: str, handoff_url: Optional[str] = None) -> Path:
    """Endpoints of a test Rasa: its own SQLite tracker store, the given action server (with
    its token, as endpoints.yml sends it) and, with `handoff_url`, the event broker that
    relays customer messages to the handoff service (its key comes from HANDOFF_SERVICE_KEY)
    through its own outbox in `state_dir`."""
    endpoints = state_dir / "endpoints.yml"
    broker = (
        (
            "event_broker:\n"
            "  type: bot.brokers.handoff_relay.HandoffRelayBroker\n"
            f"  url: {handoff_url}\n"
            "  service_key: ${HANDOFF_SERVICE_KEY}\n"
            f"  outbox: {state_dir / 'handoff-outbox.db'}\n"
        )
        if handoff_url
        else ""
    )
    endpoints.write_text(
        "tracker_store:\n"
        "  type: SQL\n"
        "  dialect: sqlite\n"
        f"  db: {state_dir / 'tracker.db'}\n"
        "lock_store:\n"
        "  type: in_memory\n"
        "action_endpoint:\n"
        f"  url: {action_url}\n"
        "  headers:\n"
        "    Authorization: Bearer ${ACTIONS_TOKEN}\n" + broker,  # plain scalar: Rasa expands it
        encoding="utf-8",
    )
    return endpoints


def rest_message(
    url: str, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None, timeout: float = 120
) -> List[Dict[str, Any]]:
    """Sends a customer message through the REST channel (with its token); the bot's replies."""
    body: Dict[str, Any] = {"sender": sender, "message": text}
    if metadata is not None:
        body["metadata"] = metadata
    response = requests.post(f"{url}/webhooks/rest/webhook", json=body, headers=rest_headers(), timeout=timeout)
    response.raise_for_status()
    return response.json()


def tracker(url: str, sender: str, timeout: float = 30) -> Dict[str, Any]:
    """A conversation's tracker from Rasa's HTTP API (admin JWT)."""
    response = requests.get(f"{url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=timeout)
    response.raise_for_status()
    return response.json()


@dataclass(frozen=True)
class Assistant:
    """The URLs of a running assistant (`running_assistant`)."""

    rasa_url: str
    backend_url: str
    action_url: str
    handoff_url: Optional[str] = None


@contextlib.contextmanager
def running_assistant(
    state_dir: Path, handoff: bool = False, model: Optional[Path] = None, rasa_env: Optional[Dict[str, str]] = None
) -> Iterator[Assistant]:
    """Rasa (the newest model unless `model`; `rasa_env` adds settings) with the shop backend,
    the action server and, with `handoff`, the handoff service and the event broker that relays to it."""
    rasa_port = free_port()  # the handoff service must know where Rasa will be before Rasa starts
    with contextlib.ExitStack() as running:
        backend_url = running.enter_context(running_backend(state_dir))
        handoff_url = None
        if handoff:
            handoff_url = running.enter_context(running_handoff(state_dir, rasa_url=f"http://127.0.0.1:{rasa_port}"))
        action_env = {"ACTIONS_HANDOFF_URL": handoff_url} if handoff_url else None
        action_url = running.enter_context(running_actions(backend_url, state_dir, extra_env=action_env))
        endpoints = endpoints_file(state_dir, action_url, handoff_url=handoff_url)
        rasa_url = running.enter_context(
            running_rasa(model or latest_model(), endpoints=endpoints, env=rasa_env, port=rasa_port)
        )
        yield Assistant(rasa_url, backend_url, action_url, handoff_url)


def agent_session(handoff_url: str, username: str = "wang") -> requests.Session:
    """A demo agent's API session on the handoff service (the cookie of POST /api/auth/login)."""
    session = requests.Session()
    response = session.post(
        f"{handoff_url}/api/auth/login", json={"username": username, "password": HANDOFF_DEMO_PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    return session


def dev_code(backend_url: str, phone: str, path: str = "/v1/verification-codes", **body) -> str:
    """Asks the backend for a code the way the bot does and reads `dev_code`."""
    response = requests.post(
        f"{backend_url}{path}",
        json={"phone": phone, **body},
        headers={SERVICE_KEY_HEADER: SHOP_SERVICE_KEY},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["dev_code"]
