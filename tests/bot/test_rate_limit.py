"""The per-conversation message rate limit (bot/rate_limit.py), in-process with a fake clock."""

from __future__ import annotations

import pytest

from bot import rate_limit
from bot.rate_limit import MessageRateLimiter
from contract.messages import RATE_LIMITED_TEXT


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_message_over_the_limit_waits_until_the_oldest_leaves_the_window():
    clock = Clock()
    limiter = MessageRateLimiter(limit=3, window_s=60, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("a") is None
        clock.now += 10
    assert limiter.retry_after("a") == pytest.approx(30)  # the first one leaves at +60
    clock.now += 29
    assert limiter.retry_after("a") == pytest.approx(1)
    clock.now += 1
    assert limiter.retry_after("a") is None


def test_refused_messages_do_not_count_and_senders_are_apart():
    clock = Clock()
    limiter = MessageRateLimiter(limit=2, window_s=60, clock=clock)
    assert limiter.retry_after("a") is None and limiter.retry_after("a") is None
    for _ in range(50):
        assert limiter.retry_after("a") is not None
    assert limiter.retry_after("b") is None
    clock.now += 60
    assert limiter.retry_after("a") is None


def test_memory_is_bounded_by_forgetting_the_least_recent_sender():
    limiter = MessageRateLimiter(limit=1, window_s=60, max_senders=2, clock=Clock())
    assert limiter.retry_after("a") is None
    assert limiter.retry_after("b") is None
    assert limiter.retry_after("c") is None  # "a" is forgotten
    assert limiter.retry_after("b") is not None
    assert limiter.retry_after("a") is None


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MESSAGE_RATE_LIMIT", "5")
    monkeypatch.setenv("MESSAGE_RATE_WINDOW_S", "10")
    limiter = rate_limit.from_environment()
    assert (limiter.limit, limiter.window_s) == (5, 10.0)
    assert rate_limit.MESSAGE_RATE_LIMITER.limit == rate_limit.DEFAULT_LIMIT == 20


def test_the_answer_is_polite_chinese():
    assert "稍等" in RATE_LIMITED_TEXT and RATE_LIMITED_TEXT.endswith("。")
