"""Route guards for the FastAPI routes: every route declares the scope it needs with
`require(Scope.x)`; the hot routes are checked the same way by the HTTP edge (app.http.edge).

Declared through FastAPI's HTTPBearer, so the OpenAPI document carries the security scheme and
generated clients send the key. The key is never logged: errors name the problem, not the key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.service import Caller, Scope
from app.http.guard import CHECKED, SCOPE_ATTRIBUTE

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key with the route's scope: `Authorization: Bearer sk_...` "
    "(create one with `seqcast keys create NAME --scope read --scope predict`).",
)


def require(scope: Scope) -> Any:
    """A dependency that checks the key for `scope` and gives its Caller (who owns what the
    route creates). One guard per scope, so a route that names it both in `dependencies=` (its
    router's) and as a parameter (`TrainCaller`) is checked once: FastAPI caches a dependency per
    request by its function."""
    return Depends(_guard(scope))


@cache
def _guard(scope: Scope) -> Callable[..., Awaitable[Caller]]:
    async def guard(
        request: Request, _: HTTPAuthorizationCredentials | None = Security(bearer)
    ) -> Caller:
        checked = request.scope.get("state", {}).get(CHECKED)
        if checked is not None and checked[0] == scope:  # the HTTP edge checked it already
            return checked[1]
        keys = request.app.state.keys
        return await keys.authorize(request.headers.get("authorization", ""), scope)

    guard.__name__ = f"require_{scope.value}"
    setattr(guard, SCOPE_ATTRIBUTE, scope)  # the HTTP edge checks it before the body is read
    return guard


TrainCaller = Annotated[Caller, require(Scope.train)]
"""A route parameter: the key, checked for the train scope (it owns what the route creates)."""
PredictCaller = Annotated[Caller, require(Scope.predict)]

OVER_QUOTA: dict[int | str, dict[str, Any]] = {
    429: {"description": "Over a per-key quota (the message names it); retry after Retry-After."}
}
"""The `responses=` entry of a route that creates something a key's quota counts."""
