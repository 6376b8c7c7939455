"""Checks of request arrays against a version's contract (window length, features, finiteness),
shared by every transport: a refused request costs no model run."""

from __future__ import annotations

import numpy as np

from app.contract import MAX_LENGTH_FACTOR
from app.errors import InvalidInput
from app.serving.resolver import Resolved

MAX_ROWS_PER_CALL = 10_000
"""Observations in one stream create or observe call."""

Field = str | tuple[str | int, ...]

NOT_FINITE = "contains NaN, infinity or null (or a value beyond float32 range)"


def check_batch(batch: np.ndarray, model: Resolved, max_windows: int, field: Field) -> np.ndarray:
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
        raise InvalidInput(field, NOT_FINITE)
    return np.ascontiguousarray(batch, dtype=np.float32)


def check_rows(rows: np.ndarray, n_features: int, field: Field) -> np.ndarray:
    """float32 [rows, n_features] of stream observations (`[...]` when the model reads one
    feature), or a 422 naming the field."""
    if not rows.size:
        raise InvalidInput(field, "empty: give at least one observation")
    if rows.ndim == 1 and n_features == 1:
        rows = rows[:, None]
    if rows.ndim != 2 or rows.shape[1] != n_features:
        got = f"{rows.shape[1]} per row" if rows.ndim == 2 else f"a {rows.ndim}-D array"
        raise InvalidInput(
            field, f"expected [rows][{n_features}]: {n_features} features per row, got {got}"
        )
    if len(rows) > MAX_ROWS_PER_CALL:
        raise InvalidInput(
            field, f"{len(rows)} observations exceed the limit of {MAX_ROWS_PER_CALL} per call"
        )
    if not np.isfinite(rows).all():
        raise InvalidInput(field, "contains NaN, infinity or a value beyond float32 range")
    return np.ascontiguousarray(rows, dtype=np.float32)


def as_array(values: object, field: Field, shape: str) -> np.ndarray:
    """float32 array of a request's nested lists of numbers (already type-checked by the codec),
    or a 422 when they are ragged; `shape` says what was expected, e.g. "[rows][n_features]"."""
    try:
        with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused by the checks
            return np.asarray(values, dtype=np.float32)
    except (ValueError, TypeError):
        raise InvalidInput(
            field,
            f"must be a rectangular array of numbers, {shape}: every row the same length "
            "(ragged or non-numeric input)",
        ) from None
