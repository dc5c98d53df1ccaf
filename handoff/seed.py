"""Demo agents and canned replies (idempotent)."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from contract.deployment import DEMO_VALUES
from servicekit.clock import Clock

from . import texts
from .auth import hash_password, verify_password
from .models import Agent, CannedReply
from .settings import Settings

DEMO_AGENTS = [
    ("wang", "小王", "agent"),
    ("li", "小李", "agent"),
    ("zhou", "周主管", "supervisor"),
]


def create_agent(db: DbSession, username: str, display_name: str, role: str, password: str, clock: Clock) -> Agent:
    agent = Agent(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=hash_password(password),
        active=True,
        created_at=clock.now(),
    )
    db.add(agent)
    return agent


MIN_DEMO_PASSWORD = 12


def demo_password_problem(settings: Settings) -> Optional[str]:
    """Why the demo agents cannot get ``settings.demo_password``; None when they can."""
    password = settings.demo_password
    if not password:
        return "HANDOFF_DEMO_PASSWORD is not set"
    if password in DEMO_VALUES.values():
        return "HANDOFF_DEMO_PASSWORD is the published demo value"
    if len(password) < MIN_DEMO_PASSWORD:
        return f"HANDOFF_DEMO_PASSWORD is shorter than {MIN_DEMO_PASSWORD} characters"
    return None


def seed_demo(db: DbSession, settings: Settings, clock: Clock) -> int:
    """Adds the demo agents (only with a usable demo password) and the canned replies that are
    missing; returns how many rows it added."""
    added = 0
    existing = set(db.scalars(select(Agent.username)))
    password = settings.demo_password if demo_password_problem(settings) is None else None
    for username, display_name, role in DEMO_AGENTS:
        if password and username not in existing:
            create_agent(db, username, display_name, role, password, clock)
            added += 1
    _retire_published_password(db, password)
    titles = set(db.scalars(select(CannedReply.title)))
    for position, (title, text) in enumerate(texts.CANNED_REPLIES):
        if title not in titles:
            db.add(CannedReply(title=title, text=text, position=position))
            added += 1
    db.commit()
    return added


def _retire_published_password(db: DbSession, password: Optional[str]) -> None:
    """Demo agents of an older database that still log in with the published password get the
    new demo password, or are deactivated when there is none."""
    published = DEMO_VALUES["HANDOFF_DEMO_PASSWORD"]
    names = [username for username, _, _ in DEMO_AGENTS]
    for agent in db.scalars(select(Agent).where(Agent.username.in_(names), Agent.active.is_(True))):
        if verify_password(published, agent.password_hash):
            if password:
                agent.password_hash = hash_password(password)
            else:
                agent.active = False
