"""Prediction: resolve the version, check the input against its contract, run onnxruntime."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from app.contract import MAX_LENGTH_FACTOR
from app.errors import InvalidInput
from app.inference.schemas import PredictRequest, PredictResponse
from app.inference.serving.sessions import SessionCache, VersionKey
from app.registry import service as registry
from app.registry.models import ModelVersion


def to_batch(inputs: object, version: ModelVersion) -> np.ndarray:
    """float32 [batch, length, n_features], or a 422 that says what is wrong."""
    try:
        with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused below
            batch = np.asarray(inputs, dtype=np.float32)
    except (ValueError, TypeError):
        raise InvalidInput(
            "inputs",
            "ragged array: every window must have the same length and every step the same "
            "number of features",
        ) from None
    n_features = len(version.feature_columns)
    features = ", ".join(version.feature_columns)
    if batch.size == 0:
        raise InvalidInput("inputs", "empty: give at least one window of at least one step")
    if batch.ndim == 2:
        if n_features != 1:
            raise InvalidInput(
                "inputs",
                f"this model reads {n_features} features per step ({features}): send "
                "[batch][length][n_features]",
            )
        batch = batch[:, :, None]
    if batch.ndim != 3:
        raise InvalidInput("inputs", f"expected [batch][length][n_features], got {batch.ndim}-D")
    if batch.shape[2] != n_features:
        raise InvalidInput(
            "inputs",
            f"expected {n_features} features per step ({features}), got {batch.shape[2]}",
        )
    max_length = MAX_LENGTH_FACTOR * version.input_length
    if batch.shape[1] > max_length:
        raise InvalidInput(
            "inputs",
            f"window length {batch.shape[1]} exceeds {max_length} "
            f"({MAX_LENGTH_FACTOR} × the trained input_length {version.input_length})",
        )
    if not np.isfinite(batch).all():
        raise InvalidInput("inputs", "contains NaN or infinity (or a value beyond float32 range)")
    return batch


def predict(session: Session, cache: SessionCache, request: PredictRequest) -> PredictResponse:
    version = registry.resolve(session, request.model, version=request.version, alias=request.alias)
    batch = to_batch(request.inputs, version)
    loaded = cache.get(VersionKey(version.id, version.artifact_uri, version.sha256))
    forecast = loaded.run(batch)
    return PredictResponse(
        model=request.model,
        version=version.version,
        predictions=forecast.tolist(),
        target_columns=version.target_columns,
    )
