"""Handoff service tests: run in .venv-services by scripts/test-handoff.

Rasa's venv (pydantic v1, SQLAlchemy 1.4, no FastAPI) also loads this file when its
pytest walks `tests/`: there every file of this folder is left out of collection.
"""

from __future__ import annotations

import pytest

from servicekit import has_service_deps

if has_service_deps():
    pytest.register_assert_rewrite("servicekit.testing")
    from tests.handoff.support import *  # noqa: F401,F403
else:
    collect_ignore_glob = ["*"]
