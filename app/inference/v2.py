"""Open Inference Protocol (KServe v2 / Triton HTTP) routes over the same data plane and
batchers as /predict, so `tritonclient.http` and KServe clients work unchanged.

A version segment that is not a number is read as an alias (`.../versions/production/infer`).
A version trained with quantiles has a second output, QUANTILES_NAME [batch, horizon, n_targets,
n_levels], listed in its metadata with its levels.
An infer request with `parameters.sequence_id` continues a stream (app.streams.oip).
Errors are `{"error": "..."}`: 400 for a bad request, 404 for an unknown model or version
(rendered by app.errors for every path under /v2).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.auth.deps import require
from app.auth.service import Scope
from app.contract import INPUT_NAME, OUTPUT_NAME, QUANTILES_NAME
from app.errors import InvalidInput
from app.inference import oip
from app.inference.fastpath import check_batch
from app.inference.serving.resolver import Resolved
from app.names import MAX_VERSION, NAME_PATTERN, ModelName
from app.registry import service as registry
from app.streams.oip import infer_sequence, sequence_of

router = APIRouter(prefix="/v2", tags=["open inference protocol"])

EXTENSIONS = ["binary_tensor_data", "sequence"]


def _version_or_alias(version: str | None) -> tuple[int | None, str | None]:
    if version is None:
        return None, None
    if version.isdigit() and 1 <= int(version) <= MAX_VERSION:
        return int(version), None
    if re.fullmatch(NAME_PATTERN, version) and not version.isdigit():
        return None, version
    raise InvalidInput("version", f"{version!r} is neither a version number nor an alias")


async def _resolve(request: Request, name: str, version: str | None) -> Resolved:
    number, alias = _version_or_alias(version)
    return await request.app.state.dataplane.resolve(name, number, alias)


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

    ok = await run_in_threadpool(check)
    return JSONResponse({"ready": ok}, status_code=200 if ok else 400)


async def _metadata(request: Request, name: str, version: str | None) -> Response:
    resolved = await _resolve(request, name, version)
    info = (await request.app.state.dataplane.load(resolved)).info
    forecast_shape = [-1, resolved.horizon, len(resolved.target_columns)]
    outputs = [{"name": OUTPUT_NAME, "datatype": "FP32", "shape": forecast_shape}]
    if info.quantiles:
        shape = [*forecast_shape, len(info.quantiles)]
        outputs.append({"name": QUANTILES_NAME, "datatype": "FP32", "shape": shape})

    def versions() -> list[str]:
        with request.app.state.sessionmaker() as session:
            return [str(v.version) for v in registry.get_model(session, name).versions]

    return JSONResponse(
        {
            "name": name,
            "versions": await run_in_threadpool(versions),
            "platform": "onnxruntime_onnx",
            "inputs": [
                {
                    "name": INPUT_NAME,
                    "datatype": "FP32",
                    "shape": [-1, -1, len(resolved.feature_columns)],
                }
            ],
            "outputs": outputs,
            "parameters": {
                "version": resolved.version,
                "feature_columns": list(resolved.feature_columns),
                "target_columns": list(resolved.target_columns),
                "input_length": resolved.input_length,
                "quantiles": list(info.quantiles),
                "frequency": info.frequency,
            },
        }
    )


async def _ready(request: Request, name: str, version: str | None) -> Response:
    await _resolve(request, name, version)
    return JSONResponse({"name": name, "ready": True})


async def _infer(request: Request, name: str, version: str | None) -> Response:
    body = await request.body()
    call = oip.decode(body, request.headers.get(oip.HEADER_LENGTH))
    sequence = sequence_of(body, request.headers.get(oip.HEADER_LENGTH))
    if sequence is not None:  # Triton's sequence extension, on the streams (app.streams.oip)
        number, alias = _version_or_alias(version)
        streams = request.app.state.streams
        served_version, forecast, wanted = await infer_sequence(
            streams, name, number, alias, call, sequence
        )
    else:
        resolved = await _resolve(request, name, version)
        plane = request.app.state.dataplane
        batch = check_batch(call.inputs, resolved, plane.max_windows, field=INPUT_NAME)
        served = await plane.load(resolved)
        wanted = call.select(served.info.output_names)
        forecast = await plane.infer(served, batch)
        served_version = resolved.version
    tensors = {OUTPUT_NAME: forecast.point, QUANTILES_NAME: forecast.quantiles}
    content, headers = oip.encode(
        name, served_version, call.id, [(n, tensors[n], binary) for n, binary in wanted]
    )
    media = "application/octet-stream" if headers else "application/json"
    return Response(content, media_type=media, headers=headers)


@router.get(
    "/models/{name}", operation_id="v2_model_metadata", dependencies=[require(Scope.predict)]
)
async def model_metadata(request: Request, name: ModelName) -> Response:
    return await _metadata(request, name, None)


@router.get(
    "/models/{name}/versions/{version}",
    operation_id="v2_model_version_metadata",
    dependencies=[require(Scope.predict)],
)
async def model_version_metadata(request: Request, name: ModelName, version: str) -> Response:
    return await _metadata(request, name, version)


@router.get(
    "/models/{name}/ready", operation_id="v2_model_ready", dependencies=[require(Scope.predict)]
)
async def model_ready(request: Request, name: ModelName) -> Response:
    return await _ready(request, name, None)


@router.get(
    "/models/{name}/versions/{version}/ready",
    operation_id="v2_model_version_ready",
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


@router.post(
    "/models/{name}/infer",
    operation_id="v2_infer",
    dependencies=[require(Scope.predict)],
    openapi_extra=_INFER_DOC,
)
async def infer(request: Request, name: ModelName) -> Response:
    return await _infer(request, name, None)


@router.post(
    "/models/{name}/versions/{version}/infer",
    operation_id="v2_infer_version",
    dependencies=[require(Scope.predict)],
    openapi_extra=_INFER_DOC,
)
async def infer_version(request: Request, name: ModelName, version: str) -> Response:
    return await _infer(request, name, version)
