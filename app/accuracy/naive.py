"""The seasonal-naive forecast: one definition for the gateway (stored forecasts from /predict)
and the worker (validation metrics, backtests, whole-dataset forecasts). Numpy only, so the API
process can import it without torch or `workers/`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def seasonal_naive(
    targets_series: np.ndarray, origins: Sequence[int] | np.ndarray, horizon: int, season: int
) -> np.ndarray:
    """Repeat the last observed season: row t + h is forecast as targets[t - season + h % season].

    Returns [n_origins, horizon, n_targets]; season 1 is the plain naive (last value) forecast.
    """
    targets = np.asarray(targets_series)
    if targets.ndim == 1:
        targets = targets[:, None]
    index = np.asarray(origins, dtype=np.int64)[:, None] - season + np.arange(horizon) % season
    if index.size and index.min() < 0:
        raise ValueError(f"season {season} reaches before the first row for origin {index.min()}")
    return targets[index]


def window_naive(window: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """[horizon, n_targets]: the seasonal-naive forecast made from one input window's target
    columns ([length, n_targets]) at its end, the season capped to the window's length (as
    training caps it to what a series' history allows)."""
    length = len(window)
    return seasonal_naive(window, [length], horizon, max(1, min(season, length)))[0]
