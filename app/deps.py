"""Typed dependencies for the objects create_app() builds once and keeps on app.state."""

from __future__ import annotations

from typing import Annotated

from celery import Celery
from fastapi import Depends, Request

from app.artifacts import ArtifactStore
from app.config import Settings
from app.inference.dataplane import DataPlane


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
