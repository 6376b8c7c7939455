"""Domain errors, and their one mapping to HTTP.

Services raise these; routers never build error responses by hand. Input errors use the same
shape FastAPI uses for validation errors (`detail: [{loc, msg, type}]`): one format for clients.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError


class SeqcastError(Exception):
    status_code = 500
    headers: ClassVar[dict[str, str] | None] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"detail": self.message}


class NotFound(SeqcastError):
    status_code = 404


class Conflict(SeqcastError):
    status_code = 409


class ServiceUnavailable(SeqcastError):
    status_code = 503
    headers: ClassVar[dict[str, str] | None] = {"Retry-After": "5"}


class InvalidInput(SeqcastError):
    """A request that parsed but cannot be served; `field` names the offending body field."""

    status_code = 422

    def __init__(self, field: str | tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = ("body", *((field,) if isinstance(field, str) else field))

    def body(self) -> dict:
        field = ".".join(str(p) for p in self.loc[1:])
        msg = f"{field}: {self.message}" if field else self.message
        return {"detail": [{"loc": list(self.loc), "msg": msg, "type": "value_error"}]}


log = logging.getLogger("seqcast")

OIP_PREFIX = "/v2"
"""Open Inference Protocol routes answer errors as `{"error": "..."}`, bad input with 400."""


def _oip(request: Request, status: int, message: str, headers: dict | None) -> JSONResponse:
    return JSONResponse(
        {"error": message}, status_code=400 if status == 422 else status, headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SeqcastError)
        if request.url.path.startswith(OIP_PREFIX):
            return _oip(request, exc.status_code, exc.message, exc.headers)
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    async def handle_validation(request: Request, exc: Exception) -> JSONResponse:
        """FastAPI's default echoes each bad `input` back: that can be megabytes, and a NaN in it
        cannot even be encoded as JSON (a 500 instead of a 422). Keep where and what only."""
        assert isinstance(exc, RequestValidationError)
        detail = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        if request.url.path.startswith(OIP_PREFIX):
            return _oip(request, 422, "; ".join(d["msg"] for d in detail), None)
        return JSONResponse({"detail": detail}, status_code=422)

    async def handle_database_down(request: Request, exc: Exception) -> JSONResponse:
        """A lost database connection is an outage, not a bug: 503 and a retry hint."""
        log.warning("database unavailable on %s: %s", request.url.path, type(exc).__name__)
        return await handle(request, ServiceUnavailable("the database is unavailable; retry"))

    app.add_exception_handler(SeqcastError, handle)
    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(OperationalError, handle_database_down)
