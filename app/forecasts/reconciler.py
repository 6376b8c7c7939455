"""The forecast jobs' part of the periodic reconciler pass (beside app.training.reconciler):
- a queued job whose message never reached the broker (the API died between the commit and the
  publish) is published; re-publishing is safe, the task leaves a finished job alone and skips
  the chunks already stored;
- a job still running past `job_deadline_seconds` (plus a minute) is failed with that reason: a
  worker that died mid-chunk leaves no one to finish it (there is no heartbeat per chunk)."""

from __future__ import annotations

from datetime import timedelta

from celery import Celery
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import utcnow
from app.forecasts.models import ForecastJob
from app.jobs import publish_stranded as publish_rows
from app.queue import enqueue_forecast
from app.training.models import JobStatus


def publish_stranded(sessions: sessionmaker[Session], celery: Celery, settings: Settings) -> int:
    now = utcnow()
    deadline = now - timedelta(seconds=settings.job_deadline_seconds + 60)
    with sessions() as session:
        published = publish_rows(session, ForecastJob, enqueue_forecast, celery, settings, now)
        overdue = select(ForecastJob).where(
            ForecastJob.status == JobStatus.running, ForecastJob.started_at < deadline
        )
        for job in session.scalars(overdue.with_for_update(skip_locked=True)):
            job.status = JobStatus.failed
            job.finished_at = now
            job.error = (
                f"exceeded its deadline of {settings.job_deadline_seconds} s "
                "(SEQCAST_JOB_DEADLINE_SECONDS) without finishing"
            )
        session.commit()
    return published
