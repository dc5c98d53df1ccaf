"""SMS abuse against the real shop backend (scripts/backend, its default throttles, codes
not exposed): bombing one phone or from one conversation is throttled with 429 and no more
codes reach the SMS outbox; a phone of no customer is answered exactly like a customer's;
concurrent wrong codes never get past the 5-try lock."""

from __future__ import annotations

import json
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator, List, NamedTuple

import pytest
import requests

from contract.http import REQUESTER_HEADER, SERVICE_KEY_HEADER
from tests.services import SERVICE_KEY, log_dir, running_backend

ZHANG_WEI, LI_NA, WANG_FANG = "13800138000", "13912345678", "13700001111"  # seeded customers
NOBODY = [f"1330000{i:04d}" for i in range(20)]  # phones of no customer


class Backend(NamedTuple):
    url: str
    state: Path

    def post(self, path: str, body: dict, requester: str = "conv-attacker") -> requests.Response:
        headers = {SERVICE_KEY_HEADER: SERVICE_KEY, REQUESTER_HEADER: requester}
        return requests.post(f"{self.url}{path}", json=body, headers=headers, timeout=30)

    def send(self, phone: str, requester: str = "conv-attacker") -> requests.Response:
        return self.post("/v1/verification-codes", {"phone": phone}, requester)

    def check(self, phone: str, code: str) -> requests.Response:
        return self.post("/v1/verification-codes/check", {"phone": phone, "code": code})

    def outbox(self) -> List[dict]:
        path = self.state / "sms-outbox.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def log(self) -> str:
        port = self.url.rsplit(":", 1)[1]  # scripts/backend's log, under $TEST_LOG_DIR
        return (log_dir() / f"backend-{port}.log").read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    """A fresh backend per test, with the default SMS throttles and codes not exposed."""
    with running_backend(tmp_path, default_sms_limits=True, expose_codes="false", log_level="INFO") as url:
        yield Backend(url, tmp_path)


def assert_throttled(response: requests.Response) -> None:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "rate_limited" and error["message"]
    assert isinstance(error["retry_after"], int) and 0 < error["retry_after"] <= 86400


def test_bombing_one_phone_is_throttled(backend):
    assert backend.send(ZHANG_WEI, requester="conv-0").status_code == 202
    for i in range(1, 15):  # from many conversations at once: still one phone
        assert_throttled(backend.send(ZHANG_WEI, requester=f"conv-{i}"))
    assert [r["phone"] for r in backend.outbox()] == [ZHANG_WEI]
    code = backend.outbox()[0]["code"]
    log = backend.log()
    assert code not in log and ZHANG_WEI not in log


def test_bombing_from_one_conversation_is_throttled(backend):
    for phone in NOBODY[:9] + [LI_NA]:  # ten codes asked for within the hour
        assert backend.send(phone).status_code == 202
    assert_throttled(backend.send(WANG_FANG))
    assert_throttled(backend.send(NOBODY[10]))
    assert [r["phone"] for r in backend.outbox()] == [LI_NA]  # nothing for WANG_FANG
    # The refused request did not count against the phone: its owner still gets a code.
    assert backend.send(WANG_FANG, requester="conv-wang-fang").status_code == 202
    assert [r["phone"] for r in backend.outbox()] == [LI_NA, WANG_FANG]


def same_answer(a: requests.Response, b: requests.Response) -> None:
    """Status, body bytes and every header but Date are identical."""
    assert (a.status_code, a.content) == (b.status_code, b.content)
    headers_a = {k.lower(): v for k, v in a.headers.items() if k.lower() != "date"}
    headers_b = {k.lower(): v for k, v in b.headers.items() if k.lower() != "date"}
    assert headers_a == headers_b


def test_a_customer_phone_and_a_stranger_phone_answer_alike(backend):
    known, unknown = backend.send(WANG_FANG, "conv-1"), backend.send(NOBODY[0], "conv-2")
    same_answer(known, unknown)
    assert known.status_code == 202 and known.json() == {"sent": True, "expires_in": 300}
    for _ in range(6):  # wrong codes count down and lock alike
        a, b = backend.check(WANG_FANG, "000000"), backend.check(NOBODY[0], "000000")
        same_answer(a, b)
    assert a.status_code == 423 and a.json()["error"]["code"] == "code_locked"
    # Malformed input and the throttle answer alike too.
    same_answer(backend.send(WANG_FANG, "conv-3"), backend.send(NOBODY[0], "conv-4"))
    same_answer(backend.send(WANG_FANG[:-1], "conv-5"), backend.send(NOBODY[0][:-1], "conv-6"))
    assert [r["phone"] for r in backend.outbox()] == [WANG_FANG]


def test_a_number_of_another_account_is_not_told_on_phone_change(backend):
    path = "/v1/customers/C0001/phone-change/code"
    taken = backend.post(path, {"new_phone": LI_NA}, "conv-1")
    free = backend.post(path.replace("C0001", "C0003"), {"new_phone": NOBODY[1]}, "conv-2")
    same_answer(taken, free)
    assert taken.status_code == 202
    for _ in range(5):
        a = backend.post("/v1/customers/C0001/phone-change", {"new_phone": LI_NA, "code": "000000"})
        b = backend.post("/v1/customers/C0003/phone-change", {"new_phone": NOBODY[1], "code": "000000"})
        same_answer(a, b)
    assert a.status_code == 423
    assert [r["phone"] for r in backend.outbox()] == [NOBODY[1]]  # nothing went to LI_NA's phone
    customer = requests.get(f"{backend.url}/v1/customers/C0001", headers={SERVICE_KEY_HEADER: SERVICE_KEY}, timeout=10)
    assert customer.json()["phone"] == ZHANG_WEI


def test_twenty_concurrent_wrong_codes_never_pass_the_lock(backend):
    assert backend.send(ZHANG_WEI).status_code == 202
    [sms] = backend.outbox()
    right = sms["code"]
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    barrier = threading.Barrier(20)

    def guess(_: int) -> requests.Response:
        barrier.wait()
        return backend.check(ZHANG_WEI, wrong)

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(guess, range(20)))
    counted = sorted(a.json()["error"]["attempts_left"] for a in answers if a.status_code == 400)
    assert counted == [1, 2, 3, 4]  # four counted wrong answers, the fifth locked
    assert sorted(a.status_code for a in answers).count(423) == 16
    with sqlite3.connect(backend.state / "shop.db") as db:
        attempts, locked_until, consumed_at = db.execute(
            "select attempts, locked_until, consumed_at from verification_codes where phone = ?", (ZHANG_WEI,)
        ).fetchone()
    assert attempts == 5 and locked_until is not None and consumed_at is None
    refused = backend.check(ZHANG_WEI, right)
    assert refused.status_code == 423 and refused.json()["error"]["code"] == "code_locked"
    assert "customer_id" not in refused.text
