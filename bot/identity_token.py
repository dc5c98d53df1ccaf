"""Signed identity claims that a channel passes to the action server.

A channel that knows who the customer is (the shop's web page for a logged-in
customer, the WeChat connector for a request WeChat signed) puts a short-lived
HS256 token into the message metadata as `identity_token`. The action server
verifies it with the same secret and treats the customer as verified; anything
else in the metadata is only a claim and is ignored.

Claims: {"channel": "web" | "wechat", "external_id": <shop user id | OpenID>}
or {"shop_customer_id": <customer id>}; always with "exp".
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Optional

import jwt

from contract import deployment

METADATA_KEY = "identity_token"
ALGORITHM = "HS256"
# The embedded default lets a newcomer run everything; production sets its own.
DEFAULT_SECRET = "dev-only-channel-identity-secret-change-me"
DEFAULT_TTL_S = 3600


def secret() -> str:
    return os.environ.get("CHANNEL_IDENTITY_SECRET") or DEFAULT_SECRET


def secret_problems() -> List[str]:
    """What production refuses about the signing secret (missing, the published default, short)."""
    return deployment.secret_problems({"CHANNEL_IDENTITY_SECRET": os.environ.get("CHANNEL_IDENTITY_SECRET")})


def sign(claims: Dict[str, Any], ttl_s: int = DEFAULT_TTL_S, key: Optional[str] = None) -> str:
    """A token for `claims`, valid for `ttl_s` seconds."""
    payload: Dict[str, Any] = {key_: str(value) for key_, value in claims.items()}
    payload["exp"] = int(time.time()) + ttl_s
    return jwt.encode(payload, key or secret(), algorithm=ALGORITHM)


def verify(token: Any, key: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """The claims of a valid, unexpired token, or None for anything else."""
    # a JWT is ASCII; anything else (a lone surrogate included) cannot be one
    if not isinstance(token, str) or not token or len(token) > 4096 or not token.isascii():
        return None
    try:
        claims = jwt.decode(token, key or secret(), algorithms=[ALGORITHM], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return None
    if claims.get("shop_customer_id"):
        return claims
    if claims.get("channel") in ("web", "wechat") and claims.get("external_id"):
        return claims
    return None
