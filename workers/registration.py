"""What becomes of a job's exported and stored artifact: registered as the next version of its
model at once (a job), or kept on its row for the auto job's selection to register later (a
candidate: workers.auto). Either way the job's row is finished in the same commit, so a version
never exists for an unfinished job, and a redelivered job never registers twice (the version's
job_id is unique). Torch-free: the selection runs it without training anything.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.registry import service as registry
from app.training.auto import summary
from app.training.models import JobStatus, TrainingJob

log = logging.getLogger("seqcast.worker")

REGISTER_ATTEMPTS = 10


def register(
    session: Session,
    job: TrainingJob,
    version_fields: dict[str, Any],
    timings: dict[str, float],
    *,
    device: str,
    finished: dict[str, Any] | None = None,
) -> bool:
    """Register `version_fields` as the next version of `job`'s model, produced by `job`, and mark
    the job succeeded (with the `finished` columns too) in one commit. False, with nothing
    written, when a cancel was requested meanwhile.

    Two workers registering at once collide on the version number: the loser rolls back and
    takes the next one."""
    for _ in range(REGISTER_ATTEMPTS):
        session.refresh(job)
        if job.cancel_requested:
            return False
        try:
            if registry.version_of_job(session, job.id) is None:  # a redelivered job: keep one
                registry.register_version(
                    session,
                    model_name=job.model_name,
                    device=device,
                    job_id=job.id,
                    **version_fields,
                )
            for column, value in (finished or {}).items():
                setattr(job, column, value)
            _succeed(job, timings)
            session.commit()
            return True
        except IntegrityError:  # another worker took this version number: take the next
            session.rollback()
    raise RuntimeError(f"could not allocate a version number for model {job.model_name!r}")


def keep_candidate(
    session: Session, job: TrainingJob, version_fields: dict[str, Any], timings: dict[str, float]
) -> bool:
    """An auto candidate's stored artifact: its validation metrics and the fields registering it
    would write go on its row, which succeeds; the selection registers the best candidate's.
    False, with nothing written, when a cancel was requested meanwhile."""
    session.refresh(job)
    if job.cancel_requested:
        return False
    job.metrics = summary(version_fields["metrics"])
    job.artifact = version_fields
    _succeed(job, timings)
    session.commit()
    return True


def _succeed(job: TrainingJob, timings: dict[str, float]) -> None:
    job.status = JobStatus.succeeded
    job.finished_at = utcnow()
    assert job.started_at is not None
    job.timings = {**timings, "total": (job.finished_at - job.started_at).total_seconds()}
