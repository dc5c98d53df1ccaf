"""Shared fixtures: the trained model and a real Rasa server on loopback."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.rasa_server import ROOT, latest_model, running_rasa


@pytest.fixture(scope="session")
def model() -> Path:
    # scripts/test trains before pytest runs; a missing model is a failure, not a skip.
    return latest_model()


@pytest.fixture(scope="session")
def rasa_url(model: Path, tmp_path_factory) -> str:
    """A `rasa run` server with its own SQLite tracker store."""
    state = tmp_path_factory.mktemp("rasa-state")
    endpoints = state / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n"
        "  type: SQL\n"
        "  dialect: sqlite\n"
        f"  db: {state / 'tracker.db'}\n"
        "lock_store:\n"
        "  type: in_memory\n",
        encoding="utf-8",
    )
    with running_rasa(model, endpoints=endpoints, log_path=state / "rasa.log") as url:
        yield url
