"""Every error answer is rendered here, by one function per protocol: seqcast's JSON
(`{"detail": ...}`, input errors as `[{loc, msg, type}]`) and the Open Inference Protocol's
`{"error": "..."}` (bad input is a 400 there). The HTTP edge calls them for the hot routes and
FastAPI's exception handlers call them for the rest, so both paths answer alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError

from app.errors import InvalidInput, SeqcastError, ServiceUnavailable

log = logging.getLogger("seqcast")

OIP_PREFIX = "/v2"
"""Open Inference Protocol routes answer errors as `{"error": "..."}`, bad input with 400."""

Headers = list[tuple[bytes, bytes]]
Rendered = tuple[int, bytes, Headers]
Renderer = Callable[[BaseException], Rendered | None]


def domain_error(exc: BaseException) -> SeqcastError | None:
    """The domain error an exception stands for; None for a bug (left to become a 500)."""
    if isinstance(exc, SeqcastError):
        return exc
    if isinstance(exc, OperationalError):  # a lost database connection is an outage, not a bug
        log.warning("database unavailable: %s", type(exc).__name__)
        return ServiceUnavailable("the database is unavailable; retry")
    return None


def _headers(error: SeqcastError) -> Headers:
    return [(b"content-type", b"application/json")] + [
        (k.lower().encode(), v.encode()) for k, v in (error.headers or {}).items()
    ]


def render_seqcast(exc: BaseException) -> Rendered | None:
    error = domain_error(exc)
    if error is None:
        return None
    return error.status_code, orjson.dumps(error.body()), _headers(error)


def render_oip(exc: BaseException) -> Rendered | None:
    error = domain_error(exc)
    if error is None:
        return None
    message = error.message
    if isinstance(error, InvalidInput):
        field = ".".join(str(p) for p in error.loc[1:])
        message = f"{field}: {message}" if field else message
    status = 400 if error.status_code == 422 else error.status_code
    return status, orjson.dumps({"error": message}), _headers(error)


def renderer_for(path: str) -> Renderer:
    return render_oip if path.startswith(OIP_PREFIX) else render_seqcast


def install_error_handlers(app: FastAPI) -> None:
    def respond(request: Request, exc: BaseException) -> Response:
        rendered = renderer_for(request.url.path)(exc)
        assert rendered is not None
        status, body, headers = rendered
        return Response(
            body, status_code=status, headers={k.decode(): v.decode() for k, v in headers}
        )

    async def handle(request: Request, exc: Exception) -> Response:
        return respond(request, exc)

    async def handle_validation(request: Request, exc: Exception) -> Response:
        """FastAPI's default echoes each bad `input` back: that can be megabytes, and a NaN in it
        cannot even be encoded as JSON (a 500 instead of a 422). Keep where and what only."""
        assert isinstance(exc, RequestValidationError)
        detail = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        if request.url.path.startswith(OIP_PREFIX):
            body = orjson.dumps({"error": "; ".join(d["msg"] for d in detail)})
            return Response(body, status_code=400, media_type="application/json")
        return Response(orjson.dumps({"detail": detail}), 422, media_type="application/json")

    app.add_exception_handler(SeqcastError, handle)
    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(OperationalError, handle)
