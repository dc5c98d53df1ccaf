"""Server-issued web chat sessions: the widget can only come back to a conversation the server gave it.

A session is a random id made by the server (32 hex digits; it is the
conversation's sender id in Rasa) and a token that proves the server issued it:

    <id>.<expires>.<mac>      mac = HMAC-SHA256(WEBCHAT_SESSION_SECRET, "<id>.<expires>"), base64url

The widget keeps the token (localStorage) and presents it on `session_request`;
the channel verifies the signature and the expiry and only then joins the
conversation's room. Anything else (no token, an id chosen by the client such as
a WeChat OpenID or another customer's id, a tampered or expired token, garbage)
gets a new session. The id alone, which agents and trackers see, opens nothing.

Settings (environment of the Rasa server, read here only):
- `WEBCHAT_SESSION_SECRET`: the signing key, shared by every Rasa instance behind
  one address. Unset in development: a random key for this process (sessions end
  when the server restarts); production mode refuses to start without a real one.
- `WEBCHAT_SESSION_TTL_S`: how long a token is valid after it was issued or last
  renewed (every reconnection renews it); default 7 days.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from contract.deployment import refuse_unsafe, secret_problems

logger = logging.getLogger(__name__)

SECRET_VARIABLE = "WEBCHAT_SESSION_SECRET"
TTL_VARIABLE = "WEBCHAT_SESSION_TTL_S"
DEFAULT_TTL_S = 7 * 24 * 3600
MIN_TTL_S = 60
MAX_TTL_S = 90 * 24 * 3600
# A token longer than this is not one of ours: refused before any work.
MAX_TOKEN_CHARS = 200
SESSION_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
_TOKEN_PATTERN = re.compile(r"^([0-9a-f]{32})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")
PROCESS = "rasa (web chat channel)"


@dataclass(frozen=True)
class Session:
    """A session the server issued: `id` is Rasa's sender id, `token` what the widget keeps."""

    id: str
    token: str
    expires: int


def new_session_id() -> str:
    return secrets.token_hex(16)


def valid_session_id(value: Any) -> bool:
    """The shape of a server-made id (not proof that the server made it: that is the token)."""
    return isinstance(value, str) and bool(SESSION_ID_PATTERN.fullmatch(value))


class SessionSigner:
    """Issues and verifies session tokens with one secret."""

    def __init__(self, secret: str, ttl_s: int = DEFAULT_TTL_S) -> None:
        if not secret:
            raise ValueError("a session secret is required")
        self._key = secret.encode("utf-8")
        self.ttl_s = int(ttl_s)

    def _mac(self, session_id: str, expires: int) -> str:
        digest = hmac.new(self._key, f"{session_id}.{expires}".encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def issue(self, session_id: Optional[str] = None, now: Optional[float] = None) -> Session:
        """A token for `session_id` (a new random id when None), valid for the TTL from `now`."""
        session_id = session_id or new_session_id()
        if not valid_session_id(session_id):
            raise ValueError("session ids are made by new_session_id()")
        expires = int(time.time() if now is None else now) + self.ttl_s
        return Session(session_id, f"{session_id}.{expires}.{self._mac(session_id, expires)}", expires)

    def verify(self, token: Any, now: Optional[float] = None) -> Optional[str]:
        """The session id of a token this signer issued and that has not expired; None otherwise."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            return None
        match = _TOKEN_PATTERN.fullmatch(token)
        if match is None:
            return None
        session_id, expires_text, mac = match.groups()
        expires = int(expires_text)
        if not hmac.compare_digest(mac, self._mac(session_id, expires)):
            return None
        if expires <= (time.time() if now is None else now):
            return None
        return session_id


def _ttl(environ: Mapping[str, str]) -> int:
    raw = (environ.get(TTL_VARIABLE) or "").strip()
    if not raw:
        return DEFAULT_TTL_S
    try:
        ttl = int(raw)
    except ValueError:
        raise ValueError(f"{TTL_VARIABLE} must be a number of seconds, not {raw!r}") from None
    if not MIN_TTL_S <= ttl <= MAX_TTL_S:
        raise ValueError(f"{TTL_VARIABLE} must be between {MIN_TTL_S} and {MAX_TTL_S} seconds")
    return ttl


def signer_from_env(environ: Optional[Mapping[str, str]] = None) -> SessionSigner:
    """The signer of this process. Production mode refuses a missing, demo or short secret
    (contract.deployment); development without one signs with a random key of this process."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    secret = (env.get(SECRET_VARIABLE) or "").strip()
    refuse_unsafe(PROCESS, secret_problems({SECRET_VARIABLE: secret}), env)
    if not secret:
        logger.info(
            "webchat: %s is not set; signing sessions with a random key of this process "
            "(conversations cannot be resumed after a restart)",
            SECRET_VARIABLE,
        )
        secret = secrets.token_urlsafe(32)
    return SessionSigner(secret, _ttl(env))
