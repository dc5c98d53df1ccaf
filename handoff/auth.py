"""Agent passwords and login sessions.

Passwords: hashlib.scrypt with a random salt per password, compared in constant time.
Sessions: a random token in an HttpOnly, SameSite=Strict cookie (Secure behind HTTPS,
required in production); only its SHA-256 is stored, so a leaked database holds no usable
token. Logins are limited and locked out by handoff.limits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DbSession

from .models import Agent, Session

COOKIE_NAME = "handoff_session"
# scrypt cost: 16 MiB of memory per hash, a few tens of milliseconds.
_N, _R, _P, _DKLEN = 2**14, 8, 1, 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64 salt and hash)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# A hash to check against when the username is unknown, so that the answer takes as
# long as for a known one and does not tell which usernames exist.
DUMMY_HASH = hash_password(secrets.token_hex(8))


def find_agent(db: DbSession, username: str) -> Optional[Agent]:
    return db.scalars(select(Agent).where(Agent.username == username)).first()


def stored_hash(agent: Optional[Agent]) -> str:
    """What to check a password against: the agent's hash, or the dummy one."""
    return agent.password_hash if agent is not None else DUMMY_HASH


def authenticate(db: DbSession, username: str, password: str) -> Optional[Agent]:
    agent = find_agent(db, username)
    ok = verify_password(password, stored_hash(agent))
    return agent if ok and agent is not None and agent.active else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: DbSession, agent: Agent, now: datetime, ttl: timedelta) -> str:
    """Stores a new session and returns its token (for the cookie)."""
    token = secrets.token_urlsafe(32)
    db.execute(delete(Session).where(Session.expires_at < now))
    db.add(
        Session(token_hash=token_hash(token), agent_id=agent.id, created_at=now, expires_at=now + ttl, last_seen_at=now)
    )
    return token


def find_session(db: DbSession, token: Optional[str], now: datetime) -> Optional[Session]:
    """The live session of ``token``, its last use set to ``now``; None if unknown or expired."""
    if not token:
        return None
    session = db.get(Session, token_hash(token))
    if session is None or session.expires_at <= now or not session.agent.active:
        return None
    session.last_seen_at = now
    return session


def close_session(db: DbSession, token: Optional[str]) -> None:
    if token:
        db.execute(delete(Session).where(Session.token_hash == token_hash(token)))
