"""FastAPI dependencies: the request context, the service key, the logged-in agent."""

from __future__ import annotations

from typing import Annotated, Iterator, Optional

from fastapi import Cookie, Depends, Path, Request

from servicekit.deps import service_key_dependency
from servicekit.errors import ApiError

from .auth import COOKIE_NAME, find_session
from .errors import forbidden
from .models import Agent
from .service import Ctx


def get_ctx(request: Request) -> Iterator[Ctx]:
    state = request.app.state
    with state.sessionmaker() as db:
        yield Ctx(
            db=db,
            settings=state.settings,
            clock=state.clock,
            rasa=state.rasa,
            hub=state.hub,
            wake=state.reconciler.wake_threadsafe,
        )


CtxDep = Annotated[Ctx, Depends(get_ctx)]

# Ids in paths: a number past the database's integer range is refused by validation
# (422) instead of overflowing in the driver (a 500).
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


require_service_key = service_key_dependency("HANDOFF_SERVICE_KEY")


def current_agent(
    ctx: CtxDep,
    handoff_session: Annotated[Optional[str], Cookie(alias=COOKIE_NAME)] = None,
) -> Agent:
    session = find_session(ctx.db, handoff_session, ctx.clock.now())
    if session is None:
        raise ApiError(401, "unauthorized", "log in first")
    ctx.db.commit()  # keeps last_seen_at: it tells who is online
    return session.agent


AgentDep = Annotated[Agent, Depends(current_agent)]


def current_supervisor(agent: AgentDep) -> Agent:
    if agent.role != "supervisor":
        raise forbidden("supervisors only")
    return agent


SupervisorDep = Annotated[Agent, Depends(current_supervisor)]
