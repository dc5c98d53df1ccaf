"""Login, logout, who am I."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Optional

from fastapi import APIRouter, Cookie
from fastapi.responses import JSONResponse

from servicekit.errors import ApiError

from .. import auth
from ..deps import AgentDep, CtxDep
from ..schemas import LoginIn
from ..views import agent_view

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", summary="Log in; sets the handoff_session cookie")
def login(body: LoginIn, ctx: CtxDep) -> JSONResponse:
    agent = auth.authenticate(ctx.db, body.username, body.password)
    if agent is None:
        raise ApiError(401, "unauthorized", "wrong username or password")
    ttl = timedelta(hours=ctx.settings.session_ttl_hours)
    token = auth.open_session(ctx.db, agent, ctx.clock.now(), ttl)
    ctx.db.commit()
    response = JSONResponse(agent_view(agent))
    response.set_cookie(
        auth.COOKIE_NAME,
        token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=ctx.settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/logout", summary="End the session")
def logout(
    _agent: AgentDep, ctx: CtxDep, handoff_session: Annotated[Optional[str], Cookie(alias=auth.COOKIE_NAME)] = None
) -> JSONResponse:
    auth.close_session(ctx.db, handoff_session)
    ctx.db.commit()
    response = JSONResponse({"status": "logged_out"})
    response.delete_cookie(auth.COOKIE_NAME, path="/", httponly=True, samesite="lax")
    return response


@router.get("/me", summary="The logged-in agent")
def me(agent: AgentDep) -> dict:
    return agent_view(agent)
