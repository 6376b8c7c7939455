"""Publish forecast jobs whose message never reached the broker (the API died between the commit
and the publish). Run by the same periodic pass as app.training.reconciler; re-publishing is
safe, the task leaves a finished job alone and skips the chunks already stored."""

from __future__ import annotations

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import utcnow
from app.forecasts.models import ForecastJob
from app.jobs import publish_stranded as publish_rows
from app.queue import enqueue_forecast


def publish_stranded(sessions: sessionmaker[Session], celery: Celery, settings: Settings) -> int:
    with sessions() as session:
        published = publish_rows(session, ForecastJob, enqueue_forecast, celery, settings, utcnow())
        session.commit()
    return published
