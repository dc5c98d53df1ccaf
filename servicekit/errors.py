"""The error envelope of both services: ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """An error of the contract; ``extra`` fields go into the error object (``attempts_left``)."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status)


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer. Extra fields may follow, e.g. ``attempts_left`` with ``code_invalid``."""

    error: ErrorDetail


def error_responses(*specs: tuple[int, str]) -> dict:
    """OpenAPI ``responses=`` for the given (status, code) pairs, grouped by status."""
    grouped: dict[int, list[str]] = {}
    for status, code in specs:
        grouped.setdefault(status, []).append(code)
    return {
        status: {"model": ErrorBody, "description": "Error codes: " + ", ".join(f"`{c}`" for c in codes)}
        for status, codes in grouped.items()
    }


HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}


def install_handlers(app: FastAPI, log: logging.Logger) -> None:
    """Every error of ``app`` answers the envelope; unexpected ones are logged on ``log``."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Field locations and messages only: never echo the input (a phone number, personal data).
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return ApiError(422, "validation_error", "; ".join(parts) or "invalid request").response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return ApiError(exc.status_code, code, str(exc.detail)).response()

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error: %s", type(exc).__name__)
        return ApiError(500, "internal_error", "internal server error").response()
