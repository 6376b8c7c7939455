"""Typed dependencies for the objects create_app() builds once and keeps on app.state."""

from __future__ import annotations

from typing import Annotated

from celery import Celery
from fastapi import Depends, Request

from app.artifacts import LocalArtifactStore
from app.config import Settings
from app.inference.serving.sessions import SessionCache


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> LocalArtifactStore:
    return request.app.state.store


def _celery(request: Request) -> Celery:
    return request.app.state.celery


def _sessions(request: Request) -> SessionCache:
    return request.app.state.sessions


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[LocalArtifactStore, Depends(_store)]
CeleryDep = Annotated[Celery, Depends(_celery)]
SessionCacheDep = Annotated[SessionCache, Depends(_sessions)]
