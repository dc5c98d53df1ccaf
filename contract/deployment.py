"""Development or production: the one setting, and the demo values production refuses.

`DEPLOY_MODE=production` makes every process refuse to start while any secret
it uses is missing or still a published demo value, a demo agent account would
be created, or another unsafe default is on; each process checks what it uses
and names every problem in one message. Development (the default) runs on
generated or demo values so that one command starts everything.
"""

from __future__ import annotations

import os
from typing import Iterable, List, Mapping, Optional

MODE_VARIABLE = "DEPLOY_MODE"
PRODUCTION = "production"
DEVELOPMENT = "development"

# Values published in this repository: never valid in production.
DEMO_VALUES: Mapping[str, str] = {
    "CHANNEL_IDENTITY_SECRET": "dev-only-channel-identity-secret-change-me",
    "SHOP_SERVICE_KEY": "dev-service-key",
    "HANDOFF_SERVICE_KEY": "dev-service-key",
    "HANDOFF_DEMO_PASSWORD": "handoff-demo",
    "WECHAT_TOKEN": "xiaomi-demo-token",
    "WECHAT_SECRET": "demo-app-secret",
    "WECHAT_ENCODING_AES_KEY": "XiaomiDemoEncodingAESKey0123456789abcdefghi",
}
# A secret shorter than this is refused in production (guessable).
MIN_SECRET_LENGTH = 16


class UnsafeForProduction(RuntimeError):
    """Raised at start-up in production mode; the message lists every problem."""


def mode(environ: Optional[Mapping[str, str]] = None) -> str:
    value = (os.environ if environ is None else environ).get(MODE_VARIABLE, DEVELOPMENT).strip().lower()
    return PRODUCTION if value == PRODUCTION else DEVELOPMENT


def is_production(environ: Optional[Mapping[str, str]] = None) -> bool:
    return mode(environ) == PRODUCTION


def secret_problems(secrets: Mapping[str, Optional[str]]) -> List[str]:
    """What is wrong with these secrets (setting name → value) for production."""
    problems = []
    for name, value in secrets.items():
        if not value:
            problems.append(f"{name} is not set")
        elif value in DEMO_VALUES.values():
            problems.append(f"{name} is a published demo value")
        elif len(value) < MIN_SECRET_LENGTH:
            problems.append(f"{name} is shorter than {MIN_SECRET_LENGTH} characters")
    return problems


def refuse_unsafe(process: str, problems: Iterable[str], environ: Optional[Mapping[str, str]] = None) -> None:
    """In production mode, stop the start-up of `process` when there is any problem."""
    problems = list(problems)
    if problems and is_production(environ):
        raise UnsafeForProduction(f"{process}: production mode refuses to start: " + "; ".join(problems))
