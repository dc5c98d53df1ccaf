"""Starts a real `rasa run` process on loopback and waits until it serves.

Used by the benchmark and the end-to-end tests, so both talk to the server the
way a channel does: over HTTP.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
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
    log_path = log_path or ROOT / "var" / f"rasa-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_ready(url, process, log_path)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_ready(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rasa run exited with {process.returncode}; see {log_path}")
        try:
            status = requests.get(f"{url}/status", timeout=2)
            if status.ok and status.json().get("model_file"):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"rasa run did not serve within {START_TIMEOUT_S} s; see {log_path}")
