"""WS /ws: pushes events to a logged-in console (cookie handoff_session)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from ..auth import COOKIE_NAME, find_session
from ..hub import Connection

router = APIRouter()


def _session_agent(app, token):
    """(agent id, role) of a live session, its last use recorded; None without one."""
    with app.state.sessionmaker() as db:
        session = find_session(db, token, app.state.clock.now())
        if session is None:
            return None
        db.commit()
        return session.agent_id, session.agent.role


@router.websocket("/ws")
async def console_socket(websocket: WebSocket) -> None:
    app = websocket.app
    token = websocket.cookies.get(COOKIE_NAME)
    found = await run_in_threadpool(_session_agent, app, token)
    if found is None:
        await websocket.close(code=4401)  # before accept: the handshake is refused
        return
    await websocket.accept()
    connection = Connection(websocket=websocket, agent_id=found[0], role=found[1])
    app.state.hub.add(connection)
    try:
        while True:
            # Anything the console sends (a ping) marks the agent as still online.
            await websocket.receive_text()
            if await run_in_threadpool(_session_agent, app, token) is None:
                await websocket.close(code=4401)
                return
    except WebSocketDisconnect:
        pass
    finally:
        app.state.hub.remove(connection)
