"""Login, logout, who am I."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Optional

from fastapi import APIRouter, Cookie, Request, Response

from servicekit.errors import ApiError, error_responses

from .. import auth, limits
from ..deps import AgentDep, CtxDep
from ..models import Agent
from ..schemas import AgentOut, LoggedOut, LoginIn
from ..views import agent_view

router = APIRouter(prefix="/api/auth", tags=["auth"])


def set_session_cookie(response: Response, token: str, max_age: int, secure: bool) -> None:
    response.set_cookie(
        auth.COOKIE_NAME, token, max_age=max_age, httponly=True, samesite="strict", secure=secure, path="/"
    )


@router.post(
    "/login",
    response_model=AgentOut,
    summary="Log in; sets the handoff_session cookie",
    responses=error_responses((401, "unauthorized"), (429, "rate_limited")),
)
async def login(body: LoginIn, request: Request, response: Response):
    """401 for an unknown username and a wrong password alike; 429 ``rate_limited`` (with
    ``retry_after`` seconds and a Chinese ``message`` for the person) while the username or
    the client address is locked after too many failures, or while too many logins wait."""
    state = request.app.state
    settings, gate = state.settings, state.login_gate
    address = request.client.host if request.client else None

    def look_up() -> tuple[Optional[int], str]:
        with state.sessionmaker() as db:
            limits.login_locked(db, settings, body.username, address, state.clock.now())
            agent = auth.find_agent(db, body.username)
            usable = agent is not None and agent.active
            return (agent.id if usable and agent else None), auth.stored_hash(agent)

    def finish(agent_id: Optional[int], ok: bool) -> Optional[tuple[str, dict]]:
        with state.sessionmaker() as db:
            now = state.clock.now()
            agent = db.get(Agent, agent_id) if ok and agent_id is not None else None
            if agent is None:
                limits.record_login_failure(db, settings, body.username, address, now)
                return None
            limits.clear_login_failures(db, body.username)
            token = auth.open_session(db, agent, now, timedelta(hours=settings.session_ttl_hours))
            db.commit()
            return token, agent_view(agent)

    async with gate.slot():
        agent_id, stored = await gate.db(look_up)
        ok = await gate.hash(auth.verify_password, body.password, stored)
        done = await gate.db(finish, agent_id, ok)
    if done is None:
        raise ApiError(401, "unauthorized", "wrong username or password")
    token, view = done
    set_session_cookie(response, token, settings.session_ttl_hours * 3600, settings.cookie_secure)
    return view


@router.post("/logout", response_model=LoggedOut, summary="End the session")
def logout(
    _agent: AgentDep,
    ctx: CtxDep,
    response: Response,
    handoff_session: Annotated[Optional[str], Cookie(alias=auth.COOKIE_NAME)] = None,
) -> LoggedOut:
    auth.close_session(ctx.db, handoff_session)
    ctx.db.commit()
    response.delete_cookie(
        auth.COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=ctx.settings.cookie_secure
    )
    return LoggedOut()


@router.get("/me", response_model=AgentOut, summary="The logged-in agent")
def me(agent: AgentDep):
    return agent_view(agent)
