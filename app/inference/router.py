from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.auth.deps import require
from app.auth.service import Scope
from app.deps import DataPlaneDep
from app.inference.fastpath import serve_predict
from app.inference.schemas import LoadedRead, PredictRequest, PredictResponse
from app.names import ModelName, VersionNumber

router = APIRouter(tags=["inference"])

_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": PredictRequest.model_json_schema()}},
    }
}


@router.post(
    "/predict",
    response_model=PredictResponse,
    operation_id="predict",
    dependencies=[require(Scope.predict)],
    summary="Forecast",
    openapi_extra=_BODY,
    responses={
        404: {"description": "Unknown model, version or alias."},
        422: {
            "description": "Inputs, series ids or timestamps that this version cannot take; "
            "the message says why and `loc` names the field."
        },
        503: {"description": "The model's queue is full; retry after Retry-After seconds."},
    },
)
async def predict(request: Request) -> Response:
    """Parsed with orjson straight into numpy and batched with concurrent requests (see
    app.inference.fastpath and app.inference.serving.batcher). In a running server the
    request is answered by app.inference.asgi before FastAPI's routing; this route documents
    it and serves it when that shortcut is not installed."""
    body = await serve_predict(request.app.state.dataplane, await request.body())
    return Response(body, media_type="application/json")


@router.post(
    "/models/{name}/versions/{version}/load",
    response_model=LoadedRead,
    operation_id="load_model_version",
    dependencies=[require(Scope.admin)],
    summary="Load a version into the serving cache now (it otherwise loads on first use)",
)
async def load_version(name: ModelName, version: VersionNumber, plane: DataPlaneDep) -> LoadedRead:
    resolved = await plane.resolve(name, version, None)
    served = await plane.load(resolved)
    return LoadedRead(
        model=name,
        version=version,
        loaded=True,
        provider=served.provider,
        size_bytes=served.size_bytes,
    )


@router.post(
    "/models/{name}/versions/{version}/unload",
    response_model=LoadedRead,
    operation_id="unload_model_version",
    dependencies=[require(Scope.admin)],
    summary="Drop a version from the serving cache; running requests finish first",
)
async def unload_version(
    name: ModelName, version: VersionNumber, plane: DataPlaneDep
) -> LoadedRead:
    resolved = await plane.resolve(name, version, None)
    plane.cache.unload(resolved.key.id)
    return LoadedRead(model=name, version=version, loaded=False)
