"""An `"architecture": "auto"` job on the worker side (app.training.auto has the what and why):
a chord whose counter is the job table.

- The auto job's own message (`training.run` with its id) publishes its queued candidates'
  messages as one Celery group: every free worker takes one, so they train in parallel.
- A candidate is a training job (`workers.runner` trains, exports and stores it, and keeps its
  artifact unregistered); it starts only while the search's `budget_seconds` lasts, and the
  first one to start marks the auto job running. When it ends, however it ends, and no
  candidate is left queued or running, it publishes the selection (`training.select`).
- The selection, under a lock of the auto job's row, registers the best candidate by
  validation MASE as the job's one version, with the leaderboard, and deletes the others'
  artifacts; it fails the job with every candidate's error when none succeeded, and cancels it
  when it was cancelled.

Why not Celery's own chord: it needs a result backend (seqcast has none, and the embedded
default's filesystem broker offers none), and its counter would never complete once the
reconciler re-queues a candidate whose worker died (the new message is outside the chord).
Here every step is idempotent and keyed by row ids: a duplicate message, a re-queued candidate
or a second selection finds the rows as they are and does the rest or nothing; the reconciler
publishes the selection of an auto job that nobody did (app.training.reconciler).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Literal

from celery import Celery, group
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.artifacts import make_store
from app.config import Settings
from app.contract import (
    MANIFEST_FILENAME,
    ONNX_FILENAME,
    STEP_FILENAME,
    WEIGHTS_FILENAME,
    model_artifact_key,
)
from app.db import utcnow
from app.logs import job_context
from app.queue import TRAIN_TASK, enqueue_selection
from app.training import auto
from app.training.models import JobStatus, TrainingJob
from app.training.schemas import AutoSpec, JobSpec
from workers.db import worker_sessions
from workers.registration import register

log = logging.getLogger("seqcast.worker")

Role = Literal["job", "auto", "candidate"]


def role(job_id: str, settings: Settings) -> Role:
    """What a `training.run` message is for: a job (or a missing row: the runner logs it), an
    auto job, or one of its candidates."""
    with worker_sessions(settings)() as session:
        found = session.execute(
            select(TrainingJob.architecture, TrainingJob.parent_id).where(TrainingJob.id == job_id)
        ).first()
    if found is None:
        return "job"
    if found.architecture == auto.AUTO:
        return "auto"
    return "candidate" if found.parent_id is not None else "job"


def fan_out(job_id: str, settings: Settings, celery: Celery) -> None:
    """Publish the auto job's queued candidates as one group (again, after a redelivery: a
    duplicate message finds its candidate started or finished and does nothing); select at once
    when none is left to run (all cancelled before this message was taken)."""
    with job_context(job_id), worker_sessions(settings)() as session:
        parent = session.get(TrainingJob, job_id)
        if parent is None or parent.status.terminal:
            return
        queued = [c for c in _candidates(session, parent) if c.status == JobStatus.queued]
        if queued:
            group(
                celery.signature(TRAIN_TASK, args=[c.id], task_id=c.id, queue=settings.task_queue)
                for c in queued
            ).apply_async()
            log.info("auto job %s: published %d candidates", job_id, len(queued))
            return
    select_best(job_id, settings)


def run_candidate(
    job_id: str, settings: Settings, celery: Celery, run_job: Callable[[str, Settings], None]
) -> None:
    """Train one candidate (within the search's budget), then publish the selection when no
    candidate is left to run."""
    with job_context(job_id):
        parent_id, admitted = _admit(job_id, settings)
        if parent_id is None:
            return
        try:
            if admitted:
                run_job(job_id, settings)
        finally:
            if _none_left(parent_id, settings):
                enqueue_selection(celery, settings, parent_id)


def _admit(job_id: str, settings: Settings) -> tuple[str | None, bool]:
    """The candidate's auto job (marked running by its first candidate), and whether the
    candidate may start: not once the search's budget is spent (it is cancelled unstarted)."""
    with worker_sessions(settings)() as session:
        job = session.get(TrainingJob, job_id)
        if job is None or job.parent_id is None:
            return None, False
        parent_id = job.parent_id
        parent = session.get(TrainingJob, parent_id, with_for_update=True)
        if parent is None:
            return None, False
        now = utcnow()
        if parent.status == JobStatus.queued:
            parent.status = JobStatus.running
            parent.started_at = now
            parent.timings = {"queued": (now - parent.created_at).total_seconds()}
        search = _search(parent)
        budget = search.budget_seconds if search is not None else None
        started = parent.started_at or now
        if budget is not None and now - started > timedelta(seconds=budget):
            skipped = session.execute(
                update(TrainingJob)
                .where(
                    TrainingJob.id == job_id,
                    TrainingJob.status == JobStatus.queued,
                    TrainingJob.attempts == 0,  # a re-queued candidate resumes: it has started
                )
                .values(
                    status=JobStatus.cancelled,
                    finished_at=now,
                    error=f"not started: the search's budget_seconds ({budget:g}) was spent",
                )
                .execution_options(synchronize_session=False)
            )
            session.commit()
            if skipped.rowcount:  # type: ignore[attr-defined]
                log.info("candidate %s skipped: the search's budget is spent", job_id)
                return parent_id, False
            return parent_id, True
        session.commit()
        return parent_id, True


def _none_left(parent_id: str, settings: Settings) -> bool:
    """No candidate of the auto job is queued or running."""
    active = (JobStatus.queued, JobStatus.running)
    with worker_sessions(settings)() as session:
        left = session.scalar(
            select(TrainingJob.id)
            .where(TrainingJob.parent_id == parent_id, TrainingJob.status.in_(active))
            .limit(1)
        )
    return left is None


def select_best(job_id: str, settings: Settings) -> None:
    """The chord's callback: once no candidate is left to run, register the best one's stored
    artifact as the auto job's version (with the leaderboard), or fail the job with the
    candidates' errors, or cancel it when it was cancelled. Does nothing while a candidate runs
    or once the job has finished."""
    with job_context(job_id), worker_sessions(settings)() as session:
        parent = session.get(TrainingJob, job_id, with_for_update=True)
        if parent is None or parent.status.terminal:
            return
        search = _search(parent)
        rows = _by_id(session, parent)
        if search is None or any(not row.status.terminal for row in rows.values()):
            return
        try:
            chosen = _select(session, parent, search, rows)
        except OperationalError:
            raise  # the database is away: the reconciler publishes the selection again
        except Exception as exc:  # a selection that can never succeed must not be retried
            log.exception("auto job %s: the selection failed", job_id)
            session.rollback()
            session.refresh(parent)
            _end(session, parent, JobStatus.failed, f"selection: {type(exc).__name__}: {exc}")
            chosen = None
        log.info(
            "auto job %s %s%s",
            job_id,
            parent.status.value,
            f": registered candidate {chosen.id} ({chosen.architecture})" if chosen else "",
        )
        losers = [row for row in rows.values() if chosen is None or row.id != chosen.id]
        _delete_artifacts(settings, parent.model_name, losers)


def _select(
    session: Session, parent: TrainingJob, search: AutoSpec, rows: dict[str, TrainingJob]
) -> TrainingJob | None:
    """Register the best candidate, or end the auto job without one; the one registered."""
    ids = [c.job_id for c in search.candidates]
    outcomes = auto.outcomes(ids, rows)
    if parent.cancel_requested:
        _end(session, parent, JobStatus.cancelled, "cancelled with its candidates")
        return None
    best = auto.best(outcomes)
    if best is None:
        names = {
            c.job_id: auto.candidate_name(c.architecture, c.overrides) for c in search.candidates
        }
        errors = {row.id: row.error for row in rows.values()}
        _end(session, parent, JobStatus.failed, auto.failure(outcomes, errors, names))
        return None
    chosen = rows[best.id]
    if not _register_best(session, parent, search, rows, chosen):
        _end(session, parent, JobStatus.cancelled, "cancelled with its candidates")
        return None
    return chosen


def _register_best(
    session: Session,
    parent: TrainingJob,
    search: AutoSpec,
    rows: dict[str, TrainingJob],
    chosen: TrainingJob,
) -> bool:
    assert chosen.artifact is not None
    board = auto.leaderboard(search.candidates, rows, chosen.id)
    timings = {
        **parent.timings,
        "candidates": sum(row.timings.get("total", 0.0) for row in rows.values()),
    }
    return register(
        session,
        parent,
        {**chosen.artifact, "leaderboard": board},
        timings,
        device=chosen.device or "cpu",
        finished={
            "metrics": chosen.metrics,
            "history": chosen.history,
            "device": chosen.device,
            "epochs_done": sum(row.epochs_done for row in rows.values()),
            "error": None,
        },
    )


def _end(session: Session, parent: TrainingJob, status: JobStatus, error: str) -> None:
    parent.status = status
    parent.error = error
    parent.finished_at = utcnow()
    if parent.started_at is not None:
        total = (parent.finished_at - parent.started_at).total_seconds()
        parent.timings = {**parent.timings, "total": total}
    session.commit()


def _delete_artifacts(settings: Settings, model_name: str, rows: list[TrainingJob]) -> None:
    """The stored artifacts of candidates not registered (best effort: a file left behind is
    only space)."""
    store = make_store(settings)
    for row in rows:
        key = model_artifact_key(model_name, row.id)
        for name in (ONNX_FILENAME, STEP_FILENAME, MANIFEST_FILENAME, WEIGHTS_FILENAME):
            try:
                store.delete(f"{key}/{name}")
            except Exception:
                log.warning("could not delete %s/%s", key, name, exc_info=True)


def _search(parent: TrainingJob) -> AutoSpec | None:
    return JobSpec.model_validate(parent.spec).auto


def _candidates(session: Session, parent: TrainingJob) -> list[TrainingJob]:
    rows = _by_id(session, parent)
    search = _search(parent)
    return [rows[c.job_id] for c in (search.candidates if search else []) if c.job_id in rows]


def _by_id(session: Session, parent: TrainingJob) -> dict[str, TrainingJob]:
    rows = session.scalars(select(TrainingJob).where(TrainingJob.parent_id == parent.id))
    return {row.id: row for row in rows}
