from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.deps import OVER_QUOTA, TrainCaller, require
from app.auth.service import Scope
from app.backtests import service
from app.backtests.models import Backtest
from app.backtests.schemas import BacktestRead, BacktestRequest
from app.deps import CeleryDep, SessionDep, SettingsDep, idempotency_key_header
from app.http.openapi import UNREADABLE_BODY
from app.http.paths import ModelName, RecordId, VersionNumber
from app.jobs import BROKER_DOWN, submit_once
from app.names import MAX_OFFSET
from app.queue import BACKTEST_TASK

router = APIRouter(tags=["backtests"])


@router.post(
    "/backtest",
    status_code=202,
    response_model=BacktestRead,
    operation_id="backtest",
    summary="Queue a rolling-origin backtest of a version",
    description="Evaluates the version's ONNX artifact (no retraining) on its dataset: in each "
    "series, `folds` forecast origins `stride` rows apart, the last one `horizon` rows before "
    "the end; per fold MAE, RMSE, sMAPE and MASE of the model and of the seasonal-naive "
    "baseline. A series too short for the folds is a 422 that says how many rows are needed.",
    responses={**BROKER_DOWN, **OVER_QUOTA, **UNREADABLE_BODY},
)
def backtest(
    body: BacktestRequest,
    response: Response,
    session: SessionDep,
    celery: CeleryDep,
    settings: SettingsDep,
    caller: TrainCaller,
    idempotency_key: Annotated[str | None, idempotency_key_header("backtest")] = None,
) -> BacktestRead:
    queued = submit_once(
        session,
        celery,
        settings,
        task=BACKTEST_TASK,
        idempotency_key=idempotency_key,
        model=Backtest,
        owner=caller.key_id,
        create=lambda: service.create(
            session, body, idempotency_key=idempotency_key, owner=caller.key_id
        ),
    )
    response.headers["Location"] = f"/backtests/{queued.id}"
    return service.to_read(queued)


@router.get(
    "/backtests/{backtest_id}",
    response_model=BacktestRead,
    operation_id="get_backtest",
    responses={404: {"description": "No such backtest."}},
    dependencies=[require(Scope.read)],
)
def get_backtest(backtest_id: RecordId, session: SessionDep) -> BacktestRead:
    return service.to_read(service.get(session, backtest_id))


@router.get(
    "/models/{name}/versions/{version}/backtests",
    response_model=list[BacktestRead],
    operation_id="list_version_backtests",
    responses={404: {"description": "No such model or version."}},
    dependencies=[require(Scope.read)],
    summary="A version's backtests, newest first",
)
def list_version_backtests(
    name: ModelName,
    version: VersionNumber,
    session: SessionDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[BacktestRead]:
    found = service.of_version(session, name, version, limit=limit, offset=offset)
    return [service.to_read(b) for b in found]
