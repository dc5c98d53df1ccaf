"""The kit both FastAPI services stand on (handoff/ and shop_backend/).

What they would otherwise each copy: the engine, sessions and Alembic runner
(`servicekit.db`, `servicekit.migrations`), the error envelope (`servicekit.errors`),
the clock (`servicekit.clock`), the service-key dependency (`servicekit.deps`), the
settings every service has (`servicekit.settings`), the app scaffolding
(`servicekit.app`), the serve/migrate command line (`servicekit.cli`) and the test
scaffolding (`servicekit.testing`). Each service keeps its own models, routers and
rules.

This module itself imports the standard library only: Rasa's environment (pydantic v1,
SQLAlchemy 1.4) imports it to tell whether the services' tests can run there.
"""

from __future__ import annotations


def has_service_deps() -> bool:
    """Whether this interpreter can run the services: FastAPI, pydantic-settings, SQLAlchemy 2."""
    try:
        import fastapi  # noqa: F401
        import pydantic_settings  # noqa: F401
        import sqlalchemy
    except ImportError:
        return False
    return int(sqlalchemy.__version__.split(".")[0]) >= 2


def service_tests(support_module: str, namespace: dict) -> list[str]:
    """The body of a services' test folder's conftest.py::

        collect_ignore_glob = service_tests("tests.handoff.support", globals())

    With the services' dependencies the database fixtures of ``servicekit.testing`` and the
    names of ``support_module`` (its fixtures) go into the conftest's ``namespace`` and
    nothing is ignored; in Rasa's environment, whose pytest
    walks ``tests/`` too, every file of the folder is ignored."""
    if not has_service_deps():
        return ["*"]
    import importlib

    import pytest

    pytest.register_assert_rewrite("servicekit.testing")
    from . import testing

    namespace.update(testing.database_fixtures())
    module = importlib.import_module(support_module)
    namespace.update({name: value for name, value in vars(module).items() if not name.startswith("__")})
    return []
