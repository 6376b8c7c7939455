from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.deps import OVER_QUOTA, TrainCaller, require
from app.auth.service import Scope
from app.deps import CeleryDep, SessionDep, SettingsDep, StoreDep, idempotency_key_header
from app.http.openapi import UNREADABLE_BODY
from app.http.paths import ModelName, RecordId
from app.jobs import BROKER_DOWN, submit_once
from app.names import MAX_OFFSET, NAME_PATTERN
from app.queue import TRAIN_TASK
from app.training import refresh, service
from app.training.models import JobStatus, TrainingJob
from app.training.schemas import JobRead, RefreshRequest, TrainRequest

router = APIRouter()


@router.post(
    "/train",
    status_code=202,
    response_model=JobRead,
    operation_id="train",
    tags=["training"],
    summary="Queue a training job",
    responses={**BROKER_DOWN, **OVER_QUOTA, **UNREADABLE_BODY},
)
def train(
    body: TrainRequest,
    response: Response,
    session: SessionDep,
    store: StoreDep,
    celery: CeleryDep,
    settings: SettingsDep,
    caller: TrainCaller,
    idempotency_key: Annotated[str | None, idempotency_key_header("job")] = None,
) -> JobRead:
    job = submit_once(
        session,
        celery,
        settings,
        task=TRAIN_TASK,
        idempotency_key=idempotency_key,
        owner=caller.key_id,
        model=TrainingJob,
        create=lambda: service.create_job(
            session, store, settings, body, idempotency_key=idempotency_key, owner=caller.key_id
        ),
        # an inline `data` made a dataset for this job alone: it goes too
        discard=lambda created: service.discard(
            session, created, with_dataset=body.data is not None
        ),
    )
    response.headers["Location"] = f"/jobs/{job.id}"
    return service.to_read(session, job)


@router.post(
    "/models/{name}/refresh",
    status_code=202,
    response_model=JobRead,
    operation_id="refresh_model",
    tags=["training"],
    summary="Queue a warm-start refresh of the version an alias points at",
    responses={
        404: {"description": "No such model, or the alias is not set."},
        409: {"description": "The alias's version has no stored weights."},
        **BROKER_DOWN,
        **OVER_QUOTA,
        **UNREADABLE_BODY,
    },
)
def refresh_model(
    name: ModelName,
    body: RefreshRequest,
    response: Response,
    session: SessionDep,
    celery: CeleryDep,
    settings: SettingsDep,
    caller: TrainCaller,
    idempotency_key: Annotated[str | None, idempotency_key_header("job")] = None,
) -> JobRead:
    job = refresh.submit_refresh(
        session,
        settings,
        model_name=name,
        alias=body.alias,
        promote=body.promote,
        owner=caller.key_id,
        overrides=refresh.overrides_of(body),
        idempotency_key=idempotency_key,
        celery=celery,
    )
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
    responses={404: {"description": "No such job."}},
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
    responses={
        404: {"description": "No such job."},
        409: {"description": "The job already finished (succeeded, failed or cancelled)."},
    },
    dependencies=[require(Scope.train)],
    tags=["jobs"],
    summary="Cancel a queued job, or stop a running one after its current epoch",
)
def cancel_job(job_id: RecordId, session: SessionDep) -> JobRead:
    return service.to_read(session, service.cancel(session, job_id))
