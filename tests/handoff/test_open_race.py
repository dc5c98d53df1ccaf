"""Two handoff requests for one conversation at the same moment: one handoff, both answers name it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from handoff import service

from .support import SERVICE, package


def test_two_opens_at_the_same_moment_make_one_handoff(env, monkeypatch):
    # both requests pass the "already open?" check before either inserts: the database decides
    barrier = threading.Barrier(2, timeout=20)
    first_calls: set[int] = set()
    real = service.active_handoff

    def racing(db, sender_id):
        found = real(db, sender_id)
        if threading.get_ident() not in first_calls:
            first_calls.add(threading.get_ident())
            barrier.wait()
        return found

    monkeypatch.setattr(service, "active_handoff", racing)
    body = package(sender_id="web-twice")
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: env.client.post("/api/handoffs", json=body, headers=SERVICE), range(2)))
    assert sorted(a.status_code for a in answers) == [200, 201]
    ids = {a.json()["id"] for a in answers}
    assert len(ids) == 1
    assert all(a.json()["state"] == "QUEUED" and a.json()["queue_position"] == 1 for a in answers)
    queue = env.login("wang").get("/api/queue").json()
    assert [q["id"] for q in queue] == list(ids)
