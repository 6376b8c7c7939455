"""POST /predict answered at the ASGI layer, ahead of FastAPI's routing, dependency injection and
Request/Response objects: on a 2-core machine those cost more than the model itself. The work
is the same as the documented FastAPI route (app.inference.router.predict) — the same auth
check, body cap, parser, data plane and error bodies — only the framework is skipped.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.deps import authorize_header
from app.auth.service import Scope as KeyScope
from app.errors import SeqcastError, ServiceUnavailable
from app.inference.fastpath import serve_predict
from app.inference.router import router as inference_router
from app.limits import too_large

PATH = "/predict"
JSON = (b"content-type", b"application/json")


class _TooLarge(Exception):
    pass


class PredictShortcut:
    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.state = api.state
        self.max_bytes: int = api.state.settings.max_body_bytes
        # The documented route: metrics label requests by its template, as routing would.
        self.route = next(r for r in inference_router.routes if getattr(r, "path", None) == PATH)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        headers: list[tuple[bytes, bytes]] = [JSON]
        try:
            authorization = _header(scope, b"authorization")
            await authorize_header(self.state, authorization, KeyScope.predict)
            payload = await serve_predict(self.state.dataplane, await self._body(scope, receive))
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

    async def _body(self, scope: Scope, receive: Receive) -> bytes:
        length = _header(scope, b"content-length")
        if length.isdigit() and int(length) > self.max_bytes:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message: dict[str, Any] = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""
