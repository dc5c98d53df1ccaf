"""Starts the real shop backend, handoff service and action server on free loopback ports.

Used by tests/conftest.py and the benchmarks (`running_assistant` starts all of them
and Rasa). Nothing is faked: the
backend is started with its own command (scripts/backend) on a temporary SQLite
database with SHOP_EXPOSE_CODES=true, so that tests read the verification code
as `dev_code`, the way the SMS would deliver it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, Optional

import requests

from contract.http import SERVICE_KEY_HEADER
from devtools.processes import answers, running_process
from devtools.rasa_server import ROOT, free_port, latest_model, running_rasa

START_TIMEOUT_S = 240
SERVICE_KEY = "test-service-key"
HANDOFF_DEMO_PASSWORD = "test-agent-password"


def _service_env(prefix: str, port: int, database: Path, **settings: str) -> Dict[str, str]:
    """The environment of a service that reads PREFIX_* settings: loopback, the test key, SQLite."""
    common = dict(
        port=str(port),
        host="127.0.0.1",
        database_url=f"sqlite:///{database}",
        service_key=SERVICE_KEY,
        log_level="WARNING",
    )
    return dict(os.environ, **{f"{prefix}_{name.upper()}": value for name, value in {**common, **settings}.items()})


@contextlib.contextmanager
def _service(script: str, env: Dict[str, str], port: int, log_path: Path) -> Iterator[str]:
    """scripts/<script> until its /health answers; yields its URL."""
    url = f"http://127.0.0.1:{port}"
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
    limits = {} if default_sms_limits else RAISED_SMS_LIMITS
    outbox = str(state_dir / "sms-outbox.jsonl")
    overrides = {"expose_codes": "true", "sms_outbox": outbox, **limits, **settings}
    env = _service_env("SHOP", port, state_dir / "shop.db", **overrides)
    with _service("backend", env, port, state_dir / "backend.log") as url:
        yield url


@contextlib.contextmanager
def running_actions(
    backend_url: str, state_dir: Path, port: Optional[int] = None, extra_env: Optional[Dict[str, str]] = None
) -> Iterator[str]:
    """`rasa run actions` talking to `backend_url`; yields the webhook URL."""
    port = port or free_port()
    rasa = Path(sys.executable).parent / "rasa"
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        RASA_TELEMETRY_ENABLED="false",
        ACTIONS_BACKEND_URL=backend_url,
        SHOP_SERVICE_KEY=SERVICE_KEY,
        HANDOFF_SERVICE_KEY=SERVICE_KEY,
    )
    env.update(extra_env or {})
    command = [str(rasa), "run", "actions", "--actions", "actions", "--port", str(port)]
    health = answers(f"http://127.0.0.1:{port}/health")
    with running_process(command, env, state_dir / f"actions-{port}.log", health, START_TIMEOUT_S):
        yield f"http://127.0.0.1:{port}/webhook"


@contextlib.contextmanager
def running_handoff(
    state_dir: Path, rasa_url: str, port: Optional[int] = None, extra_env: Optional[Dict[str, str]] = None
) -> Iterator[str]:
    """The handoff service (scripts/handoff) on a fresh SQLite database, open around the
    clock, with the demo agents (password HANDOFF_DEMO_PASSWORD); yields its URL."""
    port = port or free_port()
    env = _service_env(
        "HANDOFF",
        port,
        state_dir / "handoff.db",
        rasa_url=rasa_url,
        business_hours="00:00-24:00",
        seed_demo_agents="true",
        demo_password=HANDOFF_DEMO_PASSWORD,
    )
    env.update(extra_env or {})
    with _service("handoff", env, port, state_dir / "handoff.log") as url:
        yield url


def endpoints_file(state_dir: Path, action_url: str, handoff_url: Optional[str] = None) -> Path:
    """Endpoints of a test Rasa: its own SQLite tracker store, the given action server and,
    with `handoff_url`, the event broker that relays customer messages to the handoff service."""
    endpoints = state_dir / "endpoints.yml"
    broker = (
        (
            "event_broker:\n"
            "  type: bot.brokers.handoff_relay.HandoffRelayBroker\n"
            f"  url: {handoff_url}\n"
            f"  service_key: {SERVICE_KEY}\n"
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
        f"  url: {action_url}\n" + broker,
        encoding="utf-8",
    )
    return endpoints


@dataclass(frozen=True)
class Assistant:
    """The URLs of a running assistant (`running_assistant`)."""

    rasa_url: str
    backend_url: str
    action_url: str
    handoff_url: Optional[str] = None


@contextlib.contextmanager
def running_assistant(state_dir: Path, handoff: bool = False, model: Optional[Path] = None) -> Iterator[Assistant]:
    """Rasa (the newest model unless `model`) with the shop backend, the action server
    and, with `handoff`, the handoff service and the event broker that relays to it."""
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
            running_rasa(model or latest_model(), endpoints=endpoints, log_path=state_dir / "rasa.log", port=rasa_port)
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
        f"{backend_url}{path}", json={"phone": phone, **body}, headers={SERVICE_KEY_HEADER: SERVICE_KEY}, timeout=10
    )
    response.raise_for_status()
    return response.json()["dev_code"]
