"""Starts the real shop backend and the real action server on free loopback ports.

Used by tests/conftest.py and benchmarks/errand_turns.py. Nothing is faked: the
backend is started with its own command (scripts/backend) on a temporary SQLite
database with SHOP_EXPOSE_CODES=true, so that tests read the verification code
as `dev_code`, the way the SMS would deliver it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, Optional

import requests

from devtools.rasa_server import ROOT, free_port

START_TIMEOUT_S = 240
SERVICE_KEY = "test-service-key"
HANDOFF_DEMO_PASSWORD = "test-agent-password"


def _wait(url: str, process: subprocess.Popen, log_path: Path, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"{process.args} exited with {process.returncode}:\n{tail}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s; see {log_path}")


@contextlib.contextmanager
def _process(command, env: Dict[str, str], health_url: str, log_path: Path) -> Iterator[subprocess.Popen]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait(health_url, process, log_path)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextlib.contextmanager
def running_backend(state_dir: Path, port: Optional[int] = None) -> Iterator[str]:
    """The shop backend (scripts/backend) on a fresh SQLite database; yields its URL."""
    port = port or free_port()
    env = dict(
        os.environ,
        SHOP_PORT=str(port),
        SHOP_HOST="127.0.0.1",
        SHOP_DATABASE_URL=f"sqlite:///{state_dir / 'shop.db'}",
        SHOP_SERVICE_KEY=SERVICE_KEY,
        SHOP_EXPOSE_CODES="true",
        SHOP_LOG_LEVEL="WARNING",
    )
    url = f"http://127.0.0.1:{port}"
    with _process([str(ROOT / "scripts" / "backend")], env, f"{url}/health", state_dir / "backend.log"):
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
    with _process(command, env, f"http://127.0.0.1:{port}/health", state_dir / f"actions-{port}.log"):
        yield f"http://127.0.0.1:{port}/webhook"


@contextlib.contextmanager
def running_handoff(
    state_dir: Path, rasa_url: str, port: Optional[int] = None, extra_env: Optional[Dict[str, str]] = None
) -> Iterator[str]:
    """The handoff service (scripts/handoff) on a fresh SQLite database, open around the
    clock, with the demo agents (password HANDOFF_DEMO_PASSWORD); yields its URL."""
    port = port or free_port()
    env = dict(
        os.environ,
        HANDOFF_PORT=str(port),
        HANDOFF_HOST="127.0.0.1",
        HANDOFF_DATABASE_URL=f"sqlite:///{state_dir / 'handoff.db'}",
        HANDOFF_SERVICE_KEY=SERVICE_KEY,
        HANDOFF_RASA_URL=rasa_url,
        HANDOFF_BUSINESS_HOURS="00:00-24:00",
        HANDOFF_SEED_DEMO_AGENTS="true",
        HANDOFF_DEMO_PASSWORD=HANDOFF_DEMO_PASSWORD,
        HANDOFF_LOG_LEVEL="WARNING",
    )
    env.update(extra_env or {})
    url = f"http://127.0.0.1:{port}"
    with _process([str(ROOT / "scripts" / "handoff")], env, f"{url}/health", state_dir / "handoff.log"):
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


def dev_code(backend_url: str, phone: str, path: str = "/v1/verification-codes", **body) -> str:
    """Asks the backend for a code the way the bot does and reads `dev_code`."""
    response = requests.post(
        f"{backend_url}{path}", json={"phone": phone, **body}, headers={"X-Service-Key": SERVICE_KEY}, timeout=10
    )
    response.raise_for_status()
    return response.json()["dev_code"]
