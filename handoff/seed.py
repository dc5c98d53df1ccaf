"""Demo agents and canned replies (idempotent)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from servicekit.clock import Clock

from . import texts
from .auth import hash_password
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


def seed_demo(db: DbSession, settings: Settings, clock: Clock) -> int:
    """Adds the demo agents and canned replies that are missing; returns how many rows it added."""
    added = 0
    existing = set(db.scalars(select(Agent.username)))
    for username, display_name, role in DEMO_AGENTS:
        if username not in existing:
            create_agent(db, username, display_name, role, settings.demo_password, clock)
            added += 1
    titles = set(db.scalars(select(CannedReply.title)))
    for position, (title, text) in enumerate(texts.CANNED_REPLIES):
        if title not in titles:
            db.add(CannedReply(title=title, text=text, position=position))
            added += 1
    db.commit()
    return added
