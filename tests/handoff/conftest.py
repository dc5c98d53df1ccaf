"""Handoff service tests: run in .venv-services by scripts/test-handoff.

Rasa's venv (pydantic v1, SQLAlchemy 1.4, no FastAPI) also loads this file when its
pytest walks `tests/`: there every file of this folder is left out of collection.
"""

from __future__ import annotations


def _service_deps() -> bool:
    try:
        import fastapi  # noqa: F401
        import pydantic_settings  # noqa: F401
        import sqlalchemy
    except ImportError:
        return False
    return int(sqlalchemy.__version__.split(".")[0]) >= 2


if _service_deps():
    from tests.handoff.support import *  # noqa: F401,F403
else:
    collect_ignore_glob = ["*"]
