"""Typed dependencies for the objects create_app() builds once and keeps on app.state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from celery import Celery
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.artifacts import ArtifactStore
from app.config import Settings
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
    """One session per request: commit if the route returned normally, roll back otherwise.

    Services only flush, so whatever they do in one request lands in one transaction.
    """
    with request.app.state.sessionmaker() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""Commits before the response is sent, so a 2xx means the write is durable."""
