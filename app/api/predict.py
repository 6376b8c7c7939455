"""POST /predict, and loading/unloading a version by hand.

/predict is served by the HTTP edge (app.http.edge) from `HOT`: its body is decoded by msgspec
straight into the typed `PredictRequest` (app.api.requests), made into one float32 array, and
handed to the data plane in one call; the reply is serialized from numpy by orjson. The FastAPI
route below documents it (its request schema is PredictRequest's own JSON Schema) and is never
reached: the edge answers first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import APIRouter

from app.api.predict_schemas import LoadedRead, PredictResponse
from app.api.requests import PredictRequest, decode, json_body
from app.auth.deps import require
from app.auth.service import Scope as KeyScope
from app.contract import FUTURE_INPUT_NAME
from app.deps import DataPlaneDep
from app.errors import InvalidInput
from app.http.edge import JSON, HotRoute
from app.http.errors import Headers, render_seqcast
from app.http.paths import ModelName, VersionNumber
from app.serving.dataplane import DataPlane, PredictCall, Prediction
from app.serving.inputs import as_array
from app.serving.known_inputs import KnownInputs
from app.serving.series import check_per_window

router = APIRouter(tags=["inference"])

SHAPE = "[batch][length][n_features]"
FUTURE_SHAPE = "[batch][horizon][n_future]"
EXAMPLES = [
    {"model": "demand", "alias": "production", "inputs": [[1.0, 2.0, 3.0, 2.0]]},
    {
        "model": "demand",
        "inputs": [[1.0, 2.0, 3.0, 2.0], [5.0, 4.0, 4.0, 6.0]],
        "series_id": ["store-1", "store-2"],
        "last_timestamp": "2024-06-01",
    },
    {
        "model": "promotions",
        "inputs": [[[120.0, 0.0], [135.0, 1.0], [118.0, 0.0]]],
        "future": [[[1.0, 9.99], [0.0, 12.49]]],
        "series_id": "store-1",
    },
    {
        "model": "demand",
        "inputs": [[1.0, 2.0, 3.0, 2.0]],
        "series_id": "store-1",
        "last_timestamp": "2024-06-01",
        "record": True,
    },
]


def decode_predict(body: bytes, _: Mapping[str, str], __: Mapping[str, str]) -> PredictCall:
    request = decode(body, PredictRequest)
    if request.version is not None and request.alias is not None:
        raise InvalidInput("alias", "give version or alias, not both")
    series_id, last_timestamp = request.series_id, request.last_timestamp
    if series_id is not None:
        check_per_window(series_id, "series_id")
    if last_timestamp is not None:
        check_per_window(last_timestamp, "last_timestamp")
    known = None
    if request.future is not None:
        known = KnownInputs(future=as_array(request.future, FUTURE_INPUT_NAME, FUTURE_SHAPE))
    return PredictCall(
        request.model,
        request.version,
        request.alias,
        as_array(request.inputs, "inputs", SHAPE),
        series_id,
        last_timestamp,
        known=known,
        record=request.record,
    )


def render(prediction: Prediction) -> bytes:
    resolved, forecast = prediction.resolved, prediction.forecast
    quantiles = forecast.quantiles
    return orjson.dumps(
        {
            "model": resolved.model,
            "version": resolved.version,
            "predictions": forecast.point,
            "target_columns": resolved.target_columns,
            "quantiles": None
            if quantiles is None
            else {"levels": prediction.info.quantiles, "values": quantiles},
            "timestamps": prediction.timestamps,
        },
        option=orjson.OPT_SERIALIZE_NUMPY,
    )


async def serve_predict(
    plane: DataPlane, call: PredictCall, _caller: object
) -> tuple[bytes, Headers]:
    """A forecast belongs to no one: the caller is not needed."""
    prediction = await plane.predict(call)
    if call.record:
        await plane.record(call, prediction)
    return render(prediction), JSON


HOT = HotRoute(
    "POST",
    re.compile(r"/predict"),
    "/predict",
    KeyScope.predict,
    decode_predict,
    serve_predict,
    render_seqcast,
)


@router.post(
    "/predict",
    response_model=PredictResponse,
    operation_id="predict",
    dependencies=[require(KeyScope.predict)],
    summary="Forecast",
    openapi_extra=json_body(PredictRequest, EXAMPLES),
    responses={
        404: {"description": "Unknown model, version or alias."},
        413: {"description": "The body is larger than SEQCAST_MAX_BODY_BYTES."},
        422: {
            "description": "Inputs, known-future values, series ids or timestamps that this "
            "version cannot take (or a covariate it needs and did not get); the message says "
            "why and `loc` names the field."
        },
        503: {"description": "The model's queue is full; retry after Retry-After seconds."},
    },
)
async def predict() -> Any:
    """Batched with concurrent requests (app.serving.batcher). Answered by the HTTP edge
    (app.http.edge) before routing: this handler only documents the route."""
    raise AssertionError("POST /predict is served by app.http.edge")


@router.post(
    "/models/{name}/versions/{version}/load",
    response_model=LoadedRead,
    operation_id="load_model_version",
    responses={404: {"description": "No such model or version."}},
    dependencies=[require(KeyScope.admin)],
    summary="Load a version into the serving cache now (it otherwise loads on first use)",
)
async def load_version(name: ModelName, version: VersionNumber, plane: DataPlaneDep) -> LoadedRead:
    served = await plane.load(name, version)
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
    responses={404: {"description": "No such model or version."}},
    dependencies=[require(KeyScope.admin)],
    summary="Drop a version from the serving cache; running requests finish first",
)
async def unload_version(
    name: ModelName, version: VersionNumber, plane: DataPlaneDep
) -> LoadedRead:
    await plane.unload(name, version)
    return LoadedRead(model=name, version=version, loaded=False)
