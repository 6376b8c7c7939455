from __future__ import annotations

from fastapi import APIRouter, Response

from app.auth.deps import TrainCaller, require
from app.auth.service import Scope
from app.deps import SessionDep, SettingsDep
from app.http.openapi import UNREADABLE_BODY
from app.http.paths import ModelName
from app.schedules import service
from app.schedules.schemas import ScheduleRead, ScheduleUpdate

router = APIRouter(prefix="/models", tags=["schedules"])

_NO_MODEL = {404: {"description": "No such model."}}
_NO_SCHEDULE = {404: {"description": "No such model, or it has no schedule."}}


@router.put(
    "/{name}/schedule",
    response_model=ScheduleRead,
    operation_id="set_model_schedule",
    responses={**_NO_MODEL, **UNREADABLE_BODY},
    summary="Refresh the model on a schedule (Celery beat), promoting by a policy",
)
def put_schedule(
    name: ModelName,
    body: ScheduleUpdate,
    session: SessionDep,
    settings: SettingsDep,
    caller: TrainCaller,
) -> ScheduleRead:
    return service.to_read(service.put(session, settings, name, body, owner=caller.key_id))


@router.get(
    "/{name}/schedule",
    response_model=ScheduleRead,
    operation_id="get_model_schedule",
    responses=_NO_SCHEDULE,
    dependencies=[require(Scope.read)],
)
def get_schedule(name: ModelName, session: SessionDep) -> ScheduleRead:
    return service.to_read(service.get(session, name))


@router.delete(
    "/{name}/schedule",
    status_code=204,
    operation_id="delete_model_schedule",
    responses=_NO_SCHEDULE,
    dependencies=[require(Scope.train)],
)
def delete_schedule(name: ModelName, session: SessionDep) -> Response:
    service.delete(session, name)
    return Response(status_code=204)
