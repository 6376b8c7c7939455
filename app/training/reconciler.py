"""The reconciler: what the broker cannot know, the job table does.

One pass, run periodically by every API process (concurrent passes skip each other's rows):
- a queued job whose message never reached the broker (the API died between commit and
  publish, or the publish failed after the commit) is published;
- a running job whose heartbeat is older than `Settings.heartbeat_timeout` (3 heartbeat
  intervals by default: the worker writes one every few seconds from a thread of the task, see
  workers.heartbeat) is queued and published again, once. Its whole worker died, so no worker
  is left to reject its message and Redis would wait for its visibility timeout (hours); the
  next worker resumes it from its last epoch checkpoint;
- a job running past `job_deadline_seconds` (plus a minute of grace for the worker's own time
  limit) is failed with that reason;
- an auto job whose candidates have all finished, the last one more than PUBLISH_GRACE ago, and
  that is still not finished gets its selection published: the last candidate publishes it, but
  one failed here for its deadline, or cancelled while queued, or whose worker died in between,
  does not. An auto job itself neither beats nor expires: its candidates do (they are training
  jobs, re-queued and expired as any other).
Re-publishing is safe: the task is idempotent and ignores a job that is finished or alive.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import Celery
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from app.config import Settings
from app.db import utcnow
from app.jobs import PUBLISH_GRACE, publish_stranded
from app.queue import enqueue_selection, enqueue_training
from app.training.auto import AUTO
from app.training.models import JobStatus, TrainingJob

log = logging.getLogger("seqcast.reconciler")


def reconcile(sessions: sessionmaker[Session], celery: Celery, settings: Settings) -> dict:
    now = utcnow()
    done = {"published": 0, "requeued": 0, "expired": 0, "selections": 0}
    with sessions() as session:
        done["published"] = publish_stranded(
            session, TrainingJob, enqueue_training, celery, settings, now
        )

        deadline = now - timedelta(seconds=settings.job_deadline_seconds + 60)
        silent_since = now - timedelta(seconds=settings.heartbeat_timeout)
        running = select(TrainingJob).where(
            TrainingJob.status == JobStatus.running, TrainingJob.architecture != AUTO
        )
        for job in session.scalars(running.with_for_update(skip_locked=True)):
            if job.started_at is not None and job.started_at < deadline:
                job.status = JobStatus.failed
                job.finished_at = now
                job.error = (
                    f"exceeded its deadline of {settings.job_deadline_seconds} s "
                    "(SEQCAST_JOB_DEADLINE_SECONDS) without finishing"
                )
                done["expired"] += 1
            elif job.heartbeat_at is not None and job.heartbeat_at < silent_since:
                enqueue_training(celery, settings, job.id)
                # Back to queued: the new message may wait behind others for longer than the
                # heartbeat timeout, and a queued job is not re-published again meanwhile. The
                # dead worker's heartbeat thread, were it alive after all, beats only for a
                # running row of its own, so it cannot bring this one back.
                job.status = JobStatus.queued
                job.heartbeat_at = None
                job.published_at = now
                done["requeued"] += 1
                log.warning(
                    "job %s went silent on %s; re-queued it",
                    job.id,
                    job.worker,
                    extra={"job_id": job.id},
                )
        session.commit()
        for job_id in _auto_jobs_to_select(session, now):
            enqueue_selection(celery, settings, job_id)
            done["selections"] += 1
            log.warning(
                "auto job %s has no candidate left running; published its selection",
                job_id,
                extra={"job_id": job_id},
            )
    return done


def _auto_jobs_to_select(session: Session, now: datetime) -> list[str]:
    """Unfinished auto jobs whose candidates all finished before PUBLISH_GRACE ago."""
    candidate = aliased(TrainingJob)
    active = (JobStatus.queued, JobStatus.running)
    busy = exists().where(
        candidate.parent_id == TrainingJob.id,
        or_(candidate.status.in_(active), candidate.finished_at >= now - PUBLISH_GRACE),
    )
    query = select(TrainingJob.id).where(
        TrainingJob.architecture == AUTO,
        TrainingJob.status.in_(active),
        TrainingJob.created_at < now - PUBLISH_GRACE,
        ~busy,
    )
    return list(session.scalars(query))
