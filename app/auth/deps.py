"""Route guards for the FastAPI routes: every route declares the scope it needs with
`require(Scope.x)`; the hot routes are checked the same way by the HTTP edge (app.http.edge).

Declared through FastAPI's HTTPBearer, so the OpenAPI document carries the security scheme and
generated clients send the key. The key is never logged: errors name the problem, not the key.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.service import Scope

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key with the route's scope: `Authorization: Bearer sk_...` "
    "(create one with `seqcast keys create NAME --scope read --scope predict`).",
)


def require(scope: Scope) -> Any:
    async def guard(
        request: Request, _: HTTPAuthorizationCredentials | None = Security(bearer)
    ) -> None:
        await request.app.state.keys.authorize(request.headers.get("authorization", ""), scope)

    guard.__name__ = f"require_{scope.value}"
    return Depends(guard)
