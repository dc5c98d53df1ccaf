"""Login, logout, who am I."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Optional

from fastapi import APIRouter, Cookie, Response

from servicekit.errors import ApiError

from .. import auth
from ..deps import AgentDep, CtxDep
from ..schemas import AgentOut, LoggedOut, LoginIn
from ..views import agent_view

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", response_model=AgentOut, summary="Log in; sets the handoff_session cookie")
def login(body: LoginIn, ctx: CtxDep, response: Response):
    agent = auth.authenticate(ctx.db, body.username, body.password)
    if agent is None:
        raise ApiError(401, "unauthorized", "wrong username or password")
    ttl = timedelta(hours=ctx.settings.session_ttl_hours)
    token = auth.open_session(ctx.db, agent, ctx.clock.now(), ttl)
    ctx.db.commit()
    response.set_cookie(
        auth.COOKIE_NAME,
        token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=ctx.settings.cookie_secure,
        path="/",
    )
    return agent_view(agent)


@router.post("/logout", response_model=LoggedOut, summary="End the session")
def logout(
    _agent: AgentDep,
    ctx: CtxDep,
    response: Response,
    handoff_session: Annotated[Optional[str], Cookie(alias=auth.COOKIE_NAME)] = None,
) -> LoggedOut:
    auth.close_session(ctx.db, handoff_session)
    ctx.db.commit()
    response.delete_cookie(auth.COOKIE_NAME, path="/", httponly=True, samesite="lax")
    return LoggedOut()


@router.get("/me", response_model=AgentOut, summary="The logged-in agent")
def me(agent: AgentDep):
    return agent_view(agent)
