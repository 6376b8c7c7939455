"""The task beat sends when a schedule is due: start the refresh it describes, as
`POST /models/{name}/refresh` would (app.training.refresh.submit_refresh), marked as the
schedule's in the job's `trigger`. Torch-free and quick: the refresh trains in its own task.

A fire starts nothing while the schedule's previous refresh is still queued or running (a slow
refresh under a frequent schedule must not pile up jobs), nor when the alias is unset; either
way the schedule's `last_outcome` says why. The schedule's row is locked while a fire decides,
so two deliveries of one fire start one job.
"""

from __future__ import annotations

import logging

from celery import Celery
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import commit
from app.errors import SeqcastError, ServiceUnavailable
from app.models import ModelSchedule, TrainingJob
from app.registry import service as registry
from app.schedules import FIRE_TASK
from app.training.refresh import submit_refresh
from workers.celery_app import celery, settings
from workers.db import worker_sessions

log = logging.getLogger("seqcast.worker")


@celery.task(name=FIRE_TASK)
def fire_schedule(schedule_id: str) -> None:
    fire(schedule_id, settings, celery)


def fire(schedule_id: str, settings: Settings, celery: Celery) -> str | None:
    """Start the schedule's refresh; its job id, or None when it started none."""
    with worker_sessions(settings)() as session:
        schedule = session.get(ModelSchedule, schedule_id, with_for_update=True)
        if schedule is None:
            log.info("schedule %s is gone; nothing to fire", schedule_id)
            return None
        job_id, outcome = _start(session, schedule, settings, celery)
        if job_id is not None:
            schedule.last_job_id = job_id
        schedule.last_outcome = outcome[:500]
        log.info("schedule %s of %s: %s", schedule.id, schedule.model.name, outcome)
        try:
            commit(session)  # then the refresh's task is published (app.jobs)
        except ServiceUnavailable as exc:  # the job row is gone again (app.jobs undoes it)
            schedule.last_outcome = f"skipped: {exc.message}"[:500]
            schedule.last_job_id = None
            session.commit()
            log.warning("schedule %s: %s", schedule.id, exc.message)
            return None
        return job_id


def _start(
    session: Session, schedule: ModelSchedule, settings: Settings, celery: Celery
) -> tuple[str | None, str]:
    if schedule.last_job_id is not None:
        previous = session.get(TrainingJob, schedule.last_job_id)
        if previous is not None and not previous.status.terminal:
            return None, f"skipped: its refresh job {previous.id} is still {previous.status.value}"
    if registry.alias_target(session, schedule.model, schedule.alias) is None:
        return None, f"skipped: alias {schedule.alias!r} is not set, so there is nothing to refresh"
    trigger = {"kind": "schedule", "schedule_id": schedule.id, "alias": schedule.alias}
    try:
        with session.begin_nested():  # a refused refresh leaves the schedule's lock and row
            job = submit_refresh(
                session,
                settings,
                model_name=schedule.model.name,
                alias=schedule.alias,
                promote=schedule.promote,
                trigger=trigger,
                owner=schedule.owner_key_id,
                celery=celery,
            )
    except SeqcastError as exc:  # over the owner's quota, a version it cannot refresh, ...
        return None, f"skipped: {exc.message}"
    return job.id, f"started refresh job {job.id}"
