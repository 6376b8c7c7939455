"""Refresh schedules: one per model, put, read and deleted by the API; timed by Celery beat
(workers.beat) and fired in the worker (workers.schedules). Services flush; the request commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.registry import service as registry
from app.schedules.models import ModelSchedule
from app.schedules.schemas import ScheduleRead, ScheduleUpdate
from app.schedules.timing import celery_schedule, next_run


def check_timing(body: ScheduleUpdate, settings: Settings) -> None:
    """Exactly one of cron and interval_seconds; a cron that parses; an interval not under the
    configured minimum."""
    if body.cron is None and body.interval_seconds is None:
        raise InvalidInput("cron", "give a cron (e.g. '0 3 * * *') or interval_seconds")
    if body.cron is not None and body.interval_seconds is not None:
        raise InvalidInput("interval_seconds", "give either cron or interval_seconds, not both")
    if body.interval_seconds is not None:
        least = settings.schedule_min_interval_seconds
        if body.interval_seconds < least:
            raise InvalidInput(
                "interval_seconds",
                f"{body.interval_seconds} is under the minimum of {least} "
                "(SEQCAST_SCHEDULE_MIN_INTERVAL_SECONDS)",
            )
    celery_schedule(body.cron, body.interval_seconds)  # a bad cron: 422 on `cron`


def put(
    session: Session, settings: Settings, name: str, body: ScheduleUpdate, *, owner: int | None
) -> ModelSchedule:
    """Create or replace the model's schedule. A changed timing counts from now; an unchanged
    one keeps its last run, so re-putting the same schedule neither fires it nor delays it."""
    check_timing(body, settings)
    registry.check_alias_name(body.alias)
    model = registry.get_model(session, name)
    schedule = session.scalar(select(ModelSchedule).where(ModelSchedule.model_id == model.id))
    if schedule is None:
        schedule = ModelSchedule(model_id=model.id, last_run_at=utcnow())
        session.add(schedule)
    elif (schedule.cron, schedule.interval_seconds) != (body.cron, body.interval_seconds):
        schedule.last_run_at = utcnow()
    schedule.cron = body.cron
    schedule.interval_seconds = body.interval_seconds
    schedule.promote = body.promote
    schedule.alias = body.alias
    schedule.refresh_when = body.refresh_when.model_dump() if body.refresh_when else None
    schedule.owner_key_id = owner
    schedule.updated_at = utcnow()  # also when nothing else changed: the put is news
    session.flush()
    return schedule


def get(session: Session, name: str) -> ModelSchedule:
    model = registry.get_model(session, name)
    schedule = session.scalar(select(ModelSchedule).where(ModelSchedule.model_id == model.id))
    if schedule is None:
        raise NotFound(f"model {name!r} has no schedule")
    return schedule


def delete(session: Session, name: str) -> None:
    session.delete(get(session, name))
    session.flush()


def to_read(schedule: ModelSchedule) -> ScheduleRead:
    timing = celery_schedule(schedule.cron, schedule.interval_seconds)
    return ScheduleRead(
        model=schedule.model.name,
        cron=schedule.cron,
        interval_seconds=schedule.interval_seconds,
        promote=schedule.promote,  # type: ignore[arg-type]
        alias=schedule.alias,
        refresh_when=schedule.refresh_when,  # type: ignore[arg-type]
        next_run_at=next_run(timing, schedule.last_run_at),
        last_fired_at=schedule.last_run_at if schedule.total_run_count else None,
        runs=schedule.total_run_count,
        last_job_id=schedule.last_job_id,
        last_outcome=schedule.last_outcome,
        created_at=schedule.created_at,
        updated_at=schedule.updated_at,
    )
