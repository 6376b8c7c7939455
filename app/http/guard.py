"""What the HTTP edge checks from the headers alone, before any route reads a body: the scope
each FastAPI route needs (so an unauthenticated request costs no parse, on every route), and,
on a local install with auth off, that the request comes from this machine's own user rather
than from a web page the user happens to visit (DNS rebinding, cross-site forms)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from app.auth.service import Scope as KeyScope
from app.errors import Forbidden, UnsupportedMediaType
from app.http.body import header

SCOPE_ATTRIBUTE = "seqcast_scope"
"""Set by app.auth.deps.require on its guard: how the edge learns a route's scope."""

CHECKED = "seqcast.checked"
"""Where the edge leaves (scope, Caller) in the ASGI scope's state once it has checked a key,
so the route's own guard for that scope does not check it again."""


class RouteScopes:
    """Route → the key scope it needs, read from each route's `require(...)` dependency.

    Built on first use from the live router (routes are added after the middleware), so the
    table cannot drift from the routes' own declarations."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self._routes = routes
        self._scopes: dict[int, KeyScope | None] = {}

    def needed(self, scope: Scope) -> KeyScope | None:
        """The scope the request's route needs; None for a public route, a 404 or a 405 (they
        are answered without reading a body)."""
        for route in self._routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                key = id(route)
                if key not in self._scopes:
                    self._scopes[key] = _declared_scope(getattr(route, "dependant", None))
                return self._scopes[key]
        return None


def _declared_scope(dependant: Any) -> KeyScope | None:
    if dependant is None:
        return None
    found = getattr(dependant.call, SCOPE_ATTRIBUTE, None)
    if found is not None:
        return found
    for child in dependant.dependencies:
        found = _declared_scope(child)
        if found is not None:
            return found
    return None


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CROSS_SITE_TYPES = ("text/plain", "application/x-www-form-urlencoded")
"""The body types a foreign page can send without a CORS preflight, other than multipart
(which the Origin check covers): a state-changing request may not use them. An untyped body is
let through: browsers send an Origin with any cross-site POST, and Triton's own client posts
its JSON untyped."""


class LocalOnly:
    """With auth off, only this machine's user may drive the API: the Host must be a loopback
    name (or one of `allowed_hosts`), an Origin, when a browser sends one, must be that same
    host, and a state-changing request must not carry a body type a cross-site form can send."""

    def __init__(self, allowed_hosts: frozenset[str] = frozenset()) -> None:
        self.allowed = LOOPBACK_NAMES | {h.lower() for h in allowed_hosts}

    def check(self, scope: Scope) -> None:
        host = header(scope, b"host")
        name = _hostname(host)
        if name not in self.allowed:
            raise Forbidden(
                f"Host {host!r} is not a loopback name: with auth off this API answers only "
                "requests to localhost (set SEQCAST_ALLOWED_HOSTS to add names, or turn auth on)"
            )
        origin = header(scope, b"origin")
        if origin and (origin == "null" or urlsplit(origin).netloc.lower() != host.lower()):
            raise Forbidden(
                f"cross-origin request from {origin!r} refused: with auth off only pages served "
                "by this API may call it"
            )
        if scope["method"] in STATE_CHANGING:
            content_type = header(scope, b"content-type").split(";")[0].strip().lower()
            if content_type in CROSS_SITE_TYPES:
                raise UnsupportedMediaType(
                    f"content-type {content_type!r} is refused on {scope['method']}: send "
                    "application/json (or multipart/form-data for file uploads)"
                )


def _hostname(host: str) -> str:
    """`name[:port]` or `[v6]:port` → the lower-case name."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
