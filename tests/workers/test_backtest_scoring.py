"""workers.backtest.rolling_origin on hand-made tables with a stand-in predict: no database,
no worker, no ONNX file."""

from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort
import pytest

from app.backtests.plan import FoldPlan
from app.backtests.schemas import BacktestSummary, FoldRead
from app.contract import (
    CALENDAR_INPUT_NAME,
    FUTURE_INPUT_NAME,
    INPUT_NAME,
    STATIC_INPUT_NAME,
    Manifest,
)
from app.covariates import calendar_values
from app.datasets.storage import SeriesTable
from tests.support.tiny_model import expected_forecast, window_model
from workers.backtest import covariate_windows, graph_predictor, rolling_origin

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


def persistence(inputs: dict[str, np.ndarray]) -> np.ndarray:
    return np.repeat(inputs[INPUT_NAME][:, -1:, :1], HORIZON, axis=1)


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
        SeriesTable(["y"], np.full((40, 1), 3.0)),
        season=4,
        predict=lambda inputs: persistence(inputs) + 1,
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


def covariate_table() -> tuple[SeriesTable, list[str]]:
    """Two daily series of 30 rows: y, and a promotion flag known in advance."""
    days = [f"2024-03-{d:02d}" for d in range(1, 31)]
    rng = np.random.default_rng(7)
    y = rng.normal(10, 1, 60)
    promo = (np.arange(60) % 5 == 0).astype(float)
    table = SeriesTable(
        ["y", "promo"], np.column_stack([y, promo]), days + days, [("a", 30), ("b", 30)]
    )
    return table, days


COVARIATES = {
    "future_columns": ["promo"],
    "calendar": ["day_of_week", "day_of_month"],
    "static_columns": ["size"],
    "static_features": ["size"],
    "static_values": {"a": [1.0], "b": [3.0]},
}


def test_covariate_windows_take_the_datasets_actual_values_over_each_horizon():
    table, days = covariate_table()
    found = covariate_windows(table, manifest(**COVARIATES), "b", slice(30, 60), [10, 20])
    assert set(found) == {FUTURE_INPUT_NAME, CALENDAR_INPUT_NAME, STATIC_INPUT_NAME}
    np.testing.assert_array_equal(found[FUTURE_INPUT_NAME][1][:, 0], table.values[50:53, 1])
    np.testing.assert_array_equal(
        found[CALENDAR_INPUT_NAME][0], calendar_values(days[10:13], COVARIATES["calendar"])
    )
    np.testing.assert_array_equal(found[STATIC_INPUT_NAME][0], [3.0])
    assert covariate_windows(table, manifest(), "a", slice(0, 30), [10]) == {}
    with pytest.raises(ValueError, match="no static values for series 'c'"):
        covariate_windows(table, manifest(**COVARIATES), "c", slice(0, 30), [10])


def test_a_covariate_graph_is_backtested_on_the_actual_future_calendar_and_static_values():
    table, days = covariate_table()
    graph = window_model(n_features=1, horizon=HORIZON, n_future=1, n_calendar=2, n_static=1)
    session = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
    found = manifest(**COVARIATES)
    assert [i.name for i in session.get_inputs()] == found.input_names
    plan = FoldPlan(folds=3, stride=HORIZON, horizon=HORIZON, input_length=INPUT, season=5)
    folds, summary = rolling_origin(table, found, plan, 0.25, graph_predictor(session, found))

    for fold in folds:
        errors = []
        for series_id, start in (("a", 0), ("b", 30)):
            t = fold["origins"][series_id]
            rows = slice(start + t, start + t + HORIZON)
            forecast = expected_forecast(
                table.values[None, start + t - INPUT : start + t, :1],
                HORIZON,
                future=table.values[None, rows, 1:],
                calendar=calendar_values(days[t : t + HORIZON], COVARIATES["calendar"])[None],
                static=np.array([COVARIATES["static_values"][series_id]]),
            )
            errors.append(np.abs(forecast[0, :, 0] - table.values[rows, 0]))
        assert fold["model"]["mae"] == pytest.approx(np.mean(errors), rel=1e-5)
    assert summary["series"] == 2 and summary["model"]["mase"] is not None


def test_a_graph_input_without_values_fails_the_backtest_naming_it():
    table, _ = covariate_table()
    graph = window_model(n_features=1, horizon=HORIZON, n_future=1)
    session = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
    plan = FoldPlan(folds=2, stride=HORIZON, horizon=HORIZON, input_length=INPUT, season=1)
    with pytest.raises(ValueError, match=r"the graph takes \['future'\]"):
        rolling_origin(table, manifest(), plan, 0.25, graph_predictor(session, manifest()))
