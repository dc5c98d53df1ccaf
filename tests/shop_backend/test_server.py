"""The real server: `python -m shop_backend serve` in a subprocess, called over HTTP."""

from __future__ import annotations

import json
import os
import sys

import httpx

from contract.http import SERVICE_KEY_HEADER
from servicekit.testing import ROOT, free_port, served

from .support import KEY


def test_serve_over_http(tmp_path):
    port = free_port()
    log_path = tmp_path / "server.log"
    env = dict(
        os.environ,
        SHOP_DATABASE_URL=f"sqlite:///{tmp_path / 'served.db'}",
        SHOP_SERVICE_KEY=KEY,
        SHOP_EXPOSE_CODES="true",
        SHOP_SMS_OUTBOX=str(tmp_path / "sms-outbox.jsonl"),
        PYTHONPATH=str(ROOT),
    )
    command = [sys.executable, "-m", "shop_backend", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with served(command, env, log_path, port) as base:
        with httpx.Client(base_url=base, headers={SERVICE_KEY_HEADER: KEY}, timeout=10) as http:
            assert httpx.get(f"{base}/v1/customers/C0001").status_code == 401
            assert http.get("/v1/customers/C0001").json()["name"] == "张伟"
            order = http.get("/v1/orders/20261101000001", params={"customer_id": "C0001"}).json()
            assert order["tracking_no"] == "SF1234567890123"
            code = http.post("/v1/verification-codes", json={"phone": "13800138000"}).json()["dev_code"]
            assert (
                http.post("/v1/verification-codes/check", json={"phone": "13800138000", "code": code}).json()[
                    "customer_id"
                ]
                == "C0001"
            )
            assert http.get("/openapi.json").json()["info"]["title"]
    output = log_path.read_text()
    assert code not in output and "13800138000" not in output
    assert json.loads((tmp_path / "sms-outbox.jsonl").read_text())["code"] == code
