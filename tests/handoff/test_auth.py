"""Passwords, sessions, and who may see and do what."""

from __future__ import annotations

import re

import pytest

from handoff.auth import COOKIE_NAME, hash_password, verify_password

from .support import PASSWORD, SERVICE

OPEN_PATHS = {"/health", "/api/auth/login", "/", "/console"}


def test_scrypt_hashes_are_salted_and_checked():
    first, second = hash_password("secret-1"), hash_password("secret-1")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("secret-1", first) and verify_password("secret-1", second)
    assert not verify_password("secret-2", first)
    assert not verify_password("secret-1", "garbage")


def test_no_endpoint_answers_without_a_session(env):
    """Every route but the open ones: 401 without the cookie (service-key routes: without the key)."""
    checked = 0
    for route_path, operations in env.client.get("/openapi.json").json()["paths"].items():
        if route_path in OPEN_PATHS:
            continue
        path = re.sub(r"\{[^}]+\}", "1", route_path)
        for method in operations:
            response = env.client.request(method.upper(), path, json={})
            assert response.status_code == 401, (method, path, response.status_code)
            checked += 1
    assert checked >= 18


def test_open_paths(env):
    assert env.client.get("/health").status_code == 200
    redirect = env.client.get("/", follow_redirects=False)
    assert redirect.status_code in (302, 307) and redirect.headers["location"] == "/console/"
    assert env.client.get("/console", follow_redirects=False).headers["location"] == "/console/"
    assert env.client.get("/console/").status_code in (200, 404)  # the console's files may not be there


def test_websocket_refused_without_a_session(env):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect):
        with env.client.websocket_connect("/ws") as ws:
            ws.receive_json()


def test_login_sets_a_safe_cookie_and_logout_ends_it(env):
    response = env.client.post("/api/auth/login", json={"username": "wang", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json() == {"id": response.json()["id"], "username": "wang", "display_name": "小王", "role": "agent"}
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert env.client.get("/api/auth/me").json()["username"] == "wang"
    assert env.client.post("/api/auth/logout").status_code == 200
    env.client.cookies.clear()
    token = response.cookies[COOKIE_NAME]
    assert env.client.get("/api/auth/me", headers={"Cookie": f"{COOKIE_NAME}={token}"}).status_code == 401


@pytest.mark.parametrize("username,password", [("wang", "wrong"), ("nobody", PASSWORD)])
def test_wrong_credentials(env, username, password):
    response = env.client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 401 and COOKIE_NAME not in response.cookies


def test_session_expires(env):
    wang = env.login("wang")
    env.clock.advance(hours=env.settings.session_ttl_hours, seconds=1)
    assert wang.get("/api/auth/me").status_code == 401


def test_an_agent_cannot_see_another_agents_conversation(env):
    wang, li, zhou = env.login("wang"), env.login("li"), env.login("zhou")
    mine = env.open()
    assert wang.post(f"/api/handoffs/{mine['id']}/accept").status_code == 200
    for call in (
        lambda: li.get(f"/api/handoffs/{mine['id']}"),
        lambda: li.post(f"/api/handoffs/{mine['id']}/messages", json={"text": "您好"}),
        lambda: li.post(f"/api/handoffs/{mine['id']}/notes", json={"text": "备注"}),
        lambda: li.post(f"/api/handoffs/{mine['id']}/return"),
        lambda: li.post(f"/api/handoffs/{mine['id']}/close", json={"disposition": "resolved"}),
        lambda: li.post(f"/api/handoffs/{mine['id']}/transfer", json={"agent_id": li.id}),
    ):
        assert call().status_code == 404
    assert [h["id"] for h in li.get("/api/handoffs").json()] == []
    assert [h["id"] for h in wang.get("/api/handoffs").json()] == [mine["id"]]
    assert zhou.get(f"/api/handoffs/{mine['id']}").status_code == 200
    assert [h["id"] for h in zhou.get("/api/handoffs?state=AGENT").json()] == [mine["id"]]
    assert li.get("/api/handoffs?state=WRONG").status_code == 422


def test_agents_list_shows_load_to_supervisors_only(env):
    wang, zhou = env.login("wang"), env.login("zhou")
    handoff = env.open()
    wang.post(f"/api/handoffs/{handoff['id']}/accept")
    for_agent = {a["username"]: a for a in wang.get("/api/agents").json()}
    assert "active_conversations" not in for_agent["wang"]
    assert for_agent["wang"]["online"] is True and for_agent["li"]["online"] is False
    for_supervisor = {a["username"]: a for a in zhou.get("/api/agents").json()}
    assert for_supervisor["wang"]["active_conversations"] == 1
    assert for_supervisor["li"]["active_conversations"] == 0
    env.clock.advance(minutes=env.settings.online_minutes + 1)
    assert {a["username"]: a["online"] for a in zhou.get("/api/agents").json()}["wang"] is False


def test_canned_replies(env):
    wang = env.login("wang")
    replies = wang.get("/api/canned-replies").json()
    assert len(replies) >= 5 and all(r["title"] and r["text"] for r in replies)
    assert env.client.get("/api/canned-replies").status_code == 401


def test_service_key_does_not_open_agent_endpoints(env):
    assert env.client.get("/api/queue", headers=SERVICE).status_code == 401
