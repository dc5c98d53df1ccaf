"""Who may see and act on a ticket: every agent an unassigned active one (to claim it), its
agent their own, a supervisor all; another agent's ticket answers exactly as a missing id."""

from __future__ import annotations

from datetime import datetime

from .support import SERVICE, SHANGHAI, package

MISSING = 999_999


def _claimed_by_wang(env):
    env.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI))
    response = env.client.post("/api/handoffs", json=package("web-access", reason="complain"), headers=SERVICE)
    ticket = response.json()["ticket"]
    env.clock.set(datetime(2026, 12, 1, 9, 1, tzinfo=SHANGHAI))
    wang = env.login("wang")
    assert wang.post(f"/api/tickets/{ticket['id']}/claim").status_code == 200
    return wang, ticket


def _attempts(client, ticket_id):
    base = f"/api/tickets/{ticket_id}"
    return [
        client.get(base),
        client.post(f"{base}/claim"),
        client.post(f"{base}/answer", json={"text": "您好，我来处理"}),
        client.post(f"{base}/resolve"),
        client.post(f"{base}/close"),
        client.post(f"{base}/reopen"),
    ]


def test_another_agents_ticket_answers_like_a_missing_one(env):
    wang, ticket = _claimed_by_wang(env)
    env.recorder.reset()
    li = env.login("li")
    for theirs, missing in zip(_attempts(li, ticket["id"]), _attempts(li, MISSING), strict=True):
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json() == missing.json()
    assert env.recorder.for_sender("web-access") == []  # nothing reached the customer
    assert li.get("/api/tickets").json() == []
    detail = wang.get(f"/api/tickets/{ticket['id']}").json()
    assert detail["status"] == "assigned" and detail["messages"] == []
    assert [e["kind"] for e in detail["events"]] == ["created", "assigned"]


def test_an_unassigned_ticket_is_seen_but_answered_only_after_claiming(env):
    env.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI))
    ticket = env.client.post("/api/handoffs", json=package(reason="complain"), headers=SERVICE).json()["ticket"]
    env.clock.set(datetime(2026, 12, 1, 9, 1, tzinfo=SHANGHAI))
    li = env.login("li")
    assert li.get(f"/api/tickets/{ticket['id']}").status_code == 200
    refused = li.post(f"/api/tickets/{ticket['id']}/answer", json={"text": "您好"})
    assert refused.status_code == 403 and "认领" in refused.json()["error"]["message"]
    assert li.post(f"/api/tickets/{ticket['id']}/close").status_code == 403


def test_a_supervisor_assigns_and_acts_on_any_ticket(env):
    wang, ticket = _claimed_by_wang(env)
    zhou, li = env.login("zhou"), env.login("li")
    assert li.post(f"/api/tickets/{ticket['id']}/assign", json={"agent_id": li.id}).status_code == 403
    assert zhou.post(f"/api/tickets/{ticket['id']}/assign", json={"agent_id": MISSING}).status_code == 422
    moved = zhou.post(f"/api/tickets/{ticket['id']}/assign", json={"agent_id": li.id})
    assert moved.status_code == 200 and moved.json()["assigned_agent"]["id"] == li.id
    assert wang.get(f"/api/tickets/{ticket['id']}").status_code == 404
    assert li.post(f"/api/tickets/{ticket['id']}/answer", json={"text": "您好，我来跟进"}).status_code == 201
    assert zhou.post(f"/api/tickets/{ticket['id']}/resolve").json()["status"] == "resolved"
    events = zhou.get(f"/api/tickets/{ticket['id']}").json()["events"]
    assert [(e["kind"], e["agent_id"]) for e in events] == [
        ("created", None),
        ("assigned", wang.id),
        ("assigned", li.id),
        ("answered", li.id),
        ("resolved", zhou.id),
    ]


def test_ticket_endpoints_need_a_session(env):
    for url in ("/api/tickets", "/api/tickets/1", "/api/tickets/stats"):
        assert env.client.get(url).status_code == 401
    assert env.client.post("/api/tickets/1/claim").status_code == 401
    # the service key is not a session either
    assert env.client.post("/api/tickets/1/claim", headers=SERVICE).status_code == 401


def test_bad_answers_are_refused(env):
    wang, ticket = _claimed_by_wang(env)
    base = f"/api/tickets/{ticket['id']}/answer"
    assert wang.post(base, json={"text": ""}).status_code == 422
    assert wang.post(base, json={"text": " \n "}).status_code == 422
    assert wang.post(base, json={"text": "长" * 2001}).status_code == 422
    assert wang.post(base, json={}).status_code == 422
    assert wang.post("/api/tickets/abc/claim").status_code == 422
    assert wang.post(f"/api/tickets/{2**63}/claim").status_code == 422
