"""Publish backtests whose message never reached the broker (the API died between the commit and
the publish). Run by the same periodic pass as app.training.reconciler; re-publishing is safe,
the task leaves a finished backtest alone."""

from __future__ import annotations

import logging

from celery import Celery
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.backtests.models import Backtest
from app.config import Settings
from app.db import utcnow
from app.queue import enqueue_backtest
from app.training.models import JobStatus
from app.training.reconciler import PUBLISH_GRACE

log = logging.getLogger("seqcast.reconciler")


def publish_stranded(sessions: sessionmaker[Session], celery: Celery, settings: Settings) -> int:
    now = utcnow()
    with sessions() as session:
        stranded = (
            select(Backtest)
            .where(
                Backtest.status == JobStatus.queued,
                Backtest.published_at.is_(None),
                Backtest.created_at < now - PUBLISH_GRACE,
            )
            .with_for_update(skip_locked=True)
        )
        published = 0
        for backtest in session.scalars(stranded):
            enqueue_backtest(celery, settings, backtest.id)
            backtest.published_at = now
            published += 1
            log.warning("backtest %s was never published; published it now", backtest.id)
        session.commit()
    return published
