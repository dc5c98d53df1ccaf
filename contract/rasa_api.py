"""How a process calls Rasa's HTTP API: a bearer JWT signed with `RASA_JWT_SECRET`.

Rasa runs with `--enable-api --jwt-secret ... --jwt-method HS256` (bot/serve.py) and no
`--auth-token` (that one travels as `?token=` in URLs that get logged). A caller sends
`Authorization: Bearer <jwt>` with the payload
`{"user": {"username": <caller>, "role": "admin"}, "exp": ...}`; Rasa also accepts
`"role": "user"` for the conversation whose sender id is the username, and nothing else.

Signed here with the standard library (HS256 is an HMAC) so that every environment,
the services' included, uses the same function.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Dict, Optional

JWT_ALGORITHM = "HS256"
ADMIN_ROLE = "admin"
USER_ROLE = "user"
DEFAULT_TTL_S = 300
AUTHORIZATION_HEADER = "Authorization"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt_token(
    secret: str, username: str, role: str = ADMIN_ROLE, ttl_s: int = DEFAULT_TTL_S, now: Optional[float] = None
) -> str:
    """An HS256 JWT for Rasa's API: `role` admin (any conversation) or user (`username`'s own)."""
    issued = int(time.time() if now is None else now)
    header = {"alg": JWT_ALGORITHM, "typ": "JWT"}
    payload = {"user": {"username": username, "role": role}, "exp": issued + ttl_s}
    signing_input = ".".join(_b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload))
    signature = hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def auth_headers(secret: str, username: str, role: str = ADMIN_ROLE, ttl_s: int = DEFAULT_TTL_S) -> Dict[str, str]:
    return {AUTHORIZATION_HEADER: f"Bearer {jwt_token(secret, username, role, ttl_s)}"}
