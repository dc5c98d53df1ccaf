"""The real server: `python -m handoff serve` in a subprocess, called over HTTP; the CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
from sqlalchemy import select

from contract.http import SERVICE_KEY_HEADER
from handoff.auth import verify_password
from handoff.models import Agent
from servicekit.db import session_for
from servicekit.testing import ROOT, free_port, served

from .support import KEY, package


def _env(tmp_path, recorder, **extra):
    return dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        HANDOFF_DATABASE_URL=f"sqlite:///{tmp_path / 'served.db'}",
        HANDOFF_SERVICE_KEY=KEY,
        HANDOFF_RASA_URL=recorder.url,
        HANDOFF_BUSINESS_HOURS="00:00-24:00",
        HANDOFF_DEMO_PASSWORD="served-demo-pw",
        **extra,
    )


def test_serve_over_http(tmp_path, recorder):
    recorder.reset()
    port = free_port()
    command = [sys.executable, "-m", "handoff", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with served(command, _env(tmp_path, recorder), tmp_path / "server.log", port) as base:
        assert httpx.get(f"{base}/api/queue").status_code == 401
        with (
            httpx.Client(base_url=base, timeout=10) as agent,
            httpx.Client(base_url=base, headers={SERVICE_KEY_HEADER: KEY}, timeout=10) as bot,
        ):
            opened = bot.post("/api/handoffs", json=package("web-served")).json()
            assert opened["state"] == "QUEUED"  # HANDOFF_BUSINESS_HOURS=00:00-24:00: always open
            assert (
                agent.post("/api/auth/login", json={"username": "wang", "password": "served-demo-pw"}).status_code
                == 200
            )
            assert agent.post(f"/api/handoffs/{opened['id']}/accept").status_code == 200
            assert agent.post(f"/api/handoffs/{opened['id']}/messages", json={"text": "您好"}).status_code == 201
    [sent] = recorder.for_sender("web-served")
    assert sent.events[0]["data"]["custom"] == {"text": "您好", "sender": "agent", "agent_name": "小王"}


def test_create_agent(tmp_path, recorder):
    env = _env(tmp_path, recorder, HANDOFF_SEED_DEMO_AGENTS="false")
    command = [
        sys.executable,
        "-m",
        "handoff",
        "create-agent",
        "--username",
        "chen",
        "--display-name",
        "小陈",
        "--role",
        "supervisor",
        "--password",
        "chen-password",
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 1 and "exists" in again.stderr
    short = subprocess.run(command[:-1] + ["short"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert short.returncode == 2
    with session_for(env["HANDOFF_DATABASE_URL"]) as db:
        agent = db.scalars(select(Agent).where(Agent.username == "chen")).one()
        assert (agent.display_name, agent.role) == ("小陈", "supervisor")
        assert verify_password("chen-password", agent.password_hash)
        assert "chen-password" not in agent.password_hash
