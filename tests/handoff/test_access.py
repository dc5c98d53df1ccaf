"""Who may see and act on a handoff: an agent the queue and their own, a supervisor all;
anything else answers exactly what a missing id answers (no existence oracle)."""

from __future__ import annotations

from datetime import datetime

from .support import SERVICE, SHANGHAI, package

MISSING = 999_999


def _held_by_wang(env):
    wang = env.login("wang")
    opened = env.open()
    assert wang.post(f"/api/handoffs/{opened['id']}/accept").status_code == 200
    return wang, opened


def _attempts(client, handoff_id):
    """Every route that reads or changes a handoff, its messages or its ticket."""
    base = f"/api/handoffs/{handoff_id}"
    return [
        client.get(base),
        client.post(f"{base}/accept"),
        client.post(f"{base}/messages", json={"text": "您好，我是人工客服"}),
        client.post(f"{base}/notes", json={"text": "看看"}),
        client.post(f"{base}/transfer", json={"agent_id": client.id}),
        client.post(f"{base}/return"),
        client.post(f"{base}/close", json={"disposition": "spam"}),
    ]


def test_another_agents_handoff_answers_like_a_missing_one(env):
    wang, opened = _held_by_wang(env)
    before = wang.get(f"/api/handoffs/{opened['id']}").json()
    sent_before = len(env.recorder.for_sender(opened_sender(before)))
    li = env.login("li")
    for theirs, missing in zip(_attempts(li, opened["id"]), _attempts(li, MISSING), strict=True):
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json() == missing.json()
    after = wang.get(f"/api/handoffs/{opened['id']}").json()
    assert after["state"] == "AGENT" and after["assigned_agent_id"] == wang.id
    assert after["messages"] == before["messages"] and after["notes"] == []
    assert len(env.recorder.for_sender(opened_sender(before))) == sent_before  # nothing reached the customer
    assert opened["id"] not in [h["id"] for h in li.get("/api/handoffs").json()]


def opened_sender(detail):
    return detail["sender_id"]


def test_a_queued_handoff_is_every_agents_to_accept(env):
    opened = env.open()
    li = env.login("li")
    assert li.get(f"/api/handoffs/{opened['id']}").status_code == 200
    assert li.post(f"/api/handoffs/{opened['id']}/accept").status_code == 200


def test_a_returned_handoff_stays_with_its_agent_and_the_supervisor(env):
    wang, opened = _held_by_wang(env)
    assert wang.post(f"/api/handoffs/{opened['id']}/return").status_code == 200
    assert wang.get(f"/api/handoffs/{opened['id']}").status_code == 200
    assert env.login("li").get(f"/api/handoffs/{opened['id']}").status_code == 404
    assert env.login("zhou").get(f"/api/handoffs/{opened['id']}").status_code == 200


def test_a_tickets_handoff_is_read_through_the_ticket(env):
    """An unassigned ticket is every agent's to claim (GET /api/tickets); its handoff is not a
    conversation of theirs (tests/handoff/test_ticket_access.py: who sees a ticket)."""
    env.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI))
    response = env.client.post("/api/handoffs", json=package(), headers=SERVICE)
    ticket_handoff = response.json()["id"]
    wang, zhou = env.login("wang"), env.login("zhou")
    assert wang.get(f"/api/handoffs/{ticket_handoff}").json() == wang.get(f"/api/handoffs/{MISSING}").json()
    assert [t["handoff_id"] for t in wang.get("/api/tickets").json()] == [ticket_handoff]
    assert zhou.get(f"/api/handoffs/{ticket_handoff}").status_code == 200
    assert [t["handoff_id"] for t in zhou.get("/api/tickets").json()] == [ticket_handoff]
