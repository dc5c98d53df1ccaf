"""Headless Debian Chromium (scripts/install-browser) for the page tests, driven by Playwright.

A page test module takes its fixtures from here:

    browser, context = browser_fixtures(width=1440, height=1100, timeout_ms=WAIT_MS)
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright  # pinned in requirements/dev.txt

CHROMIUM = Path("/usr/bin/chromium")


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Chromium is missing: run scripts/install-browser"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def page_context(browser: Browser, width: int, height: int, timeout_ms: int) -> Iterator[BrowserContext]:
    """A fresh Chinese-locale browser profile whose waits last `timeout_ms`."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(timeout_ms)
    try:
        yield context
    finally:
        context.close()


def browser_fixtures(width: int, height: int, timeout_ms: int) -> Tuple[Any, Any]:
    """The fixtures `browser` (one Chromium for the module) and `context` (a fresh profile for each test)."""

    @pytest.fixture(scope="module")
    def browser() -> Iterator[Browser]:
        with chromium() as launched:
            yield launched

    @pytest.fixture
    def context(browser: Browser) -> Iterator[BrowserContext]:
        with page_context(browser, width, height, timeout_ms) as fresh:
            yield fresh

    return browser, context
