from __future__ import annotations

from fastapi import APIRouter

from ..schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="Liveness")
def health() -> Health:
    """Answers `{"status": "ok"}` while the process serves. Needs no session."""
    return Health()
