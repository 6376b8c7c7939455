from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from app.auth.deps import OVER_QUOTA, TrainCaller, require
from app.auth.service import Scope
from app.deps import CeleryDep, SessionDep, SettingsDep, StoreDep, idempotency_key_header
from app.forecasts import service
from app.forecasts.models import ForecastJob
from app.forecasts.plan import EXTENSIONS, MEDIA_TYPES
from app.forecasts.schemas import ForecastRead, ForecastRequest
from app.http.openapi import UNREADABLE_BODY
from app.http.paths import RecordId
from app.jobs import BROKER_DOWN, submit_once
from app.names import MAX_OFFSET, RECORD_ID_PATTERN
from app.queue import FORECAST_TASK
from app.training.models import JobStatus

router = APIRouter(tags=["forecasts"])

READ_BLOCK = 1 << 20
NOT_FOUND = {404: {"description": "No such forecast."}}


@router.post(
    "/forecasts",
    status_code=202,
    response_model=ForecastRead,
    operation_id="create_forecast",
    summary="Queue a forecast of every series of a dataset",
    description="Runs the version's ONNX artifact on the latest window (the last input_length "
    "rows) of every selected series of the dataset and writes one file: series_id, timestamp "
    "(null when the dataset has no regular timestamps), step, each target's point forecast and, "
    "when the version has them, its quantiles (`<target>_q<level>`). A series shorter than "
    "input_length is forecast from all its rows (counted in `series_short`). A version with "
    "known-future columns takes their values over the horizon from `future_dataset_id`.",
    responses={**BROKER_DOWN, **OVER_QUOTA, **UNREADABLE_BODY},
)
def create_forecast(
    body: ForecastRequest,
    response: Response,
    session: SessionDep,
    celery: CeleryDep,
    settings: SettingsDep,
    store: StoreDep,
    caller: TrainCaller,
    idempotency_key: Annotated[str | None, idempotency_key_header("forecast")] = None,
) -> ForecastRead:
    queued = submit_once(
        session,
        celery,
        settings,
        task=FORECAST_TASK,
        idempotency_key=idempotency_key,
        model=ForecastJob,
        owner=caller.key_id,
        create=lambda: service.create(
            session, store, body, idempotency_key=idempotency_key, owner=caller.key_id
        ),
    )
    response.headers["Location"] = f"/forecasts/{queued.id}"
    return service.to_read(queued)


@router.get(
    "/forecasts",
    response_model=list[ForecastRead],
    operation_id="list_forecasts",
    dependencies=[require(Scope.read)],
    summary="Forecast jobs, newest first",
)
def list_forecasts(
    session: SessionDep,
    status: JobStatus | None = None,
    dataset_id: str | None = Query(None, pattern=RECORD_ID_PATTERN),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[ForecastRead]:
    found = service.get_all(
        session, limit=limit, offset=offset, status=status, dataset_id=dataset_id
    )
    return [service.to_read(job) for job in found]


@router.get(
    "/forecasts/{forecast_id}",
    response_model=ForecastRead,
    operation_id="get_forecast",
    responses=NOT_FOUND,
    dependencies=[require(Scope.read)],
)
def get_forecast(forecast_id: RecordId, session: SessionDep) -> ForecastRead:
    return service.to_read(service.get(session, forecast_id))


@router.get(
    "/forecasts/{forecast_id}/result",
    operation_id="get_forecast_result",
    summary="Download a finished forecast's file",
    response_class=StreamingResponse,
    responses={
        **NOT_FOUND,
        200: {
            "description": "The file, streamed.",
            "content": {media: {} for media in MEDIA_TYPES.values()},
        },
        409: {"description": "The forecast has not succeeded (yet)."},
    },
    dependencies=[require(Scope.read)],
)
def get_forecast_result(
    forecast_id: RecordId, session: SessionDep, store: StoreDep
) -> StreamingResponse:
    job = service.get(session, forecast_id)
    reader = store.open(service.result(job))

    def blocks() -> Iterator[bytes]:
        with reader:
            while block := reader.read(READ_BLOCK):
                yield block

    headers = {
        "Content-Disposition": f'attachment; filename="forecast-{job.id}.{EXTENSIONS[job.format]}"'
    }
    if job.result_bytes is not None:
        headers["Content-Length"] = str(job.result_bytes)
    return StreamingResponse(blocks(), media_type=MEDIA_TYPES[job.format], headers=headers)


@router.post(
    "/forecasts/{forecast_id}/cancel",
    status_code=202,
    response_model=ForecastRead,
    operation_id="cancel_forecast",
    responses={
        **NOT_FOUND,
        409: {"description": "The forecast already finished (succeeded, failed or cancelled)."},
    },
    dependencies=[require(Scope.train)],
    summary="Cancel a queued or running forecast; no file is written",
)
def cancel_forecast(forecast_id: RecordId, session: SessionDep, store: StoreDep) -> ForecastRead:
    return service.to_read(service.cancel(session, store, forecast_id))
