"""Demo agents and secrets: no published password works, production refuses unsafe settings,
the service listens on loopback unless told otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contract.deployment import DEMO_VALUES, UnsafeForProduction
from handoff import __main__ as cli
from handoff.auth import hash_password, verify_password
from handoff.models import Agent, Base
from handoff.seed import seed_demo
from handoff.settings import Settings
from servicekit.clock import Clock
from servicekit.db import session_for
from servicekit.testing import empty_tables

PUBLISHED = DEMO_VALUES["HANDOFF_DEMO_PASSWORD"]
SAFE = dict(
    service_key="a-long-generated-service-key",
    rasa_jwt_secret="a-long-generated-jwt-secret",
    seed_demo_agents=False,
    cookie_secure=True,
)


def _agents(url):
    with session_for(url) as db:
        return {a.username: a for a in db.scalars(select(Agent))}


@pytest.fixture
def url(database_url):
    with session_for(database_url) as db:
        empty_tables(db, Base.metadata)
    return database_url


@pytest.mark.parametrize("password", [None, "", PUBLISHED, "short-pw"])
def test_no_demo_agents_without_a_generated_password(url, password):
    seed_demo_settings = Settings(database_url=url, demo_password=password)
    with session_for(url) as db:
        seed_demo(db, seed_demo_settings, Clock())
    assert _agents(url) == {}


def test_demo_agents_of_an_older_database_lose_the_published_password(url):
    with session_for(url) as db:
        db.add(
            Agent(
                username="wang",
                display_name="小王",
                role="agent",
                password_hash=hash_password(PUBLISHED),
                active=True,
                created_at=Clock().now(),
            )
        )
        db.add(
            Agent(
                username="li",
                display_name="小李",
                role="agent",
                password_hash=hash_password(PUBLISHED),
                active=True,
                created_at=Clock().now(),
            )
        )
        db.commit()
        seed_demo(db, Settings(database_url=url, demo_password=None), Clock())
    assert not _agents(url)["wang"].active and not _agents(url)["li"].active
    with session_for(url) as db:
        seed_demo(db, Settings(database_url=url, demo_password="a-generated-password"), Clock())
    agents = _agents(url)
    assert verify_password("a-generated-password", agents["zhou"].password_hash)
    assert not verify_password(PUBLISHED, agents["wang"].password_hash) or not agents["wang"].active


def test_production_names_every_unsafe_setting(monkeypatch, url):
    monkeypatch.setenv("DEPLOY_MODE", "production")
    with pytest.raises(UnsafeForProduction) as refused:
        cli.prepare(Settings(database_url=url, demo_password=PUBLISHED))
    message = str(refused.value)
    for name in ("HANDOFF_SERVICE_KEY", "HANDOFF_RASA_JWT_SECRET", "HANDOFF_SEED_DEMO_AGENTS", "HANDOFF_COOKIE_SECURE"):
        assert name in message
    assert PUBLISHED not in message and "dev-service-key" not in message
    cli.prepare(Settings(database_url=url, **SAFE))  # what production sets: it starts


def test_development_starts_on_the_defaults(monkeypatch, url):
    monkeypatch.delenv("DEPLOY_MODE", raising=False)
    cli.prepare(Settings(database_url=url))  # no demo password: no demo agents, but it serves
    assert _agents(url) == {}


def test_the_service_listens_on_loopback_by_default(monkeypatch):
    monkeypatch.delenv("HANDOFF_HOST", raising=False)
    assert Settings().host == "127.0.0.1"
    assert Settings(_env_file=None).cookie_secure is False
