"""Starts a real Rasa server on loopback the way scripts/start does, and waits until it serves.

Used by the benchmarks and the end-to-end tests, so both talk to the server the
way a channel does: over HTTP, through `scripts/rasa` (JWT on the HTTP API, the
REST channel behind its token, the stack's secrets from devtools/stack.py).
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

from contract import rasa_api
from devtools.processes import ROOT, running_process
from devtools.stack import log_dir, stack_env

__all__ = ["ROOT", "free_port", "latest_model", "rasa_command", "running_rasa", "serves_a_model"]
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("no model in models/: run scripts/train first")
    return models[-1]


@contextlib.contextmanager
def running_rasa(
    model: Optional[Path] = None,
    endpoints: Optional[Path] = None,
    log_path: Optional[Path] = None,
    credentials: Optional[Path] = None,
    env: Optional[Dict[str, str]] = None,
    port: Optional[int] = None,
) -> Iterator[str]:
    """Yields the base URL of a Rasa server started by scripts/rasa on 127.0.0.1.

    `credentials` defaults to the project's credentials.yml; `env` adds to the
    stack's environment (channel settings, secrets). The log goes to `log_path`,
    by default under $TEST_LOG_DIR.
    """
    port = port or free_port()
    command = rasa_command(port, model, endpoints, credentials)
    full_env = stack_env(env)
    url = f"http://127.0.0.1:{port}"
    log_path = log_path or log_dir() / f"rasa-{port}.log"
    secret = full_env["RASA_JWT_SECRET"]
    with running_process(
        command, full_env, log_path, lambda: serves_a_model(url, secret), START_TIMEOUT_S, stop_timeout_s=30
    ):
        yield url


def rasa_command(
    port: int, model: Optional[Path] = None, endpoints: Optional[Path] = None, credentials: Optional[Path] = None
) -> List[str]:
    """scripts/rasa on 127.0.0.1:`port` as `running_rasa` starts it (also for a restart)."""
    command = [
        str(ROOT / "scripts" / "rasa"),
        "--port",
        str(port),
        "--interface",
        "127.0.0.1",
        "--model",
        str(model or latest_model()),
        "--credentials",
        str(credentials or ROOT / "credentials.yml"),
    ]
    if endpoints is not None:
        command += ["--endpoints", str(endpoints)]
    return command


def serves_a_model(url: str, secret: str) -> bool:
    """Ready: the Rasa server at `url` answers /status with a loaded model."""
    status = requests.get(f"{url}/status", headers=rasa_api.auth_headers(secret, "devtools"), timeout=2)
    return status.ok and bool(status.json().get("model_file"))
