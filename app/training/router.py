from __future__ import annotations

from fastapi import APIRouter, Query, Response

from app.db import SessionDep
from app.deps import CeleryDep, SettingsDep, StoreDep
from app.errors import ServiceUnavailable
from app.queue import enqueue_training
from app.training import service
from app.training.models import JobStatus
from app.training.schemas import JobRead, TrainRequest

router = APIRouter(tags=["training"])


@router.post(
    "/train",
    status_code=202,
    response_model=JobRead,
    operation_id="train",
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
) -> JobRead:
    job = service.create_job(session, store, body)
    session.commit()  # the task must find its row: publish only after the commit
    try:
        enqueue_training(celery, settings, job.id)
    except Exception as exc:
        service.fail(session, job, f"could not reach the broker: {exc}")
        session.commit()
        raise ServiceUnavailable(
            f"the task broker is unreachable; job {job.id} was not queued"
        ) from exc
    response.headers["Location"] = f"/jobs/{job.id}"
    return service.to_read(session, job)


@router.get("/jobs", response_model=list[JobRead], operation_id="list_jobs", tags=["jobs"])
def list_jobs(
    session: SessionDep,
    status: JobStatus | None = None,
    model_name: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> list[JobRead]:
    jobs = service.get_all(
        session, status=status, model_name=model_name, limit=limit, offset=offset
    )
    return [service.to_read(session, j) for j in jobs]


@router.get("/jobs/{job_id}", response_model=JobRead, operation_id="get_job", tags=["jobs"])
def get_job(job_id: str, session: SessionDep) -> JobRead:
    return service.to_read(session, service.get(session, job_id))


@router.post(
    "/jobs/{job_id}/cancel",
    status_code=202,
    response_model=JobRead,
    operation_id="cancel_job",
    tags=["jobs"],
    summary="Cancel a queued job, or stop a running one after its current epoch",
)
def cancel_job(job_id: str, session: SessionDep) -> JobRead:
    return service.to_read(session, service.cancel(session, job_id))
