"""Queueing a job row and its task exactly once, for every route that starts worker jobs
(`POST /train`, `POST /backtest`): an Idempotency-Key returns the first request's row, the task
is published only after the request's one commit (by the app.db.after_commit hook), and a broker
that is down leaves nothing behind. No web framework here: the routes set their own headers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from celery import Celery
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth import service as auth
from app.backtests.models import Backtest
from app.config import Settings
from app.db import after_commit, utcnow
from app.errors import ServiceUnavailable, TooManyRequests
from app.forecasts.models import ForecastJob
from app.queue import enqueue
from app.training.auto import AUTO
from app.training.models import JobStatus, TrainingJob

log = logging.getLogger("seqcast.reconciler")

PUBLISH_GRACE = timedelta(seconds=10)
"""A fresh row is being published by its own request right now; the reconciler leaves it alone
that long."""

BROKER_DOWN: dict[int | str, dict[str, Any]] = {
    503: {"description": "The broker is unreachable; nothing was queued."}
}
"""The `responses=` entry of a route that publishes a task."""


class QueuedRow(Protocol):
    """A job-like row: its id is the task id; `published_at` tells the reconciler it was sent."""

    id: str
    published_at: datetime | None
    idempotency_key: str | None


Row = TypeVar("Row", bound=QueuedRow)


def check_quota(session: Session, settings: Settings, owner: int | None) -> None:
    """Refuse a new job (429) while the key has `max_jobs_per_key` queued or running, training,
    backtests and forecasts together; call it in the transaction that adds the job. An auto job
    counts as its candidates (each trains; the job itself only selects), so one request can take
    the key at most one search (≤ MAX_AUTO_CANDIDATES) past its limit, not its limit times that."""
    auth.lock(session, owner)
    active = (JobStatus.queued, JobStatus.running)
    count = sum(
        session.scalar(
            select(func.count())
            .select_from(model)
            .where(auth.owned_by(model.owner_key_id, owner), model.status.in_(active), *top)
        )
        or 0
        for model, top in ((TrainingJob, [TrainingJob.architecture != AUTO]), (Backtest, []))
    )
    count += (
        session.scalar(
            select(func.count())
            .select_from(ForecastJob)
            .where(auth.owned_by(ForecastJob.owner_key_id, owner), ForecastJob.status.in_(active))
        )
        or 0
    )
    limit = settings.max_jobs_per_key
    if count >= limit:
        raise TooManyRequests(
            f"this API key already has {count} jobs (training, backtests and forecasts) queued "
            f"or running, its limit (SEQCAST_MAX_JOBS_PER_KEY={limit}); retry when one has "
            "finished, or cancel one",
            settings.quota_retry_after_seconds,
        )


def publish_after_commit(
    session: Session,
    celery: Celery,
    settings: Settings,
    *,
    task: str,
    row: QueuedRow,
    undo: Callable[[], None],
) -> None:
    """Publish `task` with `row`'s id once the transaction that adds the row has committed (the
    worker must find its row), then record `published_at` for the reconciler.

    When the broker cannot take the message, `undo` (which flushes) removes what the request
    wrote, the removal is committed, and the request answers 503 with Retry-After: nothing is
    left behind. Should the process die between the request's commit and the publication, the
    row stays queued and unpublished, and `publish_stranded` publishes it after PUBLISH_GRACE.
    """

    def publish() -> None:
        try:
            enqueue(celery, settings, task, row.id)
        except Exception as exc:
            undo()
            session.commit()
            raise ServiceUnavailable(
                f"the task broker is unreachable ({type(exc).__name__}); nothing was queued or "
                "stored, retry later"
            ) from exc
        row.published_at = utcnow()
        session.commit()

    after_commit(session, publish)


def submit_once(
    session: Session,
    celery: Celery,
    settings: Settings,
    *,
    task: str,
    idempotency_key: str | None,
    owner: int | None,
    model: type[Row],
    create: Callable[[], Row],
    discard: Callable[[Row], None] | None = None,
) -> Row:
    """The row for this request: the first request's `model` row when `idempotency_key` was
    seen, else a new one (via `create`, which flushes) that must fit the `owner` key's job quota,
    with `task` published after the request's commit and `discard` undoing it if that fails
    (default: the row is deleted).

    A retry with the same key gets the first row back, also when it raced the first request: on
    PostgreSQL its INSERT waits (as its quota check waits on the key's row lock) for the first
    one's commit and then violates the unique key at the flush in `create`. Then this request is
    a replay: its transaction is rolled back (the routes write nothing before this call) and the
    first row is read in a fresh one.
    """

    def find(key: str) -> Row | None:
        return session.scalar(select(model).where(model.idempotency_key == key))

    def delete(row: Row) -> None:
        session.delete(row)
        session.flush()

    if idempotency_key and (earlier := find(idempotency_key)):
        return earlier
    try:
        check_quota(session, settings, owner)
        row = create()
    except IntegrityError:  # the same Idempotency-Key, raced by a concurrent retry
        session.rollback()
        earlier = find(idempotency_key or "")
        if earlier is None:
            raise
        return earlier
    undo = discard or delete
    publish_after_commit(session, celery, settings, task=task, row=row, undo=lambda: undo(row))
    return row


def publish_stranded(
    session: Session,
    model: Any,
    enqueue_row: Callable[[Celery, Settings, str], None],
    celery: Celery,
    settings: Settings,
    now: datetime,
) -> int:
    """Publish `model`'s queued rows whose message never reached the broker (the API died between
    the commit and the publish); concurrent passes skip each other's rows. The caller commits."""
    stranded = (
        select(model)
        .where(
            model.status == JobStatus.queued,
            model.published_at.is_(None),
            model.created_at < now - PUBLISH_GRACE,
        )
        .with_for_update(skip_locked=True)
    )
    published = 0
    for row in session.scalars(stranded):
        enqueue_row(celery, settings, row.id)
        row.published_at = now
        published += 1
        log.warning(
            "%s %s was never published; published it now",
            model.__tablename__.removesuffix("s").replace("_", " "),
            row.id,
            extra={"job_id": row.id},
        )
    return published
