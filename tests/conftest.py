"""Shared fixtures: the trained model, and the real services on loopback.

`backend_url` is the shop backend (scripts/backend, temporary SQLite, codes
exposed as `dev_code`), `action_url` the action server (`rasa run actions`) that
talks to it, `rasa_url` a `rasa run` server whose action endpoint is that action
server: a REST conversation goes through all three for real.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.rasa_server import latest_model, running_rasa
from tests.services import endpoints_file, running_actions, running_backend


@pytest.fixture(scope="session")
def model() -> Path:
    # scripts/test trains before pytest runs; a missing model is a failure, not a skip.
    return latest_model()


@pytest.fixture(scope="session")
def backend_url(tmp_path_factory) -> str:
    state = tmp_path_factory.mktemp("shop-backend")
    with running_backend(state) as url:
        yield url


@pytest.fixture(scope="session")
def action_url(backend_url: str, tmp_path_factory) -> str:
    state = tmp_path_factory.mktemp("action-server")
    with running_actions(backend_url, state) as url:
        yield url


@pytest.fixture(scope="session")
def rasa_url(model: Path, action_url: str, tmp_path_factory) -> str:
    """A `rasa run` server with its own SQLite tracker store and the real action server."""
    state = tmp_path_factory.mktemp("rasa-state")
    endpoints = endpoints_file(state, action_url)
    with running_rasa(model, endpoints=endpoints, log_path=state / "rasa.log") as url:
        yield url
