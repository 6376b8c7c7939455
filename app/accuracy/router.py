from __future__ import annotations

from fastapi import APIRouter, Query

from app.accuracy import service
from app.accuracy.schemas import AccuracyRead
from app.auth.deps import require
from app.auth.service import Scope
from app.deps import SessionDep
from app.http.paths import ModelName, VersionNumber
from app.names import MAX_OFFSET
from app.registry import service as registry

router = APIRouter(prefix="/models", tags=["models"])


@router.get(
    "/{name}/versions/{version}/accuracy",
    response_model=AccuracyRead,
    operation_id="get_model_version_accuracy",
    responses={404: {"description": "No such model or version."}},
    dependencies=[require(Scope.read)],
    summary="Live accuracy: the version's stored forecasts scored against the actuals so far",
)
def get_accuracy(
    name: ModelName,
    version: VersionNumber,
    session: SessionDep,
    series_limit: int = Query(100, ge=1, le=1000, description="Series per page."),
    series_offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> AccuracyRead:
    """Overall, by horizon step and by series (paged, by id). A version with no scored points
    yet answers with zero points and null scores."""
    found = registry.get_version(session, name, version)
    return service.accuracy(session, found, series_limit=series_limit, series_offset=series_offset)
