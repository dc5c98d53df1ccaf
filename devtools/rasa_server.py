"""Starts a real `rasa run` process on loopback and waits until it serves.

Used by the benchmark and the end-to-end tests, so both talk to the server the
way a channel does: over HTTP.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from pathlib import Path
from typing import Dict, Iterator, Optional

import requests

from devtools.processes import ROOT, running_process

__all__ = ["ROOT", "free_port", "latest_model", "running_rasa"]
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
    """Yields the base URL of a Rasa server started with --enable-api.

    `credentials` defaults to the project's credentials.yml; `env` adds to the
    process environment (channel settings, secrets).
    """
    port = port or free_port()
    rasa = Path(sys.executable).parent / "rasa"
    command = [
        str(rasa),
        "run",
        "--enable-api",
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
    extra_env = env or {}
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    env.update(extra_env)
    url = f"http://127.0.0.1:{port}"
    log_path = log_path or ROOT / "var" / f"rasa-{port}.log"
    with running_process(command, env, log_path, lambda: _serves_a_model(url), START_TIMEOUT_S, stop_timeout_s=30):
        yield url


def _serves_a_model(url: str) -> bool:
    status = requests.get(f"{url}/status", timeout=2)
    return status.ok and bool(status.json().get("model_file"))
