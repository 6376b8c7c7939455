"""Forecast metrics, the seasonal-naive baseline, and a trained model's validation report.

A trained model is judged against the baseline on the same validation windows: a model that
cannot beat "repeat last season" is not worth serving, and MASE makes that comparison unitless.
Each series is scaled by its own in-sample seasonal-naive error and gets its own baseline from
its own history, so a dataset of many series compares like with like. The formulas are numpy;
only `evaluate` runs a network.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from app.accuracy.naive import seasonal_naive

if TYPE_CHECKING:
    from workers.training.data import TrainingData
    from workers.training.nets import Forecaster

ACF_THRESHOLD = 0.3
ACF_PROMINENCE = 0.1
SCALE_FLOOR = 1e-8
RELATIVE_SCALE_FLOOR = 1e-6
"""A MASE scale below this share of the target's magnitude is rounding: the ONNX graph computes
in float32, whose relative precision is ~1e-7, so errors that small say nothing."""
NO_MASE_REASON = (
    "no MASE: every target is constant over its in-sample rows (seasonal-naive and one-step "
    "naive errors are 0), so no error can be scaled by them"
)


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


def mase_scale(train_targets: np.ndarray, season: int) -> np.ndarray:
    """Per-target MASE scale of the training rows (see mase_scale_basis); NaN where none."""
    return mase_scale_basis(train_targets, season)[0]


def mase_scale_basis(train_targets: np.ndarray, season: int) -> tuple[np.ndarray, list[str]]:
    """Per-target in-sample MAE of the seasonal-naive forecast over the training rows, and which
    forecast gave it: "seasonal_naive", "naive" (one step) or "none".

    A scale at or below RELATIVE_SCALE_FLOOR times the target's largest magnitude is rounding, not
    error: a noiseless periodic series repeats its season exactly, and dividing by that ~0 gave
    MASE 1e7. Such a target falls back to the one-step naive MAE; when that is ~0 too (a constant
    target) it has no scale, NaN, and its MASE is left out (null when no target has a scale).
    Season 1 is used when the training part is shorter than a season; a single row gives 1.0.
    """
    y = np.asarray(train_targets, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if len(y) <= season:
        season = 1
    if len(y) <= season:
        return np.ones(y.shape[1]), ["naive"] * y.shape[1]
    floor = np.maximum(RELATIVE_SCALE_FLOOR * np.abs(y).max(axis=0), SCALE_FLOOR)
    seasonal = np.abs(y[season:] - y[:-season]).mean(axis=0)
    naive = np.abs(y[1:] - y[:-1]).mean(axis=0)
    scale = np.where(seasonal > floor, seasonal, np.where(naive > floor, naive, np.nan))
    first = "seasonal_naive" if season > 1 else "naive"
    basis = [
        first if s > f else "naive" if n > f else "none"
        for s, n, f in zip(seasonal, naive, floor, strict=True)
    ]
    return scale, basis


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


def pinball(diff: Any, levels: Any) -> Any:
    """Pinball (quantile) loss of `diff` = actual - quantile forecast at `levels` (broadcast on
    the last axis), elementwise: level * diff above the forecast, (level - 1) * diff below. The
    same expression serves numpy arrays and torch tensors (the training loss)."""
    return 0.5 * abs(diff) + (levels - 0.5) * diff


def scaled_metrics(
    pred: np.ndarray, actual: np.ndarray, window_scale: np.ndarray
) -> dict[str, float | str | None]:
    """forecast_metrics where every window has its own MASE scale ([n, 1, n_targets]): MAE, RMSE
    and sMAPE in raw units over all windows, MASE over the windows' scaled errors.

    Windows whose scale is NaN (a constant target, see mase_scale_basis) are left out of MASE;
    when no window has a scale, MASE is None and `mase_reason` says why."""
    result: dict[str, float | str | None] = dict(
        forecast_metrics(pred, actual, np.ones(pred.shape[-1]))
    )
    scale = np.broadcast_to(np.asarray(window_scale, dtype=np.float64), np.shape(pred))
    has_scale = np.isfinite(scale)
    error = np.abs(np.asarray(pred, dtype=np.float64) - np.asarray(actual, dtype=np.float64))
    scaled = np.divide(error, scale, out=np.zeros_like(error), where=has_scale)
    counts = has_scale.sum(axis=(0, 1))
    if not counts.any():
        result["mase"] = None
        result["mase_reason"] = NO_MASE_REASON
        return result
    per_target = scaled.sum(axis=(0, 1))[counts > 0] / counts[counts > 0]
    result["mase"] = float(per_target.mean())
    return result


def beats(model: dict, baseline: dict) -> bool:
    """The model's MASE is below the baseline's; by MAE where there is no MASE (constant targets,
    where both share one scale anyway)."""
    if model["mase"] is None or baseline["mase"] is None:
        return model["mae"] < baseline["mae"]
    return model["mase"] < baseline["mase"]


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def dataset_season(data: TrainingData, season_length: int | None) -> int:
    """The given season, or the one detected most often over the series' training parts (the
    shortest wins a tie): one season for the whole dataset, as its metrics report one."""
    if season_length is not None:
        return season_length
    max_lag = data.x_val.shape[1]
    found = Counter(
        detect_season(data.series_targets(i)[: s.plan.cut, 0], max_lag=max_lag)
        for i, s in enumerate(data.segments)
        if s.plan.cut > 0
    )
    return min(found, key=lambda season: (-found[season], season)) if found else 1


def _quantile_report(
    quantiles: np.ndarray, actual: np.ndarray, levels: list[float]
) -> dict[str, Any]:
    """Per level, the share of actual values at or below the forecast quantile (ideally the
    level itself), and the mean pinball loss over all levels in raw units."""
    below = actual[..., None] <= quantiles
    return {
        "levels": list(levels),
        "coverage": below.reshape(-1, len(levels)).mean(axis=0).tolist(),
        "mean_pinball_loss": float(
            pinball(actual[..., None] - quantiles, np.asarray(levels)).mean()
        ),
    }


def evaluate(net: Forecaster, data: TrainingData, season_length: int | None) -> dict:
    """Validation metrics of `net` next to the seasonal-naive baseline's, in raw units.

    The baseline of a window repeats the last season of its own series (season_length, or the
    detected one, capped to what the series' training part allows); MASE scales each window by
    its series' in-sample seasonal-naive MAE. Adds quantile coverage and pinball loss when the
    net has a quantile head, and per-series counts and MASE.
    """
    import torch

    net.eval()
    with torch.no_grad():
        outputs = [net(x, **covariates) for x, covariates in data.val_batches(1024)]
    if isinstance(outputs[0], tuple):
        predicted = torch.cat([o[0] for o in outputs]).cpu().numpy().astype(np.float64)
        quantiles = torch.cat([o[1] for o in outputs]).cpu().numpy().astype(np.float64)
    else:
        predicted, quantiles = torch.cat(outputs).cpu().numpy().astype(np.float64), None
    actual = data.y_val.cpu().numpy().astype(np.float64)
    horizon = actual.shape[1]

    season = dataset_season(data, season_length)
    naive = np.empty_like(actual)
    series_scale = np.ones((len(data.segments), actual.shape[-1]))
    scale_basis: Counter[str] = Counter()
    for index, segment in enumerate(data.segments):
        cut = segment.plan.cut
        own = max(1, min(season, cut - 1))
        targets = data.series_targets(index)
        series_scale[index], basis = mase_scale_basis(targets[:cut], own)
        scale_basis.update(basis)
        windows = np.flatnonzero(data.val_series == index)
        if len(windows):
            origins = data.val_origins[windows] - segment.start
            naive[windows] = seasonal_naive(targets, origins, horizon, own)
    window_scale = series_scale[data.val_series][:, None, :]
    model_metrics = scaled_metrics(predicted, actual, window_scale)
    naive_metrics = scaled_metrics(naive, actual, window_scale)

    counts = np.bincount(data.val_series, minlength=len(data.segments))

    def per_series_mase(pred: np.ndarray) -> np.ndarray:
        """Over the targets with a scale (NaN for a series with none: every target constant)."""
        scaled = np.abs(pred - actual) / window_scale
        has_scale = np.isfinite(scaled)
        per_window = np.where(has_scale, scaled, 0.0).sum(axis=(1, 2))
        per_window /= np.maximum(has_scale.sum(axis=(1, 2)), 1)
        per_window[~has_scale.any(axis=(1, 2))] = np.nan
        return np.bincount(data.val_series, per_window, len(data.segments)) / np.maximum(counts, 1)

    model_mase, naive_mase = per_series_mase(predicted), per_series_mase(naive)
    report = {
        "model": model_metrics,
        "seasonal_naive": naive_metrics,
        "season_length": season,
        "beats_seasonal_naive": beats(model_metrics, naive_metrics),
        "mase_scale": dict(scale_basis),
        "validation_windows": len(actual),
        "series_count": len(data.segments),
        "series": {
            segment.series_id: {
                "validation_windows": int(counts[i]),
                "mase": _finite_or_none(model_mase[i]),
                "seasonal_naive_mase": _finite_or_none(naive_mase[i]),
            }
            for i, segment in enumerate(data.segments)
            if counts[i]
        },
    }
    if quantiles is not None:
        report["quantiles"] = _quantile_report(quantiles, actual, net.quantiles)
    return report
