"""The handoff service's error codes; the envelope is servicekit's (``servicekit.errors``)."""

from __future__ import annotations

from servicekit.errors import ApiError


def not_found(what: str = "handoff") -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def wrong_state(state: str, wanted: str) -> ApiError:
    return ApiError(409, "wrong_state", f"the handoff is {state}, this needs {wanted}", state=state)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)
