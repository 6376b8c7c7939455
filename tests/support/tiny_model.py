"""A tiny real ONNX window model, built with onnx's helper API, and a way to put it in an
artifact store the way the workers do (model file, manifest beside it, registry sha256).

The graph follows app.contract: INPUT_NAME float32 [batch, length, n_features] in, OUTPUT_NAME
float32 [batch, horizon, 1] out, where every step of the forecast is the mean over the window of
the first feature (`expected_forecast` computes the same with numpy). With `quantiles`, a
QUANTILES_NAME output [batch, horizon, 1, n_levels] is the forecast plus (level - 0.5).

With covariates (`n_future`, `n_calendar`, `n_static`), the graph also takes FUTURE_INPUT_NAME
[batch, horizon, n_future], CALENDAR_INPUT_NAME [batch, horizon, n_calendar] and
STATIC_INPUT_NAME [batch, n_static], and each forecast step adds that step's sum of the future
and calendar values and the window's sum of static values to the mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

from app.artifacts import ArtifactStore, make_store
from app.config import Settings
from app.contract import (
    CALENDAR_INPUT_NAME,
    FUTURE_INPUT_NAME,
    INPUT_NAME,
    MANIFEST_FILENAME,
    ONNX_FILENAME,
    OUTPUT_NAME,
    QUANTILES_NAME,
    STATIC_INPUT_NAME,
    Manifest,
    model_artifact_key,
    sha256_bytes,
)
from app.serving.sessions import VersionKey

OPSET = 17
IR_VERSION = 8


def window_model(
    n_features: int = 2,
    horizon: int = 3,
    quantiles: Sequence[float] = (),
    *,
    name: str = "tiny",
    n_future: int = 0,
    n_calendar: int = 0,
    n_static: int = 0,
) -> bytes:
    """The serialized ONNX model (dynamic batch and length)."""
    covariates = bool(n_future or n_calendar or n_static)
    nodes = [
        helper.make_node("Gather", [INPUT_NAME, "first"], ["first_feature"], axis=2),
        helper.make_node("ReduceMean", ["first_feature"], ["mean"], axes=[1], keepdims=1),
        helper.make_node("Expand", ["mean", "out_shape"], ["base" if covariates else OUTPUT_NAME]),
    ]
    initializers = [
        helper.make_tensor("first", TensorProto.INT64, [1], [0]),
        helper.make_tensor("out_shape", TensorProto.INT64, [3], [1, horizon, 1]),
    ]
    inputs = [
        helper.make_tensor_value_info(
            INPUT_NAME, TensorProto.FLOAT, ["batch", "length", n_features]
        )
    ]
    if covariates:
        initializers += [
            helper.make_tensor("axis1", TensorProto.INT64, [1], [1]),
            helper.make_tensor("axis2", TensorProto.INT64, [1], [2]),
        ]
        terms = ["base"]
        for input_name, width in ((FUTURE_INPUT_NAME, n_future), (CALENDAR_INPUT_NAME, n_calendar)):
            if width:
                inputs.append(
                    helper.make_tensor_value_info(
                        input_name, TensorProto.FLOAT, ["batch", horizon, width]
                    )
                )
                nodes.append(
                    helper.make_node(
                        "ReduceSum", [input_name, "axis2"], [f"{input_name}_sum"], keepdims=1
                    )
                )
                terms.append(f"{input_name}_sum")
        if n_static:
            inputs.append(
                helper.make_tensor_value_info(
                    STATIC_INPUT_NAME, TensorProto.FLOAT, ["batch", n_static]
                )
            )
            nodes += [
                helper.make_node(
                    "ReduceSum", [STATIC_INPUT_NAME, "axis1"], ["static_sum"], keepdims=1
                ),
                helper.make_node("Unsqueeze", ["static_sum", "axis2"], ["static_term"]),
            ]
            terms.append("static_term")
        total = terms[0]
        for i, term in enumerate(terms[1:]):
            out = OUTPUT_NAME if i == len(terms) - 2 else f"partial{i}"
            nodes.append(helper.make_node("Add", [total, term], [out]))
            total = out
    outputs = [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch", horizon, 1])]
    if quantiles:
        offsets = [float(q) - 0.5 for q in quantiles]
        initializers += [
            helper.make_tensor("last_axis", TensorProto.INT64, [1], [3]),
            helper.make_tensor("offsets", TensorProto.FLOAT, [len(offsets)], offsets),
        ]
        nodes += [
            helper.make_node("Unsqueeze", [OUTPUT_NAME, "last_axis"], ["point4"]),
            helper.make_node("Add", ["point4", "offsets"], [QUANTILES_NAME]),
        ]
        outputs.append(
            helper.make_tensor_value_info(
                QUANTILES_NAME, TensorProto.FLOAT, ["batch", horizon, 1, len(offsets)]
            )
        )
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="seqcast-tests"
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model.SerializeToString()


def expected_forecast(
    inputs: np.ndarray,
    horizon: int,
    future: np.ndarray | None = None,
    calendar: np.ndarray | None = None,
    static: np.ndarray | None = None,
) -> np.ndarray:
    """What `window_model` answers for `inputs` [batch, length, n_features] (and its
    covariates, each with a batch axis), computed by numpy."""
    mean = np.asarray(inputs, np.float32)[:, :, 0].mean(axis=1)
    out = np.broadcast_to(mean[:, None, None], (len(mean), horizon, 1)).astype(np.float32)
    for per_step in (future, calendar):
        if per_step is not None:
            out = out + np.asarray(per_step, np.float32).sum(axis=2, keepdims=True)
    if static is not None:
        out = out + np.asarray(static, np.float32).sum(axis=1)[:, None, None]
    return out


def expected_quantiles(inputs: np.ndarray, horizon: int, quantiles: Sequence[float]) -> np.ndarray:
    offsets = np.asarray([q - 0.5 for q in quantiles], np.float32)
    return expected_forecast(inputs, horizon)[..., None] + offsets


def local_store(data_dir: Path) -> ArtifactStore:
    """The store the app would build for a local data_dir (artifacts under it)."""
    return make_store(Settings(data_dir=data_dir, artifact_root=str(data_dir / "artifacts")))


@dataclass(frozen=True)
class StoredModel:
    key: VersionKey
    manifest: Manifest
    onnx: bytes

    @property
    def uri(self) -> str:
        return self.key.artifact_uri


def store_model(
    store: ArtifactStore,
    *,
    model: str = "tiny",
    job_id: str = "job-1",
    version_id: int = 1,
    version: int = 1,
    feature_columns: Sequence[str] = ("y", "x"),
    input_length: int = 4,
    horizon: int = 3,
    quantiles: Sequence[float] = (),
    future_columns: Sequence[str] = (),
    calendar: Sequence[str] = (),
    static_features: Sequence[str] = (),
    static_values: Mapping[str, Sequence[float]] | None = None,
    frequency: str | None = None,
    series: Mapping[str, str | None] | None = None,
) -> StoredModel:
    """Write the model and its manifest under models/{model}/{job_id}, as workers/runner.py
    does, and return the VersionKey the registry would hand SessionCache.get. The covariates
    (future_columns, calendar, static_features with each series' encoded static_values) make
    the graph take those inputs; frequency and series (id -> last timestamp) date forecasts."""
    data = window_model(
        len(feature_columns),
        horizon,
        quantiles,
        name=model,
        n_future=len(future_columns),
        n_calendar=len(calendar),
        n_static=len(static_features),
    )
    sha = sha256_bytes(data)
    key = model_artifact_key(model, job_id)
    uri = store.put(f"{key}/{ONNX_FILENAME}", data)
    manifest = Manifest(
        architecture="rnn",
        feature_columns=list(feature_columns),
        target_columns=[feature_columns[0]],
        input_length=input_length,
        horizon=horizon,
        opset=OPSET,
        exporter="onnx.helper",
        sha256=sha,
        size_bytes=len(data),
        parity_error=0.0,
        normalization={"mode": "global"},
        quantiles=list(quantiles),
        frequency=frequency,
        series=dict(series or {}),
        future_columns=list(future_columns),
        calendar=list(calendar),
        static_columns=sorted({f.split("=")[0] for f in static_features}),
        static_features=list(static_features),
        static_values={k: [float(v) for v in vs] for k, vs in (static_values or {}).items()},
    )
    store.put(f"{key}/{MANIFEST_FILENAME}", manifest.to_json())
    version_key = VersionKey(
        version_id, uri, sha, f"{model} v{version}", model=model, version=version
    )
    return StoredModel(version_key, manifest, data)
