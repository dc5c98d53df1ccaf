"""The secrets one command needs, generated on first run into a file only the owner reads.

`scripts/secrets` (and through it `scripts/start`) runs `python -m contract.secrets_file`:
every secret of `GENERATED` that is neither in the environment nor already in the file
(`SECRETS_FILE`, default `var/secrets.env`) is generated and appended; the file is
created with mode 0600 and existing values are never changed, so it is idempotent.
Values are never printed. In production mode (`DEPLOY_MODE=production`) nothing is
generated: production sets its own secrets, and each process refuses to start without them.

The file holds `NAME=value` lines; values are URL-safe (no quoting needed).
Standard library only: the scripts run it before any environment is built.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Dict, Mapping, Optional

from contract import deployment

DEFAULT_FILE = "var/secrets.env"
FILE_VARIABLE = "SECRETS_FILE"

# Every secret scripts/start generates, in the order they are written.
GENERATED = (
    "RASA_JWT_SECRET",  # Rasa's HTTP API (JWT, HS256); the handoff service gets it as HANDOFF_RASA_JWT_SECRET
    "ACTIONS_TOKEN",  # the action server's bearer token (Rasa sends it, endpoints.yml)
    "REST_CHANNEL_TOKEN",  # the REST channel's bearer token (trusted callers only)
    "WEBCHAT_SESSION_SECRET",  # signs the web chat session ids the server issues
    "CHANNEL_IDENTITY_SECRET",  # signs identity tokens (bot/identity_token.py)
    "SHOP_SERVICE_KEY",  # what the actions send to the shop backend
    "HANDOFF_SERVICE_KEY",  # what the actions and the event broker send to the handoff service
    "HANDOFF_DEMO_PASSWORD",  # the demo agents' console password (development only)
)


def read(path: Path) -> Dict[str, str]:
    """NAME → value of a secrets file (missing file: nothing)."""
    values: Dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name and not name.startswith("#"):
            values[name] = value
    return values


def generate(path: Path, environ: Optional[Mapping[str, str]] = None) -> list[str]:
    """Adds the missing secrets to `path` (0600); returns the names added (never the values)."""
    environ = os.environ if environ is None else environ
    existing = read(path)
    missing = [name for name in GENERATED if not environ.get(name) and not existing.get(name)]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        os.chmod(path, 0o600)  # also an older file that was created with a laxer mode
        for name in missing:
            out.write(f"{name}={secrets.token_urlsafe(32)}\n")
    return missing


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else os.environ.get(FILE_VARIABLE) or DEFAULT_FILE)
    if deployment.is_production():
        print(f"secrets: production mode generates nothing; set the secrets in the environment (or in {path})")
        return 0
    added = generate(path)
    if added:
        print(f"secrets: generated {', '.join(added)} into {path} (mode 0600)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
