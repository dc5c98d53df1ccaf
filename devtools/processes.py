"""Starts a real process for a test or a benchmark and waits until it serves."""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, Sequence

import requests

ROOT = Path(__file__).resolve().parent.parent


def answers(url: str) -> Callable[[], bool]:
    """Ready when `url` answers 2xx."""
    return lambda: requests.get(url, timeout=2).ok


@contextlib.contextmanager
def running_process(
    command: Sequence[str],
    env: Dict[str, str],
    log_path: Path,
    ready: Callable[[], bool],
    timeout_s: float,
    stop_timeout_s: float = 20,
) -> Iterator[subprocess.Popen]:
    """Starts `command` in the project root with its output in `log_path`, waits until
    `ready()` (connection errors count as not yet), and stops it on the way out."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(list(command), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait(process, log_path, ready, timeout_s)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=stop_timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait(process: subprocess.Popen, log_path: Path, ready: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{tail}")
        try:
            if ready():
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{process.args!r} did not serve within {timeout_s} s; see {log_path}")
