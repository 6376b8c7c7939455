"""What serving needs from a version's manifest beyond its tensor shapes (quantile levels, the
time step of its data, its series, its covariates), and how a version's outputs travel through
the batcher.

The batcher returns one output array per batch and splits it along the batch axis. A version with
quantiles therefore packs its two outputs, forecast [B, H, T] and quantiles [B, H, T, Q], into
one [B, H, T, 1 + Q] array on the executor, and the transports unpack it; a point-forecast
version's array passes through untouched, so that path costs nothing extra.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from app.contract import INPUT_NAME, Manifest, output_names


class Forecast(NamedTuple):
    """One request's outputs (a tuple: built on every request, it must be cheap)."""

    point: np.ndarray
    """[batch, horizon, n_targets]: the point forecast (the median when there are quantiles)."""
    quantiles: np.ndarray | None = None
    """[batch, horizon, n_targets, n_levels], or None for a point-forecast version."""


@dataclass(frozen=True)
class VersionInfo:
    quantiles: tuple[float, ...] = ()
    """Levels of the QUANTILES_NAME output, ascending; empty: the graph has no such output."""
    frequency: str | None = None
    """The training data's time step (app.datasets.calendar); None: trained without timestamps."""
    series: Mapping[str, str | None] = field(default_factory=dict)
    """Series id -> its last training timestamp; empty for a single unnamed series."""
    future_columns: tuple[str, ...] = ()
    """Known-future covariates: the graph's FUTURE_INPUT_NAME input, [batch, horizon, n]."""
    calendar: tuple[str, ...] = ()
    """Calendar features of the forecast's timestamps: CALENDAR_INPUT_NAME, [batch, horizon, n]."""
    static_features: tuple[str, ...] = ()
    """Encoded static covariates: STATIC_INPUT_NAME, [batch, n]."""
    static_values: Mapping[str, np.ndarray] = field(default_factory=dict)
    """Series id -> its encoded static vector (float32 [n_static]), looked up by series_id."""
    extra_inputs: tuple[str, ...] = ()
    """The graph's inputs after the window (app.contract.input_names): empty for a version
    without covariates, whose requests stay one array all the way to onnxruntime."""

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> VersionInfo:
        n_static = len(manifest.static_features)
        return cls(
            quantiles=tuple(float(q) for q in manifest.quantiles),
            frequency=manifest.frequency,
            series=dict(manifest.series or {}),
            future_columns=tuple(manifest.future_columns),
            calendar=tuple(manifest.calendar),
            static_features=tuple(manifest.static_features),
            static_values={
                series: np.asarray(values, np.float32).reshape(n_static)
                for series, values in (manifest.static_values or {}).items()
            },
            extra_inputs=tuple(n for n in manifest.input_names if n != INPUT_NAME),
        )

    @property
    def output_names(self) -> list[str]:
        """The graph outputs to run, in packing order."""
        return output_names(bool(self.quantiles))

    @property
    def named_series(self) -> list[str]:
        """The ids a request may name ("" stands for an unnamed single series)."""
        return [s for s in self.series if s]

    @staticmethod
    def pack(outputs: list[np.ndarray]) -> np.ndarray:
        """onnxruntime's outputs (in `output_names` order) -> one array split-able by rows."""
        if len(outputs) == 1:
            return outputs[0]
        point, quantiles = outputs
        return np.concatenate([point[..., None], quantiles], axis=-1)

    def unpack(self, packed: np.ndarray) -> Forecast:
        """The inverse of `pack`, for one request's rows; contiguous, as orjson needs."""
        if not self.quantiles:
            return Forecast(packed)
        return Forecast(np.ascontiguousarray(packed[..., 0]), np.ascontiguousarray(packed[..., 1:]))
