"""Route guards: every route declares the scope it needs with `require(Scope.x)`.

Declared through FastAPI's HTTPBearer, so the OpenAPI document carries the security scheme and
generated clients send the key. The key is never logged: errors name the problem, not the key.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.service import Scope, allows
from app.errors import SeqcastError

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key with the route's scope: `Authorization: Bearer sk_...` "
    "(create one with `seqcast keys create NAME --scope read --scope predict`).",
)


class Unauthorized(SeqcastError):
    status_code = 401
    headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": "Bearer"}


class Forbidden(SeqcastError):
    status_code = 403


async def authorize(request: Request, needed: Scope) -> None:
    await authorize_header(request.app.state, request.headers.get("authorization", ""), needed)


async def authorize_header(state: Any, authorization: str, needed: Scope) -> None:
    """The check itself, on the raw header: also used by the ASGI /predict path."""
    if not state.settings.auth:
        return
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("an API key is required: send `Authorization: Bearer <key>`")
    key = key.strip()
    hit, scopes = state.keys.cached(key)
    if not hit:
        scopes = await run_in_threadpool(state.keys.check, key)
    if scopes is None:
        raise Unauthorized("the API key is not valid (unknown or revoked)")
    if not allows(scopes, needed):
        raise Forbidden(f"this API key lacks the {needed.value!r} scope this route needs")


def require(scope: Scope) -> Any:
    async def guard(
        request: Request, _: HTTPAuthorizationCredentials | None = Security(bearer)
    ) -> None:
        await authorize(request, scope)

    guard.__name__ = f"require_{scope.value}"
    return Depends(guard)
