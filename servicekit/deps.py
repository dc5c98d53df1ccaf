"""FastAPI dependencies both services use: the service key.

No ``from __future__ import annotations`` here: FastAPI reads the annotations of the
dependency built inside ``service_key_dependency``, which name a local variable.
"""

import hmac
from typing import Annotated, Callable, Optional

from fastapi import Header, Request

from contract.http import SERVICE_KEY_HEADER

from .errors import ApiError


def service_key_dependency(setting: str) -> Callable[..., None]:
    """A dependency that refuses (401 ``unauthorized``) a request whose ``X-Service-Key`` is not
    ``app.state.settings.service_key``; ``setting`` names the variable in the OpenAPI text."""

    def require_service_key(
        request: Request,
        key: Annotated[
            Optional[str], Header(alias=SERVICE_KEY_HEADER, description=f"The shared service key (setting `{setting}`)")
        ] = None,
    ) -> None:
        expected = request.app.state.settings.service_key
        if not key or not hmac.compare_digest(key.encode(), expected.encode()):
            raise ApiError(401, "unauthorized", f"missing or wrong {SERVICE_KEY_HEADER}")

    return require_service_key
