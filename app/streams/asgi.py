"""POST /streams/{id}/observe answered at the ASGI layer, as /predict is (app.inference.asgi):
the observe is the streams' hot path, and FastAPI's routing, dependency injection and pydantic's
per-element validation cost more than a step of the model. The work is that of the documented
route (app.streams.router.observe_stream): the same key check, body cap, service and reply; the
body is parsed by orjson and checked with numpy (app.streams.service.to_rows), and errors keep
the API's 422 shape, naming the field.
"""

from __future__ import annotations

import re

import orjson
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.deps import authorize_header
from app.auth.service import Scope as KeyScope
from app.errors import InvalidInput, SeqcastError, ServiceUnavailable
from app.inference.asgi import JSON, PredictShortcut, _header, _TooLarge
from app.inference.fastpath import parse_json
from app.limits import too_large
from app.streams.router import router as streams_router
from app.streams.router import with_forecast
from app.streams.service import STREAM_ID_PATTERN, StreamService

PATH = re.compile(r"/streams/([^/]+)/observe")
TEMPLATE = "/streams/{stream_id}/observe"


class ObserveShortcut(PredictShortcut):
    """PredictShortcut's body reading and error mapping, for the observe route."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        super().__init__(app, api)
        self.route = next(r for r in streams_router.routes if getattr(r, "path", "") == TEMPLATE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = None
        if scope["type"] == "http" and scope["method"] == "POST":
            match = PATH.fullmatch(scope["path"])
        if match is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        headers: list[tuple[bytes, bytes]] = [JSON]
        try:
            authorization = _header(scope, b"authorization")
            await authorize_header(self.state, authorization, KeyScope.predict)
            body = await self._body(scope, receive)
            payload = await serve_observe(self.state.streams, match.group(1), body)
            status = 200
        except _TooLarge:
            status, payload = 413, too_large(self.max_bytes)
        except OperationalError:
            error = ServiceUnavailable("the database is unavailable; retry")
            status, payload = error.status_code, orjson.dumps(error.body())
            headers += [(k.lower().encode(), v.encode()) for k, v in (error.headers or {}).items()]
        except SeqcastError as exc:
            status, payload = exc.status_code, orjson.dumps(exc.body())
            headers += [(k.lower().encode(), v.encode()) for k, v in (exc.headers or {}).items()]
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


async def serve_observe(streams: StreamService, stream_id: str, body: bytes) -> bytes:
    """The whole observe after authentication: bytes in, JSON bytes out (or a domain error)."""
    if not re.fullmatch(STREAM_ID_PATTERN, stream_id):
        error = InvalidInput("stream_id", "not a stream id (letters, digits, '.', '_', ':', '-')")
        error.loc = ("path", "stream_id")
        raise error
    doc = parse_json(body)
    if not isinstance(doc, dict):
        raise InvalidInput((), "the body must be a JSON object")
    for name in doc.keys() - {"values"}:
        raise InvalidInput(name, "unknown field; expected values")
    values = doc.get("values")
    if not isinstance(values, list):
        raise InvalidInput("values", "required: an array of observations, [rows][n_features]")
    observed = await streams.observe(stream_id, values)
    return orjson.dumps(with_forecast(streams, observed), option=orjson.OPT_SERIALIZE_NUMPY)
