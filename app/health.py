"""Liveness (/healthz: the process answers) and readiness (/readyz: its database and broker
answer)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.queue import broker_reachable

log = logging.getLogger("seqcast")

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Database and broker reachable",
    responses={503: {"description": "A dependency is down; the body says which."}},
)
async def readyz(request: Request) -> JSONResponse:
    state = request.app.state

    def check_database() -> str | None:
        try:
            with state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "not ready"
            return f"{type(exc).__name__}: {exc}"
        return None

    def public(reason: str | None, what: str) -> str:
        """The answer names the dependency, not the driver's message: that can carry host
        names, user names and file paths. The full reason goes to the log."""
        if reason is None:
            return "ok"
        log.warning("readyz: %s unavailable: %s", what, reason)
        return f"unavailable ({reason.split(':', 1)[0]})"

    checks = {
        "database": await run_in_threadpool(check_database),
        "broker": await run_in_threadpool(
            broker_reachable, state.celery, state.settings.broker_check_timeout
        ),
    }
    ready = all(v is None for v in checks.values())
    body = {
        "status": "ready" if ready else "unavailable",
        "checks": {k: public(v, k) for k, v in checks.items()},
    }
    return JSONResponse(body, status_code=200 if ready else 503)
