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

from app.accuracy.service import live_mase_ratio
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
def fire_schedule(schedule_id: str, early: bool = False) -> None:
    fire(schedule_id, settings, celery, early=early)


def fire(
    schedule_id: str, settings: Settings, celery: Celery, *, early: bool = False
) -> str | None:
    """Start the schedule's refresh; its job id, or None when it started none. `early`: beat's
    `refresh_when` check, which starts one only when the alias version's live accuracy is over
    the threshold, once per alias version, and otherwise writes nothing."""
    with worker_sessions(settings)() as session:
        schedule = session.get(ModelSchedule, schedule_id, with_for_update=True)
        if schedule is None:
            log.info("schedule %s is gone; nothing to fire", schedule_id)
            return None
        trigger: dict = {"kind": "schedule", "schedule_id": schedule.id, "alias": schedule.alias}
        if early:
            reason = _early_reason(session, schedule)
            if reason is None:
                session.rollback()
                return None
            trigger["early"] = reason
        job_id, outcome = _start(session, schedule, settings, celery, trigger)
        if early:
            if job_id is None:  # the cron run's outcome stays what it says
                log.info("schedule %s early check: %s", schedule.id, outcome)
                session.rollback()
                return None
            holder = registry.alias_target(session, schedule.model, schedule.alias)
            schedule.early_version_id = holder.id if holder else None
        if job_id is not None:
            schedule.last_job_id = job_id
        schedule.last_outcome = outcome[:500]
        log.info("schedule %s of %s: %s", schedule.id, schedule.model.name, outcome)
        try:
            commit(session)  # then the refresh's task is published (app.jobs)
        except ServiceUnavailable as exc:  # the job row is gone again (app.jobs undoes it)
            schedule.last_outcome = f"skipped: {exc.message}"[:500]
            schedule.last_job_id = None
            if early:  # not started: the next check tries again
                schedule.early_version_id = None
            session.commit()
            log.warning("schedule %s: %s", schedule.id, exc.message)
            return None
        return job_id


def _early_reason(session: Session, schedule: ModelSchedule) -> dict | None:
    """{"mase_ratio", "above"} when the alias version's live MASE ratio is over the schedule's
    threshold and no early refresh was started for that version yet; else None."""
    threshold = (schedule.refresh_when or {}).get("mase_ratio_above")
    holder = registry.alias_target(session, schedule.model, schedule.alias)
    if threshold is None or holder is None or holder.id == schedule.early_version_id:
        return None
    ratio = live_mase_ratio(session, holder.id)
    if ratio is None or ratio <= threshold:
        return None
    return {"mase_ratio": ratio, "above": threshold, "version": holder.version}


def _start(
    session: Session,
    schedule: ModelSchedule,
    settings: Settings,
    celery: Celery,
    trigger: dict,
) -> tuple[str | None, str]:
    if schedule.last_job_id is not None:
        previous = session.get(TrainingJob, schedule.last_job_id)
        if previous is not None and not previous.status.terminal:
            return None, f"skipped: its refresh job {previous.id} is still {previous.status.value}"
    if registry.alias_target(session, schedule.model, schedule.alias) is None:
        return None, f"skipped: alias {schedule.alias!r} is not set, so there is nothing to refresh"
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
    if "early" in trigger:
        ratio = trigger["early"]["mase_ratio"]
        return job.id, f"started refresh job {job.id} early (live MASE ratio {ratio:.3f})"
    return job.id, f"started refresh job {job.id}"
