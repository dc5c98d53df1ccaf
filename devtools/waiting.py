"""Polling until something happened, for the tests and benchmarks (a broken test fails
after a limit; how long things took goes into benchmarks, never into assertions)."""

from __future__ import annotations

import time
from typing import Any, Callable, Tuple, Type


def wait_until(
    check: Callable[[], Any],
    what: str = "the condition",
    timeout: float = 30.0,
    interval: float = 0.05,
    tolerated: Tuple[Type[BaseException], ...] = (),
) -> Any:
    """Polls `check` until it returns something true and returns that value; an exception of
    a `tolerated` type counts as "not yet". AssertionError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except tolerated:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
