"""Forecast metrics and the seasonal-naive baseline (numpy only).

A trained model is judged against the baseline on the same validation windows: a model that
cannot beat "repeat last season" is not worth serving, and MASE makes that comparison unitless.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ACF_THRESHOLD = 0.3
ACF_PROMINENCE = 0.1
SCALE_FLOOR = 1e-8


def _autocorrelation(y: np.ndarray, max_lag: int) -> np.ndarray:
    """Biased sample autocorrelation at lags 0..max_lag via FFT (O(n log n) for any max_lag)."""
    centred = y - y.mean()
    size = 1 << (2 * len(y) - 1).bit_length()
    spectrum = np.fft.rfft(centred, size)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size)[: max_lag + 1]
    return acov / acov[0]


def detect_season(y: np.ndarray, max_lag: int) -> int:
    """Season length of `y` (the training part), or 1 when there is no clear season.

    A lag counts when its autocorrelation is a local maximum above ACF_THRESHOLD that rises at
    least ACF_PROMINENCE above the trough before it; a linear trend is removed first, so a trend's
    slowly decaying autocorrelation does not pass for a season. The strongest such lag wins; the
    biased estimator shrinks longer lags, which favours the fundamental period over its multiples.
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    n = len(y)
    max_lag = min(max_lag, n // 2)
    if max_lag < 2:
        return 1
    t = np.arange(n, dtype=np.float64)
    y = y - np.polyval(np.polyfit(t, y, 1), t)
    if np.var(y) < SCALE_FLOOR**2:
        return 1
    acf = _autocorrelation(y, max_lag + 1)  # one extra lag to judge whether max_lag is a peak
    lags = np.arange(2, max_lag + 1)
    value = acf[lags]
    trough = np.minimum.accumulate(acf[1:max_lag])  # trough[i] = min(acf[1 : i + 2])
    candidate = (
        (value >= acf[lags - 1])
        & (value >= acf[lags + 1])
        & (value - trough >= ACF_PROMINENCE)
        & (value > ACF_THRESHOLD)
    )
    if not candidate.any():
        return 1
    return int(lags[np.argmax(np.where(candidate, value, -np.inf))])


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


def mase_scale(train_targets: np.ndarray, season: int) -> np.ndarray:
    """Per-target in-sample MAE of the seasonal-naive forecast over the training rows.

    Falls back to season 1 when the training part is shorter than a season, and to 1.0 when it
    has a single row; floored at SCALE_FLOOR so a constant target does not divide by zero.
    """
    y = np.asarray(train_targets, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if len(y) <= season:
        season = 1
    if len(y) <= season:
        return np.ones(y.shape[1])
    scale = np.abs(y[season:] - y[:-season]).mean(axis=0)
    return np.maximum(scale, SCALE_FLOOR)


def forecast_metrics(pred: np.ndarray, actual: np.ndarray, scale: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, sMAPE (percent, 0..200) and MASE of forecasts [n, horizon, n_targets].

    sMAPE terms where forecast and actual are both 0 count as 0 (a perfect forecast). MASE is the
    mean over targets of each target's MAE divided by its `scale` (see mase_scale).
    """
    pred = np.asarray(pred, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    if pred.shape != actual.shape:
        raise ValueError(f"pred shape {pred.shape} != actual shape {actual.shape}")
    error = np.abs(pred - actual)
    denom = np.abs(pred) + np.abs(actual)
    smape = np.divide(200.0 * error, denom, out=np.zeros_like(error), where=denom > 0)
    per_target_mae = error.reshape(-1, pred.shape[-1]).mean(axis=0)
    return {
        "mae": float(error.mean()),
        "rmse": float(np.sqrt(np.mean(error**2))),
        "smape": float(smape.mean()),
        "mase": float(np.mean(per_target_mae / np.asarray(scale, dtype=np.float64))),
    }
