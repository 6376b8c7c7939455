"""Publish backtests whose message never reached the broker (the API died between the commit and
the publish). Run by the same periodic pass as app.training.reconciler; re-publishing is safe,
the task leaves a finished backtest alone."""

from __future__ import annotations

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from app.backtests.models import Backtest
from app.config import Settings
from app.db import utcnow
from app.jobs import publish_stranded as publish_rows
from app.queue import enqueue_backtest


def publish_stranded(sessions: sessionmaker[Session], celery: Celery, settings: Settings) -> int:
    with sessions() as session:
        published = publish_rows(session, Backtest, enqueue_backtest, celery, settings, utcnow())
        session.commit()
    return published
