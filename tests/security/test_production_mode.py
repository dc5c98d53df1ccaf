"""Production mode (DEPLOY_MODE=production) refuses to start Rasa and the action server on
missing or published demo secrets, naming each problem (finding 4), tried with the real
start scripts; and the secrets scripts/start generates (scripts/secrets)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from bot import serve
from contract import deployment, secrets_file
from devtools.processes import ROOT
from tests.services import stack_env

DEMO_IDENTITY = deployment.DEMO_VALUES["CHANNEL_IDENTITY_SECRET"]


def production_env(tmp_path: Path, **secrets: str) -> Dict[str, str]:
    """The stack's environment in production mode, with exactly `secrets` set (no secrets file)."""
    env = stack_env({"DEPLOY_MODE": "production", "SECRETS_FILE": str(tmp_path / "absent.env")})
    for name in (*secrets_file.GENERATED, "HANDOFF_RASA_JWT_SECRET"):
        env.pop(name, None)
    env.update(secrets)
    return env


def run(script: str, env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=240
    )


STRONG = "s" * 40


def test_rasa_refuses_missing_and_demo_secrets_and_names_them(tmp_path):
    env = production_env(tmp_path, CHANNEL_IDENTITY_SECRET=DEMO_IDENTITY, HANDOFF_SERVICE_KEY="dev-service-key")
    done = run("rasa", env, "--port", "9")
    assert done.returncode != 0
    for problem in (
        "RASA_JWT_SECRET is not set",
        "ACTIONS_TOKEN is not set",
        "CHANNEL_IDENTITY_SECRET is a published demo value",
        "HANDOFF_SERVICE_KEY is a published demo value",
    ):
        assert problem in done.stderr, done.stderr
    assert "production mode refuses to start" in done.stderr
    assert not (tmp_path / "absent.env").exists(), "production generates no secrets"


def test_rasa_refuses_a_short_jwt_secret(tmp_path):
    env = production_env(
        tmp_path,
        RASA_JWT_SECRET="short",
        ACTIONS_TOKEN=STRONG,
        HANDOFF_SERVICE_KEY=STRONG + "h",
        CHANNEL_IDENTITY_SECRET=STRONG + "c",
    )
    done = run("rasa", env, "--port", "9")
    assert done.returncode != 0 and "RASA_JWT_SECRET is shorter than" in done.stderr, done.stderr


def test_rasa_never_starts_without_a_jwt_secret_nor_with_the_old_auth_token():
    """Also in development: the API is never open (the check comes before any model is loaded)."""
    with pytest.raises(SystemExit, match="RASA_JWT_SECRET is not set"):
        serve.rasa_arguments([], {})
    with pytest.raises(SystemExit, match="--auth-token"):
        serve.rasa_arguments(["--auth-token", "x"], {"RASA_JWT_SECRET": STRONG})
    with pytest.raises(SystemExit, match="--cors"):
        serve.rasa_arguments(["--cors", "*"], {"RASA_JWT_SECRET": STRONG})


def test_rasa_command_line_is_jwt_loopback_and_no_cors():
    arguments = serve.rasa_arguments(["--model", "m.tar.gz"], {"RASA_JWT_SECRET": STRONG})
    assert arguments[:6] == ["run", "--enable-api", "--jwt-secret", STRONG, "--jwt-method", "HS256"]
    assert "--cors" not in arguments and "--auth-token" not in arguments
    assert arguments[arguments.index("--interface") + 1] == "127.0.0.1"
    shop = serve.rasa_arguments([], {"RASA_JWT_SECRET": STRONG, "RASA_CORS": "https://shop.example"})
    assert shop[shop.index("--cors") + 1 :][:1] == ["https://shop.example"]
    good = {name: f"{name}-{STRONG}" for name in serve.USED_SECRETS}
    assert serve.problems(good) == []


def test_the_action_server_refuses_missing_and_demo_secrets_and_names_them(tmp_path):
    env = production_env(tmp_path, SHOP_SERVICE_KEY="dev-service-key", HANDOFF_SERVICE_KEY="dev-service-key")
    done = run("actions", env, "--port", "9")
    assert done.returncode != 0
    for problem in (
        "ACTIONS_TOKEN is not set",
        "SHOP_SERVICE_KEY is a published demo value",
        "HANDOFF_SERVICE_KEY is a published demo value",
        "CHANNEL_IDENTITY_SECRET is not set",
    ):
        assert problem in done.stderr, done.stderr
    assert "action server: production mode refuses to start" in done.stderr


def test_the_action_server_never_starts_without_its_token(tmp_path):
    """Also in development (scripts/actions always has one: scripts/secrets generates it)."""
    env = production_env(tmp_path, DEPLOY_MODE="development")
    done = subprocess.run(
        [sys.executable, "-m", "actions.server", "--port", "9"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode != 0 and "ACTIONS_TOKEN is not set" in done.stderr, done.stderr


def test_scripts_secrets_generates_once_owner_only_never_prints_and_yields_to_the_environment(tmp_path):
    path = tmp_path / "secrets.env"
    env = {k: v for k, v in os.environ.items() if k not in secrets_file.GENERATED}
    env.update(SECRETS_FILE=str(path), HANDOFF_DEMO_PASSWORD="chosen-by-the-operator")
    env.pop("DEPLOY_MODE", None)
    first = run("secrets", env)
    assert first.returncode == 0, first.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    values = secrets_file.read(path)
    assert set(values) == set(secrets_file.GENERATED) - {"HANDOFF_DEMO_PASSWORD"}
    assert len(set(values.values())) == len(values) and all(len(v) >= 40 for v in values.values())
    assert not any(value in first.stdout + first.stderr for value in values.values())
    again = run("secrets", env)
    assert again.returncode == 0 and again.stdout == "" and secrets_file.read(path) == values
