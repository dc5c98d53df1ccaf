"""Production mode refuses the unsafe settings and names each; the SMS gateway setting;
`purge-codes`; log redaction in the served process."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from servicekit.clock import Clock
from servicekit.db import session_for
from servicekit.testing import ROOT, empty_tables
from shop_backend.app import create_app
from shop_backend.models import Base, PhoneChangeCode, SmsSend, SmsThrottleKey, VerificationCode
from shop_backend.seed import seed_contract
from shop_backend.service import purge_codes
from shop_backend.settings import Settings, production_problems

from .support import HEADERS, KEY

GOOD_KEY = "a-long-random-service-key-0123456789"
SENT: list[tuple[str, str, str]] = []


def record_sms(phone: str, code: str, purpose: str) -> None:
    """A stand-in SMS gateway (SHOP_SMS_GATEWAY=tests.shop_backend.test_production:record_sms)."""
    SENT.append((phone, code, purpose))


def test_production_problems_are_each_named():
    problems = production_problems(Settings(service_key="dev-service-key", expose_codes=True))
    assert len(problems) == 3
    assert "SHOP_SERVICE_KEY is a published demo value" in problems
    assert any("SHOP_EXPOSE_CODES" in p for p in problems)
    assert any("SHOP_SMS_GATEWAY=outbox" in p and "real SMS gateway" in p for p in problems)
    assert production_problems(Settings(service_key="short-key", sms_gateway="x:y")) == [
        "SHOP_SERVICE_KEY is shorter than 16 characters"
    ]
    assert production_problems(Settings(service_key="", sms_gateway="x:y")) == ["SHOP_SERVICE_KEY is not set"]
    assert production_problems(Settings(service_key=GOOD_KEY, sms_gateway="x:y")) == []


def run_cli(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = dict(os.environ, PYTHONPATH=str(ROOT), SHOP_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")
    environ.pop("DEPLOY_MODE", None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "shop_backend", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_serve_refuses_to_start_in_production_with_the_defaults(tmp_path):
    done = run_cli(tmp_path, "serve", "--port", "1", DEPLOY_MODE="production", SHOP_EXPOSE_CODES="true")
    assert done.returncode == 2
    assert "shop backend: production mode refuses to start" in done.stderr
    for name in ("SHOP_SERVICE_KEY", "SHOP_EXPOSE_CODES", "SHOP_SMS_GATEWAY"):
        assert name in done.stderr
    assert not (tmp_path / "cli.db").exists()  # refused before touching anything


def test_gateway_receives_the_codes_and_no_outbox_is_written(database_url, tmp_path):
    gateway = "tests.shop_backend.test_production:record_sms"
    settings = Settings(database_url=database_url, service_key=KEY, sms_gateway=gateway, sms_outbox=tmp_path / "o")
    SENT.clear()
    with session_for(database_url) as session:
        empty_tables(session, Base.metadata)
        seed_contract(session, settings, Clock())
    app = create_app(settings)
    with TestClient(app, headers=HEADERS) as client:
        resp = client.post("/v1/verification-codes", json={"phone": "13800138000"})
        assert resp.status_code == 202 and resp.json() == {"sent": True, "expires_in": 300}
        assert client.post("/v1/verification-codes", json={"phone": "13300000000"}).status_code == 202
    app.state.engine.dispose()
    [(phone, code, purpose)] = SENT
    assert (phone, purpose, len(code)) == ("13800138000", "login", 6)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("gateway", ["no-colon", "json:nothing_here", "json:__doc__"])
def test_a_gateway_that_does_not_load_stops_the_start(gateway):
    with pytest.raises(ValueError):
        create_app(Settings(service_key=KEY, sms_gateway=gateway))


def test_purge_codes(env):
    now = env.clock.now()
    hour, day = timedelta(hours=1), timedelta(days=1)
    with env.session() as s:

        def code(expires, locked=None, **cols):
            model = VerificationCode if "phone" in cols else PhoneChangeCode
            s.add(
                model(
                    code_hash="x",
                    created_at=expires - timedelta(minutes=5),
                    expires_at=expires,
                    attempts=0,
                    locked_until=locked,
                    **cols,
                )
            )

        code(now - hour, phone="13800138000", customer_id="C0001")  # expired: goes
        code(now - hour, locked=now + hour, phone="13912345678", customer_id="C0002")  # locked: stays
        code(now + timedelta(minutes=3), phone="13700001111", customer_id="C0003")  # valid: stays
        code(now - day, customer_id="C0001", new_phone="13600000001")  # expired: goes
        s.add_all([SmsSend(key="a", created_at=now - 2 * day), SmsSend(key="b", created_at=now - hour)])
        s.add_all([SmsThrottleKey(key="a", used_at=now - 2 * day), SmsThrottleKey(key="b", used_at=now - hour)])
        s.commit()
        result = purge_codes(s, env.settings, now)
        s.commit()
        assert result == {"verification_codes": 1, "phone_change_codes": 1, "sms_sends": 1, "sms_throttle_keys": 1}
        assert s.scalar(select(func.count()).select_from(VerificationCode)) == 2
        assert s.scalars(select(SmsSend.key)).all() == ["b"]
        assert s.scalars(select(SmsThrottleKey.key)).all() == ["b"]


def test_purge_codes_command(tmp_path):
    done = run_cli(tmp_path, "purge-codes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "verification_codes=0",
        "phone_change_codes=0",
        "sms_sends=0",
        "sms_throttle_keys=0",
    ]


def test_the_served_backend_redacts_its_log_lines(tmp_path):
    """install_log_redaction() runs at the start of the command line: a full phone in any
    log record of the process comes out masked."""
    script = (
        "import logging, shop_backend.__main__ as m;"
        "m.main(['migrate']);"
        "logging.getLogger('anything').warning('phone 13800138000 code 123456')"
    )
    environ = dict(os.environ, PYTHONPATH=str(ROOT), SHOP_DATABASE_URL=f"sqlite:///{tmp_path / 'r.db'}")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environ, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "138****8000" in done.stderr and "13800138000" not in done.stderr
