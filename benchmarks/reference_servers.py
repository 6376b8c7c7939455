"""Reference servers for `predict_load.py`: what a /predict costs with nothing of seqcast in it.

Each factory returns one ASGI app answering `POST /predict` with the body seqcast takes
(`{"model": ..., "inputs": [batch][length][n_features]}`; `model` is ignored) and a reply of
seqcast's shape (`predictions` [batch][HORIZON][len(TARGETS)]). They bracket the serving path:

- `floor`: bare Starlette, orjson → numpy, constant reply; the least a Python server can do.
- `fastapi_pydantic`: FastAPI + a pydantic `list[list[list[float]]]` body, constant reply.
- `fastapi_ort`: as above + one onnxruntime run per request (the real exported .onnx, 1 thread).
- `fastapi_torch`: as above + torch eager per request, same architecture and size (random
  weights: the cost does not depend on them), torch threads 1.

The FastAPI routes are `async def` and run the model inline on the event loop by default, or
`def` routes in FastAPI's thread pool with REF_ROUTES=sync. Configuration comes from the
environment (REF_ARCH, REF_ONNX, REF_ROUTES), since uvicorn starts them:

    uvicorn --app-dir benchmarks --factory reference_servers:floor --port 8001
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson
from _common import FEATURES, HORIZON, INPUT_LENGTH, TARGETS
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# A constant forecast with realistic magnitudes, so reply sizes match seqcast's.
_STEP = [10.123456789, 5.987654321][: len(TARGETS)]


def _reply(model: str, predictions: list) -> dict[str, Any]:
    return {
        "model": model,
        "version": 1,
        "predictions": predictions,
        "target_columns": list(TARGETS),
    }


def _constant(batch: int) -> list:
    return [[list(_STEP) for _ in range(HORIZON)] for _ in range(batch)]


class PredictBody(BaseModel):
    """seqcast's body with only the fields a reference needs (pydantic validates the floats)."""

    model: str
    inputs: list[list[list[float]]]


async def _healthz(_: Request) -> Response:
    """Readiness for the driver; registered after /predict so it costs /predict nothing."""
    return Response(b"ok")


def _with_healthz(app: FastAPI) -> FastAPI:
    app.add_api_route("/healthz", _healthz, methods=["GET"], include_in_schema=False)
    return app


def floor() -> Starlette:
    """The Python floor: parse, make the float32 array a model would need, reply."""

    async def predict(request: Request) -> Response:
        body = orjson.loads(await request.body())
        batch = np.asarray(body["inputs"], dtype=np.float32)
        reply = _reply(body["model"], _constant(batch.shape[0]))
        return Response(orjson.dumps(reply), media_type="application/json")

    return Starlette(
        routes=[
            Route("/predict", predict, methods=["POST"]),
            Route("/healthz", _healthz, methods=["GET"]),
        ]
    )


def _fastapi(handle: Callable[[PredictBody], dict[str, Any]]) -> FastAPI:
    """A FastAPI app whose /predict validates PredictBody and returns handle(body) as JSON.

    REF_ROUTES picks how the route is written: `async` (default; runs inline on the event loop)
    or `sync` (a `def` route: FastAPI runs it in its thread pool, the usual advice for blocking
    calls). response_model=None: no second validation of the reply, the leanest FastAPI reply.
    """
    app = FastAPI()
    if os.environ.get("REF_ROUTES", "async") == "sync":

        def predict(body: PredictBody) -> dict[str, Any]:
            return handle(body)

    else:

        async def predict(body: PredictBody) -> dict[str, Any]:
            return handle(body)

    app.post("/predict", response_model=None)(predict)
    return _with_healthz(app)


def fastapi_pydantic() -> FastAPI:
    """What FastAPI's validation and encoding cost, without a model."""

    def handle(body: PredictBody) -> dict[str, Any]:
        batch = np.asarray(body.inputs, dtype=np.float32)
        return _reply(body.model, _constant(batch.shape[0]))

    return _fastapi(handle)


def fastapi_ort() -> FastAPI:
    """The straightforward onnxruntime server: one session, one run per request."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(
        os.environ["REF_ONNX"], options, providers=["CPUExecutionProvider"]
    )
    input_name = session.get_inputs()[0].name

    def handle(body: PredictBody) -> dict[str, Any]:
        batch = np.asarray(body.inputs, dtype=np.float32)
        forecast = session.run(None, {input_name: batch})[0]
        return _reply(body.model, forecast.tolist())

    return _fastapi(handle)


def fastapi_torch() -> FastAPI:
    """The straightforward PyTorch server: the net in eval mode, inference_mode per request."""
    import torch

    from workers.training.nets import NetConfig, build_net

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    cfg = NetConfig(
        architecture=os.environ["REF_ARCH"],
        n_features=len(FEATURES),
        n_targets=len(TARGETS),
        input_length=INPUT_LENGTH,
        horizon=HORIZON,
    )
    net = build_net(cfg).eval()

    def handle(body: PredictBody) -> dict[str, Any]:
        batch = np.asarray(body.inputs, dtype=np.float32)
        with torch.inference_mode():
            forecast = net(torch.from_numpy(batch))
        return _reply(body.model, forecast.tolist())

    return _fastapi(handle)


FACTORIES = {
    "floor": floor,
    "fastapi_pydantic": fastapi_pydantic,
    "fastapi_ort": fastapi_ort,
    "fastapi_torch": fastapi_torch,
}
