"""workers.backtest.rolling_origin on hand-made tables with a stand-in predict: no database,
no worker, no ONNX file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.backtests.plan import FoldPlan
from app.backtests.schemas import BacktestSummary, FoldRead
from app.contract import Manifest
from app.datasets.storage import SeriesTable
from workers.backtest import rolling_origin

HORIZON, INPUT = 3, 8


def manifest(**extra) -> Manifest:
    return Manifest(
        architecture="lstm",
        feature_columns=["y"],
        target_columns=["y"],
        input_length=INPUT,
        horizon=HORIZON,
        opset=17,
        exporter="test",
        sha256="0" * 64,
        size_bytes=0,
        parity_error=0.0,
        **extra,
    )


def persistence(windows: np.ndarray) -> np.ndarray:
    return np.repeat(windows[:, -1:, :1], HORIZON, axis=1)


def score(table: SeriesTable, season: int, predict=persistence):
    plan = FoldPlan(folds=3, stride=HORIZON, horizon=HORIZON, input_length=INPUT, season=season)
    return rolling_origin(table, manifest(), plan, 0.25, predict)


def test_a_noiseless_periodic_series_is_scaled_by_the_one_step_naive_error():
    t = np.arange(60)
    y = 5 + 2 * np.sin(2 * np.pi * t / 4)
    folds, summary = score(SeriesTable(["y"], y[:, None]), season=4)
    assert summary["mase_scale"] == {"naive": 3}
    assert summary["model"]["mase"] < 10  # a 1e-8 floor made this ~1e8
    assert not summary["beats_seasonal_naive"]
    json.dumps([folds, summary], allow_nan=False)
    BacktestSummary.model_validate({**summary, "seconds": 0.0})


def test_a_constant_series_reports_null_mase_with_a_reason_and_compares_by_mae():
    folds, summary = score(SeriesTable(["y"], np.full((40, 1), 3.0)), season=4)
    for part in [summary, *folds]:
        assert part["model"]["mase"] is None and part["seasonal_naive"]["mase"] is None
        assert "constant" in part["model"]["mase_reason"]
    assert summary["mase_scale"] == {"none": 3}
    json.dumps([folds, summary], allow_nan=False)
    read = BacktestSummary.model_validate({**summary, "seconds": 0.0})
    assert read.model.mase is None and read.model.mase_reason
    FoldRead.model_validate(folds[0])

    # A model off by one loses to the (exact) baseline by MAE.
    _, summary = score(
        SeriesTable(["y"], np.full((40, 1), 3.0)), season=4, predict=lambda w: persistence(w) + 1
    )
    assert summary["model"]["mae"] == pytest.approx(1.0) and not summary["beats_seasonal_naive"]


def test_a_normal_series_keeps_the_seasonal_naive_scale():
    rng = np.random.default_rng(5)
    t = np.arange(60)
    y = np.sin(2 * np.pi * t / 4) + 0.3 * rng.standard_normal(60)
    folds, summary = score(SeriesTable(["y"], y[:, None]), season=4)
    assert summary["mase_scale"] == {"seasonal_naive": 3}
    origin = folds[0]["origins"][""]
    scale = np.abs(y[4:origin] - y[: origin - 4]).mean()
    mae = np.abs(y[origin - 1] - y[origin : origin + HORIZON]).mean()
    assert folds[0]["model"]["mase"] == pytest.approx(mae / scale)
