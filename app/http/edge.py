"""The HTTP edge: the hot routes (/predict, stream observe, OIP infer) answered at the ASGI
layer from one route table, ahead of FastAPI's routing, dependency injection and
Request/Response objects, which on a 2-core machine cost more than the model itself.

For each hot request, in this order: the key and its scope are checked from the headers (an
unauthenticated request costs no read of its body); the body is read under the route's cap
(Content-Length first, then counting, so a chunked body is refused as it streams); the body is
decoded by the route's pure `decode`, inline when small and in another process when large
(app.http.offload); the route's `serve` makes its one data-plane call and renders the reply.
Every error goes through the route's protocol renderer (app.http.errors).

Everything else passes through to FastAPI, after the same header checks (app.http.guard):
the key and the scope its route declares, and, with auth off, the local-only rules. FastAPI
reads a body before it runs a route's dependencies, so these checks cannot live there.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.service import Caller, KeyChecker
from app.auth.service import Scope as KeyScope
from app.http.body import ClientGone, header, read_body
from app.http.errors import Headers, Renderer, renderer_for
from app.http.guard import CHECKED, LocalOnly, RouteScopes
from app.http.offload import Decode, Offload, in_thread

JSON: Headers = [(b"content-type", b"application/json")]

Serve = Callable[[Any, Any, Caller], Awaitable[tuple[bytes, Headers]]]
"""(data plane, call, caller) -> reply body and its headers (content-type included); the caller
(from the key check) is who owns what the route reaches (streams, OIP sequences)."""


@dataclass(frozen=True)
class HotRoute:
    method: str
    pattern: re.Pattern[str]
    path: str
    """The documented FastAPI route's path template: the metrics label requests with it, as
    they would a routed request (the edge puts the HotRoute in the scope's "route")."""
    scope: KeyScope
    decode: Decode
    serve: Serve
    errors: Renderer


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: list[HotRoute],
        plane: Any,
        keys: KeyChecker,
        max_bytes: int,
        offload_bytes: int,
        offload: Offload = in_thread,
        scopes: RouteScopes | None = None,
        local: LocalOnly | None = None,
    ) -> None:
        self.app = app
        self.routes = routes
        self.plane = plane
        self.keys = keys
        self.max_bytes = max_bytes
        self.setting = "SEQCAST_MAX_INFERENCE_BODY_BYTES"
        """Named in the 413, so the caller knows which limit it hit."""
        self.offload_bytes = offload_bytes
        """Bodies larger than this are decoded by `offload`, off the event loop."""
        self.offload = offload
        self.scopes = scopes
        """The other routes' scopes (None: they check their own)."""
        self.local = local
        """The local-only rules, on an install with auth off (None: auth is on)."""

    def match(self, method: str, path: str) -> tuple[HotRoute, dict[str, str]] | None:
        for route in self.routes:
            if route.method == method:
                found = route.pattern.fullmatch(path)
                if found is not None:
                    return route, found.groupdict()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        matched = self.match(scope["method"], scope["path"])
        if matched is None:
            await self.pass_through(scope, receive, send)
            return
        route, params = matched
        scope["route"] = route
        try:
            if self.local is not None:
                self.local.check(scope)
            caller = await self.keys.authorize(header(scope, b"authorization"), route.scope)
            body = await read_body(scope, receive, self.max_bytes, self.setting)
            given = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            if len(body) > self.offload_bytes:
                call = await self.offload(route.decode, body, params, given)
            else:
                call = route.decode(body, params, given)
            payload, headers = await route.serve(self.plane, call, caller)
            status = 200
        except ClientGone:
            return
        except Exception as exc:
            rendered = route.errors(exc)
            if rendered is None:
                raise
            status, payload, headers = rendered
        await respond(send, status, payload, headers)

    async def pass_through(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A FastAPI route, once the headers pass: its key and scope, the local-only rules."""
        try:
            if self.local is not None:
                self.local.check(scope)
            needed = self.scopes.needed(scope) if self.scopes is not None else None
            if needed is not None:
                caller = await self.keys.authorize(header(scope, b"authorization"), needed)
                scope.setdefault("state", {})[CHECKED] = (needed, caller)
        except Exception as exc:
            rendered = renderer_for(scope["path"])(exc)
            if rendered is None:
                raise
            await respond(send, *rendered)
            return
        await self.app(scope, receive, send)


async def respond(send: Send, status: int, payload: bytes, headers: Headers) -> None:
    headers = [*headers, (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
