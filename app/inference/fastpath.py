"""The /predict request path without per-element pydantic validation.

The body goes from bytes to a float32 numpy array in one orjson parse and one `np.asarray`;
shape, size and finiteness are checked with numpy; the reply is serialized from numpy by orjson.
Errors keep the 422 shape of the rest of the API and name the field. The reply carries the
quantiles when the version has them and forecast timestamps when the request can be dated
(app.inference.series); both keys are always present, null otherwise. The OpenAPI document still
describes the request and response with the pydantic models in app.inference.schemas.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from app.contract import MAX_LENGTH_FACTOR
from app.errors import InvalidInput
from app.inference.series import check_per_window, forecast_timestamps
from app.inference.serving.resolver import Resolved
from app.inference.serving.version_info import Forecast, VersionInfo

if TYPE_CHECKING:
    from app.inference.dataplane import DataPlane
from app.names import MAX_VERSION, NAME_PATTERN, NAME_RULE

FIELDS = {"model", "version", "alias", "inputs", "series_id", "last_timestamp"}


@dataclass(slots=True)
class PredictCall:
    """One parsed request (not frozen: a frozen init costs a setattr per field, per request)."""

    model: str
    version: int | None
    alias: str | None
    inputs: Any
    series_id: str | list[str] | None = None
    last_timestamp: str | list[str] | None = None


def parse_json(body: bytes) -> Any:
    """orjson first; on failure the standard library, which reads the NaN/Infinity tokens that
    many clients write, so the caller can say "NaN" instead of "invalid JSON"."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput((), f"the body is not valid JSON: {exc}") from None


def parse_predict(body: bytes) -> PredictCall:
    doc = parse_json(body)
    if not isinstance(doc, dict):
        raise InvalidInput((), "the body must be a JSON object")
    for name in doc.keys() - FIELDS:
        raise InvalidInput(
            name,
            "unknown field; expected model, version, alias, inputs, series_id and last_timestamp",
        )
    model = doc.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidInput("model", "required: the model name, a non-empty string")
    if not re.fullmatch(NAME_PATTERN, model):
        raise InvalidInput("model", f"{model!r} is not a valid model name ({NAME_RULE})")
    version = doc.get("version")
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION
    ):
        raise InvalidInput("version", f"must be a positive integer, got {version!r}")
    alias = doc.get("alias")
    if alias is not None and (not isinstance(alias, str) or not re.fullmatch(NAME_PATTERN, alias)):
        raise InvalidInput("alias", f"must be an alias name ({NAME_RULE}), got {alias!r}")
    if version is not None and alias is not None:
        raise InvalidInput("alias", "give version or alias, not both")
    if "inputs" not in doc:
        raise InvalidInput("inputs", "required: [batch][length][n_features] numbers")
    series_id = last_timestamp = None
    if "series_id" in doc or "last_timestamp" in doc:
        series_id = check_per_window(doc.get("series_id"), "series_id")
        last_timestamp = check_per_window(doc.get("last_timestamp"), "last_timestamp")
    return PredictCall(model, version, alias, doc["inputs"], series_id, last_timestamp)


def to_array(inputs: Any) -> np.ndarray:
    if not isinstance(inputs, list):
        raise InvalidInput("inputs", "must be an array: [batch][length][n_features] numbers")
    try:
        with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused by check_batch
            return np.asarray(inputs, dtype=np.float32)
    except (ValueError, TypeError) as exc:
        if "could not convert" in str(exc) or isinstance(exc, TypeError):
            raise InvalidInput("inputs", "must contain only numbers") from None
        raise InvalidInput(
            "inputs",
            "must be a rectangular array of numbers: every window the same length, every step "
            "the same number of features (ragged or non-numeric input)",
        ) from None


def check_batch(
    batch: np.ndarray, model: Resolved, max_windows: int, field: str = "inputs"
) -> np.ndarray:
    """float32 [batch, length, n_features] that this version can serve, or a 422 saying why."""
    n_features = len(model.feature_columns)
    features = ", ".join(model.feature_columns)
    if batch.size == 0:
        raise InvalidInput(field, "empty: give at least one window of at least one step")
    if batch.ndim == 2:
        if n_features != 1:
            raise InvalidInput(
                field,
                f"this model reads {n_features} features per step ({features}): send "
                "[batch][length][n_features]",
            )
        batch = batch[:, :, None]
    if batch.ndim != 3:
        raise InvalidInput(field, f"expected [batch][length][n_features], got {batch.ndim}-D")
    if batch.shape[0] > max_windows:
        raise InvalidInput(
            field, f"{batch.shape[0]} windows exceed the limit of {max_windows} per request"
        )
    if batch.shape[2] != n_features:
        raise InvalidInput(
            field, f"expected {n_features} features per step ({features}), got {batch.shape[2]}"
        )
    max_length = MAX_LENGTH_FACTOR * model.input_length
    if batch.shape[1] > max_length:
        raise InvalidInput(
            field,
            f"window length {batch.shape[1]} exceeds {max_length} "
            f"({MAX_LENGTH_FACTOR} × the trained input_length {model.input_length})",
        )
    if not np.isfinite(batch).all():
        raise InvalidInput(
            field, "contains NaN, infinity or null (or a value beyond float32 range)"
        )
    return np.ascontiguousarray(batch, dtype=np.float32)


def render_predictions(
    model: Resolved,
    info: VersionInfo,
    forecast: Forecast,
    timestamps: list[list[str]] | None = None,
) -> bytes:
    quantiles = forecast.quantiles
    return orjson.dumps(
        {
            "model": model.model,
            "version": model.version,
            "predictions": forecast.point,
            "target_columns": model.target_columns,
            "quantiles": None
            if quantiles is None
            else {"levels": info.quantiles, "values": quantiles},
            "timestamps": timestamps,
        },
        option=orjson.OPT_SERIALIZE_NUMPY,
    )


async def serve_predict(plane: DataPlane, body: bytes) -> bytes:
    """The whole of /predict after authentication: bytes in, JSON bytes out (or a domain error).
    Every check runs before the batch is queued, so a refused request costs no model run."""
    call = parse_predict(body)
    resolved = await plane.resolve(call.model, call.version, call.alias)
    batch = check_batch(to_array(call.inputs), resolved, plane.max_windows)
    served = await plane.load(resolved)
    timestamps = None
    if call.series_id is not None or call.last_timestamp is not None:
        timestamps = forecast_timestamps(
            call.series_id,
            call.last_timestamp,
            served.info,
            len(batch),
            resolved.horizon,
            served.key.label,
        )
    forecast = await plane.infer(served, batch)
    return render_predictions(resolved, served.info, forecast, timestamps)
