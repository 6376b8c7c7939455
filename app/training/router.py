from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy.exc import IntegrityError

from app.auth.deps import require
from app.auth.service import Scope
from app.db import SessionDep, utcnow
from app.deps import CeleryDep, SettingsDep, StoreDep
from app.errors import ServiceUnavailable
from app.names import MAX_OFFSET, NAME_PATTERN, RecordId
from app.queue import enqueue_training
from app.training import service
from app.training.models import JobStatus
from app.training.schemas import JobRead, TrainRequest

router = APIRouter()


@router.post(
    "/train",
    status_code=202,
    response_model=JobRead,
    operation_id="train",
    dependencies=[require(Scope.train)],
    tags=["training"],
    summary="Queue a training job",
    responses={503: {"description": "The broker is unreachable; nothing was queued."}},
)
def train(
    body: TrainRequest,
    response: Response,
    session: SessionDep,
    store: StoreDep,
    celery: CeleryDep,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200,
            description="Retrying with the same key returns the job of the first request.",
        ),
    ] = None,
) -> JobRead:
    if idempotency_key and (earlier := service.by_idempotency_key(session, idempotency_key)):
        response.headers["Location"] = f"/jobs/{earlier.id}"
        return service.to_read(session, earlier)
    job = service.create_job(session, store, settings, body, idempotency_key=idempotency_key)
    try:
        session.commit()  # the task must find its row: publish only after the commit
    except IntegrityError:  # the same Idempotency-Key, raced by a concurrent retry
        session.rollback()
        earlier = service.by_idempotency_key(session, idempotency_key or "")
        if earlier is None:
            raise
        response.headers["Location"] = f"/jobs/{earlier.id}"
        return service.to_read(session, earlier)
    try:
        enqueue_training(celery, settings, job.id)
    except Exception as exc:
        service.discard(session, job, with_dataset=body.data is not None)
        session.commit()
        raise ServiceUnavailable(
            f"the task broker is unreachable ({type(exc).__name__}); nothing was queued or "
            "stored, retry later"
        ) from exc
    job.published_at = utcnow()
    session.commit()
    response.headers["Location"] = f"/jobs/{job.id}"
    return service.to_read(session, job)


@router.get(
    "/jobs",
    response_model=list[JobRead],
    operation_id="list_jobs",
    dependencies=[require(Scope.read)],
    tags=["jobs"],
)
def list_jobs(
    session: SessionDep,
    status: JobStatus | None = None,
    model_name: Annotated[str | None, Query(pattern=NAME_PATTERN)] = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[JobRead]:
    jobs = service.get_all(
        session, status=status, model_name=model_name, limit=limit, offset=offset
    )
    return [service.to_read(session, j) for j in jobs]


@router.get(
    "/jobs/{job_id}",
    response_model=JobRead,
    operation_id="get_job",
    dependencies=[require(Scope.read)],
    tags=["jobs"],
)
def get_job(job_id: RecordId, session: SessionDep) -> JobRead:
    return service.to_read(session, service.get(session, job_id))


@router.post(
    "/jobs/{job_id}/cancel",
    status_code=202,
    response_model=JobRead,
    operation_id="cancel_job",
    dependencies=[require(Scope.train)],
    tags=["jobs"],
    summary="Cancel a queued job, or stop a running one after its current epoch",
)
def cancel_job(job_id: RecordId, session: SessionDep) -> JobRead:
    return service.to_read(session, service.cancel(session, job_id))
