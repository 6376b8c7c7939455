"""Open Inference Protocol (KServe v2 / Triton HTTP) routes over the same data plane and
batchers as /predict, so `tritonclient.http` and KServe clients work unchanged.

A version segment that is not a number is read as an alias (`.../versions/production/infer`).
A version with covariates takes its other graph inputs as further input tensors by name
(FUTURE_INPUT_NAME, CALENDAR_INPUT_NAME, STATIC_INPUT_NAME), and its metadata lists every input
with its shape.
A version trained with quantiles has a second output, QUANTILES_NAME [batch, horizon, n_targets,
n_levels], listed in its metadata with its levels. An infer request with
`parameters.sequence_id` continues a stream (app.api.oip.sequence). Infer is a hot route, served
by the HTTP edge from `HOT_INFER`; the FastAPI routes below document it and serve the rest.
Errors are `{"error": "..."}`: 400 for a bad request, 404 for an unknown model or version
(rendered by app.http.errors for every path under /v2).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.api.oip import codec
from app.api.oip.sequence import Sequence, infer_sequence, sequence_of
from app.auth.deps import require
from app.auth.service import Caller, Scope
from app.contract import (
    CALENDAR_INPUT_NAME,
    FUTURE_INPUT_NAME,
    INPUT_NAME,
    OUTPUT_NAME,
    QUANTILES_NAME,
    STATIC_INPUT_NAME,
)
from app.errors import InvalidInput
from app.http.edge import HotRoute
from app.http.errors import Headers, render_oip
from app.http.paths import ModelName
from app.names import MAX_VERSION, NAME_PATTERN
from app.serving.dataplane import DataPlane, PredictCall

router = APIRouter(prefix="/v2", tags=["open inference protocol"])

EXTENSIONS = ["binary_tensor_data", "sequence"]
_NAME = re.compile(NAME_PATTERN)
_UNKNOWN = {404: {"description": "Unknown model, version or alias."}}


def version_or_alias(version: str | None) -> tuple[int | None, str | None]:
    """A version number or an alias from the URL segment (ASCII digits only: "²" is a digit
    to str.isdigit but not to int)."""
    if version is None:
        return None, None
    if version.isascii() and version.isdigit():
        if 1 <= int(version) <= MAX_VERSION:
            return int(version), None
    elif _NAME.fullmatch(version):
        return None, version
    raise InvalidInput("version", f"{version!r:.80} is neither a version number nor an alias")


@dataclass(frozen=True, slots=True)
class InferCall:
    model: str
    version: int | None
    alias: str | None
    request: codec.InferRequest
    sequence: Sequence | None


def decode_infer(body: bytes, params: Mapping[str, str], headers: Mapping[str, str]) -> InferCall:
    name = params["name"]
    if not _NAME.fullmatch(name):
        raise codec.OIPError(f"{name!r:.80} is not a model name")
    version, alias = version_or_alias(params.get("version"))
    length = headers.get(codec.HEADER_LENGTH.lower()) or None
    request = codec.decode(body, length)
    return InferCall(name, version, alias, request, sequence_of(body, length))


async def serve_infer(plane: DataPlane, call: InferCall, caller: Caller) -> tuple[bytes, Headers]:
    """`caller` owns the sequences it starts (unused without a sequence)."""
    request = call.request
    if call.sequence is not None:  # Triton's sequence extension, on the streams
        served_version, forecast, wanted = await infer_sequence(
            plane, call.model, call.version, call.alias, request, call.sequence, caller.tag
        )
    else:
        prediction = await plane.predict(
            PredictCall(
                call.model,
                call.version,
                call.alias,
                request.inputs,
                outputs=request.output_names,
                field=INPUT_NAME,
                known=request.known(),
            )
        )
        forecast, served_version = prediction.forecast, prediction.resolved.version
        wanted = request.select(prediction.info.output_names)
    tensors = {OUTPUT_NAME: forecast.point, QUANTILES_NAME: forecast.quantiles}
    content, extra = codec.encode(
        call.model, served_version, request.id, [(n, tensors[n], b) for n, b in wanted]
    )
    media = b"application/octet-stream" if extra else b"application/json"
    headers = [(b"content-type", media)]
    headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
    return content, headers


HOT_INFER = [
    HotRoute(
        "POST",
        re.compile(pattern),
        path,
        Scope.predict,
        decode_infer,
        serve_infer,
        render_oip,
    )
    for pattern, path in [
        (r"/v2/models/(?P<name>[^/]+)/infer", "/v2/models/{name}/infer"),
        (
            r"/v2/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/infer",
            "/v2/models/{name}/versions/{version}/infer",
        ),
    ]
]


@router.get("", operation_id="v2_server_metadata", summary="Server metadata")
async def server_metadata(request: Request) -> dict:
    return {"name": "seqcast", "version": request.app.version, "extensions": EXTENSIONS}


@router.get("/health/live", operation_id="v2_live")
async def live() -> dict:
    return {"live": True}


@router.get("/health/ready", operation_id="v2_ready", responses={400: {"description": "Not ready"}})
async def ready(request: Request) -> JSONResponse:
    """Ready when the registry answers: every registered version can then be served."""

    def check() -> bool:
        try:
            with request.app.state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    ok = await asyncio.to_thread(check)
    return JSONResponse({"ready": ok}, status_code=200 if ok else 400)


async def _metadata(request: Request, name: str, version: str | None) -> Response:
    plane: DataPlane = request.app.state.dataplane
    found = await plane.metadata(name, *version_or_alias(version))
    resolved, info = found.resolved, found.info
    forecast_shape = [-1, resolved.horizon, len(resolved.target_columns)]
    outputs = [{"name": OUTPUT_NAME, "datatype": "FP32", "shape": forecast_shape}]
    if info.quantiles:
        shape = [*forecast_shape, len(info.quantiles)]
        outputs.append({"name": QUANTILES_NAME, "datatype": "FP32", "shape": shape})
    horizon = resolved.horizon
    shapes = {
        INPUT_NAME: [-1, -1, len(resolved.feature_columns)],
        FUTURE_INPUT_NAME: [-1, horizon, len(info.future_columns)],
        CALENDAR_INPUT_NAME: [-1, horizon, len(info.calendar)],
        STATIC_INPUT_NAME: [-1, len(info.static_features)],
    }
    inputs = [
        {"name": n, "datatype": "FP32", "shape": shapes[n]}
        for n in (INPUT_NAME, *info.extra_inputs)
    ]
    parameters = {
        "version": resolved.version,
        "feature_columns": list(resolved.feature_columns),
        "target_columns": list(resolved.target_columns),
        "input_length": resolved.input_length,
        "quantiles": list(info.quantiles),
        "frequency": info.frequency,
    }
    if info.extra_inputs:  # what each covariate input's last axis holds, in order
        parameters |= {
            "future_columns": list(info.future_columns),
            "calendar": list(info.calendar),
            "static_features": list(info.static_features),
        }
    return JSONResponse(
        {
            "name": name,
            "versions": [str(v) for v in found.versions],
            "platform": "onnxruntime_onnx",
            "inputs": inputs,
            "outputs": outputs,
            "parameters": parameters,
        }
    )


async def _ready(request: Request, name: str, version: str | None) -> Response:
    await request.app.state.dataplane.models.resolve(name, *version_or_alias(version))
    return JSONResponse({"name": name, "ready": True})


@router.get(
    "/models/{name}",
    operation_id="v2_model_metadata",
    dependencies=[require(Scope.predict)],
    responses=_UNKNOWN,
)
async def model_metadata(request: Request, name: ModelName) -> Response:
    return await _metadata(request, name, None)


@router.get(
    "/models/{name}/versions/{version}",
    operation_id="v2_model_version_metadata",
    responses=_UNKNOWN,
    dependencies=[require(Scope.predict)],
)
async def model_version_metadata(request: Request, name: ModelName, version: str) -> Response:
    return await _metadata(request, name, version)


@router.get(
    "/models/{name}/ready",
    operation_id="v2_model_ready",
    dependencies=[require(Scope.predict)],
    responses=_UNKNOWN,
)
async def model_ready(request: Request, name: ModelName) -> Response:
    return await _ready(request, name, None)


@router.get(
    "/models/{name}/versions/{version}/ready",
    operation_id="v2_model_version_ready",
    responses=_UNKNOWN,
    dependencies=[require(Scope.predict)],
)
async def model_version_ready(request: Request, name: ModelName, version: str) -> Response:
    return await _ready(request, name, version)


_INFER_DOC = {
    "requestBody": {
        "required": True,
        "description": "An OIP inference request (JSON), optionally followed by binary tensor "
        "data whose JSON header length is given in Inference-Header-Content-Length.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "examples": [
                        {
                            "id": "42",
                            "inputs": [
                                {
                                    "name": INPUT_NAME,
                                    "shape": [1, 4, 1],
                                    "datatype": "FP32",
                                    "data": [1.0, 2.0, 3.0, 2.0],
                                }
                            ],
                            "outputs": [{"name": OUTPUT_NAME}],
                        }
                    ],
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}

_SERVED_BY_EDGE = "OIP infer is served by app.http.edge"
_INFER_ERRORS = {
    **_UNKNOWN,
    503: {"description": "The model's queue is full; retry after Retry-After seconds."},
}


@router.post(
    "/models/{name}/infer",
    operation_id="v2_infer",
    responses=_INFER_ERRORS,
    dependencies=[require(Scope.predict)],
    openapi_extra=_INFER_DOC,
)
async def infer(name: ModelName) -> Response:
    """Answered by the HTTP edge (app.http.edge) before routing: documents the route only."""
    raise AssertionError(_SERVED_BY_EDGE)


@router.post(
    "/models/{name}/versions/{version}/infer",
    operation_id="v2_infer_version",
    responses=_INFER_ERRORS,
    dependencies=[require(Scope.predict)],
    openapi_extra=_INFER_DOC,
)
async def infer_version(name: ModelName, version: str) -> Response:
    """Answered by the HTTP edge (app.http.edge) before routing: documents the route only."""
    raise AssertionError(_SERVED_BY_EDGE)
