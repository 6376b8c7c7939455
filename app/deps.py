"""Typed dependencies for the objects create_app() builds once and keeps on app.state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from celery import Celery
from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from app.artifacts import ArtifactStore
from app.config import Settings
from app.db import commit
from app.serving.dataplane import DataPlane


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> ArtifactStore:
    return request.app.state.store


def _celery(request: Request) -> Celery:
    return request.app.state.celery


def _dataplane(request: Request) -> DataPlane:
    return request.app.state.dataplane


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[ArtifactStore, Depends(_store)]
CeleryDep = Annotated[Celery, Depends(_celery)]
DataPlaneDep = Annotated[DataPlane, Depends(_dataplane)]


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: one commit if the route returned normally, then the actions
    queued with app.db.after_commit (a task's publication among them); a rollback otherwise.

    Services only flush, so whatever they do in one request lands in one transaction.
    """
    with request.app.state.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        commit(session)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""Commits (and publishes) before the response is sent, so a 2xx means the write is durable and
its task is queued; an action's error (the broker's 503) replaces the response."""


def idempotency_key_header(what: str) -> Any:
    """The optional `Idempotency-Key` header of a route that queues a `what`."""
    return Header(
        max_length=200,
        description=f"Retrying with the same key returns the {what} of the first request.",
    )
