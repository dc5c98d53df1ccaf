"""Shared fixtures: the trained model, the stack's secrets, and the real services on loopback.

Every process is started the way scripts/start starts it (tests/services.py): generated
secrets (`stack_secrets`), Rasa's API behind a JWT (`rasa_headers()`), the REST channel
behind its token (`rest_message()`), the action server behind its own (`action_headers()`),
all on 127.0.0.1, logs under $TEST_LOG_DIR (default var/test-logs/).

`backend_url` is the shop backend (scripts/backend, temporary SQLite, codes
exposed as `dev_code`), `handoff_url` the handoff service (scripts/handoff,
temporary SQLite, open around the clock, demo agents), `action_url` the action
server (`rasa run actions`) that talks to both, `rasa_url` a `rasa run` server
(the project's channels) whose action endpoint is that action server and whose
event broker relays to the handoff service: a conversation goes through all of
them for real.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.rasa_server import free_port, latest_model, running_rasa
from tests.services import endpoints_file, running_actions, running_backend, running_handoff, stack_secrets


@pytest.fixture(scope="session", name="stack_secrets")
def stack_secrets_fixture() -> dict:
    """NAME → value of the generated secrets every started process gets."""
    return stack_secrets()


@pytest.fixture(scope="session")
def model() -> Path:
    # scripts/test trains before pytest runs; a missing model is a failure, not a skip.
    return latest_model()


@pytest.fixture(scope="session")
def backend_state(tmp_path_factory) -> Path:
    """The test backend's folder: its SQLite database is shop.db there (running_backend)."""
    return tmp_path_factory.mktemp("shop-backend")


@pytest.fixture(scope="session")
def backend_url(backend_state: Path) -> str:
    with running_backend(backend_state) as url:
        yield url


@pytest.fixture(scope="session")
def rasa_port() -> int:
    """Chosen first: the handoff service must know where Rasa will be before Rasa starts."""
    return free_port()


@pytest.fixture(scope="session")
def handoff_state(tmp_path_factory) -> Path:
    """The test handoff service's folder: its SQLite database is handoff.db there (running_handoff)."""
    return tmp_path_factory.mktemp("handoff")


@pytest.fixture(scope="session")
def handoff_url(rasa_port: int, handoff_state: Path) -> str:
    with running_handoff(handoff_state, rasa_url=f"http://127.0.0.1:{rasa_port}") as url:
        yield url


@pytest.fixture(scope="session")
def action_url(backend_url: str, handoff_url: str, tmp_path_factory) -> str:
    state = tmp_path_factory.mktemp("action-server")
    with running_actions(backend_url, state, extra_env={"ACTIONS_HANDOFF_URL": handoff_url}) as url:
        yield url


@pytest.fixture(scope="session")
def rasa_state(tmp_path_factory) -> Path:
    """The test Rasa's folder: its SQLite tracker store is tracker.db there (endpoints_file)."""
    return tmp_path_factory.mktemp("rasa-state")


@pytest.fixture(scope="session")
def rasa_url(model: Path, action_url: str, handoff_url: str, rasa_port: int, rasa_state: Path) -> str:
    """A `rasa run` server with its own SQLite tracker store, the real action server and
    the broker to the handoff service."""
    endpoints = endpoints_file(rasa_state, action_url, handoff_url=handoff_url)
    with running_rasa(model, endpoints=endpoints, port=rasa_port) as url:
        yield url
