"""The secrets and headers of a test or benchmark stack, the way scripts/start hands them out.

`stack_secrets()` generates every secret of contract/secrets_file.py once into
`$TEST_SECRETS_FILE` (default var/test-secrets.env, mode 0600; the same generator as
scripts/secrets) and reads it; `stack_env()` is the environment every started process
gets (those secrets, HANDOFF_RASA_JWT_SECRET, loopback, no telemetry). The header helpers
are what a legitimate caller sends: `rasa_headers()` a JWT for Rasa's HTTP API,
`rest_headers()` the REST channel's token, `action_headers()` the action server's.
Log files of started processes go under `log_dir()` ($TEST_LOG_DIR, default var/test-logs/).
"""

from __future__ import annotations

import fcntl
import functools
import os
from pathlib import Path
from typing import Dict, Optional

from contract import rasa_api, secrets_file
from devtools.processes import ROOT

SECRETS_FILE_VARIABLE = "TEST_SECRETS_FILE"
LOG_DIR_VARIABLE = "TEST_LOG_DIR"


def secrets_path() -> Path:
    return Path(os.environ.get(SECRETS_FILE_VARIABLE) or ROOT / "var" / "test-secrets.env")


def log_dir() -> Path:
    path = Path(os.environ.get(LOG_DIR_VARIABLE) or ROOT / "var" / "test-logs")
    path.mkdir(parents=True, exist_ok=True)
    return path


@functools.cache
def stack_secrets() -> Dict[str, str]:
    """NAME → value of every generated secret (generated on first use, kept in the file)."""
    path = secrets_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel sessions share one file
        secrets_file.generate(path, environ={})
        values = secrets_file.read(path)
    return {name: values[name] for name in secrets_file.GENERATED}


def stack_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment of a started process: ours, plus the stack's secrets and settings."""
    secrets = stack_secrets()
    env = dict(os.environ)
    env.update(secrets)
    env.update(
        HANDOFF_RASA_JWT_SECRET=secrets["RASA_JWT_SECRET"],
        SECRETS_FILE=str(secrets_path()),
        PYTHONPATH=str(ROOT),
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    env.update(extra or {})
    return env


# What the test process signs with itself, as the shop's web server or a channel would.
SIGNING_SECRETS = ("CHANNEL_IDENTITY_SECRET", "WEBCHAT_SESSION_SECRET")


def adopt_signing_secrets() -> None:
    """This process signs identity tokens and session ids with the stack's secrets."""
    secrets = stack_secrets()
    os.environ.update({name: secrets[name] for name in SIGNING_SECRETS})


def rasa_headers(sender: Optional[str] = None, secret: Optional[str] = None) -> Dict[str, str]:
    """A JWT for Rasa's HTTP API: role admin, or with `sender` role user for that conversation only."""
    key = secret or stack_secrets()["RASA_JWT_SECRET"]
    if sender is None:
        return rasa_api.auth_headers(key, "tests")
    return rasa_api.auth_headers(key, sender, role=rasa_api.USER_ROLE)


def rest_headers() -> Dict[str, str]:
    return {"Authorization": f"Bearer {stack_secrets()['REST_CHANNEL_TOKEN']}"}


def action_headers() -> Dict[str, str]:
    return {"Authorization": f"Bearer {stack_secrets()['ACTIONS_TOKEN']}"}
