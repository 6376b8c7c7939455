"""Metrics, the seasonal-naive baseline, season detection and the validation report, on
hand-computed arrays."""

import json
import math
from typing import ClassVar

import numpy as np
import pytest
import torch

from app.contract import segment_plans, split_plan
from workers.training.data import prepare
from workers.training.metrics import (
    detect_season,
    evaluate,
    forecast_metrics,
    mase_scale,
    mase_scale_basis,
    pinball,
    scaled_metrics,
    seasonal_naive,
)


def test_forecast_metrics_by_hand():
    pred = np.array([[[1.0], [2.0]]])  # [n=1, horizon=2, targets=1]
    actual = np.array([[[2.0], [2.0]]])
    m = forecast_metrics(pred, actual, scale=np.array([0.5]))
    assert m["mae"] == pytest.approx(0.5)
    assert m["rmse"] == pytest.approx(math.sqrt(0.5))
    assert m["smape"] == pytest.approx((200 * 1 / 3 + 0) / 2)
    assert m["mase"] == pytest.approx(1.0)
    assert all(isinstance(v, float) for v in m.values())


def test_smape_is_zero_where_both_are_zero_and_200_at_most():
    pred = np.array([[[0.0], [1.0]]])
    actual = np.array([[[0.0], [-1.0]]])
    assert forecast_metrics(pred, actual, np.ones(1))["smape"] == pytest.approx(100.0)
    assert forecast_metrics(pred[:, 1:], actual[:, 1:], np.ones(1))["smape"] == pytest.approx(200)


def test_mase_averages_per_target_ratios():
    pred = np.zeros((2, 1, 2))
    actual = np.array([[[1.0, 10.0]], [[3.0, 30.0]]])  # per-target MAE 2 and 20
    m = forecast_metrics(pred, actual, scale=np.array([1.0, 40.0]))
    assert m["mase"] == pytest.approx((2 / 1 + 20 / 40) / 2)
    assert m["mae"] == pytest.approx(11.0)


def test_mase_scale_by_hand():
    y = np.array([1.0, 3.0, 2.0, 6.0])
    np.testing.assert_allclose(mase_scale(y, 1), [7 / 3])
    np.testing.assert_allclose(mase_scale(y[:, None], 2), [2.0])
    assert np.isnan(mase_scale(np.full((5, 1), 4.0), 1)).all()  # constant: no scale
    np.testing.assert_allclose(mase_scale(y, 10), [7 / 3])  # shorter than a season: lag 1


def test_seasonal_naive_repeats_the_last_season():
    targets = np.stack([np.arange(10.0), 100 + np.arange(10.0)], axis=1)
    fc = seasonal_naive(targets, [5, 6], horizon=3, season=2)
    assert fc.shape == (2, 3, 2)
    np.testing.assert_array_equal(fc[:, :, 0], [[3, 4, 3], [4, 5, 4]])
    np.testing.assert_array_equal(fc[:, :, 1], [[103, 104, 103], [104, 105, 104]])
    np.testing.assert_array_equal(seasonal_naive(targets, np.array([5]), 3, 1)[0, :, 0], [4, 4, 4])


def test_seasonal_naive_refuses_to_reach_before_the_series():
    with pytest.raises(ValueError, match="season"):
        seasonal_naive(np.zeros((10, 1)), [3], horizon=2, season=5)


def test_detect_season_finds_a_noisy_period_12_with_trend():
    rng = np.random.default_rng(1)
    t = np.arange(300)
    y = 0.05 * t + np.sin(2 * np.pi * t / 12) + 0.4 * rng.standard_normal(len(t))
    assert detect_season(y, max_lag=48) == 12


def test_detect_season_says_1_without_a_season():
    rng = np.random.default_rng(2)
    assert detect_season(rng.standard_normal(300), max_lag=48) == 1
    assert detect_season(3.0 * np.arange(300) + rng.standard_normal(300), max_lag=48) == 1
    assert detect_season(np.full(100, 5.0), max_lag=24) == 1
    assert detect_season(np.arange(3.0), max_lag=24) == 1


def test_pinball_by_hand_on_numpy_and_torch():
    diff = np.array([2.0, -2.0, 0.0])  # actual - forecast
    levels = np.array([0.9, 0.9, 0.1])
    np.testing.assert_allclose(pinball(diff, levels), [1.8, 0.2, 0.0])
    np.testing.assert_allclose(pinball(diff, 0.5), np.abs(diff) / 2)
    t = pinball(torch.tensor([[2.0, -2.0]]), torch.tensor([0.1, 0.9]))
    torch.testing.assert_close(t, torch.tensor([[0.2, 0.2]]))


def test_scaled_metrics_scale_each_window_by_its_own_series():
    pred = np.zeros((2, 1, 1))
    actual = np.array([[[1.0]], [[30.0]]])
    m = scaled_metrics(pred, actual, window_scale=np.array([[[1.0]], [[10.0]]]))
    assert m["mase"] == pytest.approx((1 / 1 + 30 / 10) / 2)
    assert m["mae"] == pytest.approx(15.5)


def test_mase_scale_falls_back_to_one_step_naive_on_a_noiseless_periodic_series():
    t = np.arange(120)
    y = 50 + 10 * np.sin(2 * np.pi * t / 12)  # repeats its season up to rounding
    scale, basis = mase_scale_basis(y, 12)
    naive = np.abs(np.diff(y)).mean()
    np.testing.assert_allclose(scale, [naive])
    assert basis == ["naive"]
    # A model off by 0.1 everywhere: MASE about 0.1 / naive (~0.03), not 0.1 / 1e-8 = 1e7.
    pred, actual = (y[None, 100:112, None] + 0.1), y[None, 100:112, None]
    mase = scaled_metrics(pred, actual, scale[None, None, :])["mase"]
    assert mase == pytest.approx(0.1 / naive) and mase < 1


def test_mase_scale_is_seasonal_on_a_normal_series_as_before():
    rng = np.random.default_rng(3)
    t = np.arange(120)
    y = np.stack([np.sin(2 * np.pi * t / 12) + 0.2 * rng.standard_normal(120), 100 + t], axis=1)
    scale, basis = mase_scale_basis(y, 12)
    np.testing.assert_allclose(scale, np.abs(y[12:] - y[:-12]).mean(axis=0))
    assert basis == ["seasonal_naive", "seasonal_naive"]
    assert mase_scale_basis(y[:, :1], 1)[1] == ["naive"]


def test_a_constant_series_has_no_mase_and_says_why():
    y = np.full(60, 7.0)
    scale, basis = mase_scale_basis(y, 12)
    assert np.isnan(scale).all() and basis == ["none"]
    m = scaled_metrics(np.full((2, 3, 1), 7.5), np.full((2, 3, 1), 7.0), scale[None, None, :])
    assert m["mase"] is None and "constant" in m["mase_reason"]
    assert m["mae"] == pytest.approx(0.5)
    # Rounding noise on a constant level is still constant.
    assert mase_scale_basis(1e6 + 1e-4 * np.sin(np.arange(60)), 1)[1] == ["none"]


def test_mase_leaves_out_only_the_windows_without_a_scale():
    pred = np.zeros((2, 1, 1))
    actual = np.array([[[1.0]], [[30.0]]])
    m = scaled_metrics(pred, actual, window_scale=np.array([[[1.0]], [[np.nan]]]))
    assert m["mase"] == pytest.approx(1.0) and "mase_reason" not in m


def test_evaluate_reports_null_mase_for_a_constant_series_and_one_step_scale_for_a_periodic():
    t = np.arange(48)
    periodic = 5 + np.array([0.0, 2.0, 0.0, -2.0])[t % 4]
    segments = segment_plans([("periodic", 48), ("flat", 48)], 8, 3, 0.25)
    values = np.concatenate([periodic, np.full(48, 3.0)])[:, None]
    data = prepare(values, ["y"], ["y"], ["y"], segments, torch.device("cpu"))
    report = evaluate(Persistence(), data, season_length=4)
    assert report["mase_scale"] == {"naive": 1, "none": 1}
    assert report["series"]["flat"]["mase"] is None
    naive = np.abs(np.diff(periodic[: segments[0].plan.cut])).mean()
    assert report["series"]["periodic"]["mase"] < 10  # was ~1e8 with the 1e-8 floor
    assert report["seasonal_naive"]["mase"] == pytest.approx(0.0, abs=1e-9)
    assert report["model"]["mase"] == pytest.approx(report["series"]["periodic"]["mase"])
    assert report["model"]["mae"] > 0 and naive > 0
    assert not report["beats_seasonal_naive"]
    json.dumps(report, allow_nan=False)  # stored as JSONB: no NaN may reach it

    flat = prepare(
        np.full((48, 1), 3.0), ["y"], ["y"], ["y"], split_plan(48, 8, 3, 0.25), torch.device("cpu")
    )
    report = evaluate(Persistence(), flat, season_length=None)
    assert report["model"]["mase"] is None and report["seasonal_naive"]["mase"] is None
    assert report["model"]["mase_reason"]
    assert report["mase_scale"] == {"none": 1}
    json.dumps(report, allow_nan=False)


def test_a_constant_target_is_left_out_of_a_series_mase_and_the_others_count():
    t = np.arange(48)
    y = 5 + np.array([0.0, 2.0, 1.0, -2.0])[t % 4] + 0.01 * t
    values = np.column_stack([y, np.full(48, 3.0)])
    data = prepare(values, ["y", "c"], ["y", "c"], ["y", "c"], split_plan(48, 8, 3, 0.25),
                   torch.device("cpu"))  # fmt: skip

    class BothTargets(Persistence):
        def forward(self, x):
            return x[:, -1:, :].expand(-1, 3, -1)

    report = evaluate(BothTargets(), data, season_length=4)
    assert report["mase_scale"] == {"seasonal_naive": 1, "none": 1}
    assert report["series"][""]["mase"] == pytest.approx(report["model"]["mase"])
    assert report["model"]["mase"] is not None and "mase_reason" not in report["model"]


class Persistence(torch.nn.Module):
    """A 'model' that repeats the last value: its metrics are known without training."""

    quantiles: ClassVar[list[float]] = []

    def forward(self, x):
        return x[:, -1:, :1].expand(-1, 3, -1)


def test_evaluate_gives_each_series_its_own_baseline_and_scale():
    # Two series with period 4 and a trend; "big" is "small" at 100 times the scale, elsewhere.
    t = np.arange(40)
    small = 10 + np.array([0.0, 1.0, 0.0, -1.0])[t % 4] + 0.05 * t
    values = np.concatenate([small, 1000 + 100 * small])[:, None]
    segments = segment_plans([("small", 40), ("big", 40)], 8, 3, 0.25)
    data = prepare(values, ["y"], ["y"], ["y"], segments, torch.device("cpu"))
    report = evaluate(Persistence(), data, season_length=None)

    assert report["season_length"] == 4
    assert report["series_count"] == 2 and set(report["series"]) == {"small", "big"}
    assert (
        report["validation_windows"]
        == data.n_val
        == sum(s["validation_windows"] for s in report["series"].values())
    )
    # Scaled by their own series, both series give each forecast the same MASE; raw errors
    # differ 100-fold. The season beats persistence.
    for key in ("mase", "seasonal_naive_mase"):
        assert report["series"]["small"][key] == pytest.approx(report["series"]["big"][key])
    assert report["model"]["mase"] == pytest.approx(report["series"]["small"]["mase"])
    assert report["seasonal_naive"]["mase"] == pytest.approx(0.05 * 4 / (0.05 * 4))
    assert not report["beats_seasonal_naive"]
    assert "quantiles" not in report


def test_evaluate_reports_quantile_coverage():
    class Band(Persistence):
        quantiles: ClassVar[list[float]] = [0.1, 0.5, 0.9]

        def forward(self, x):
            median = super().forward(x)
            band = torch.stack([median - 1e6, median, median + 1e6], dim=-1)
            return median, band

    values = np.sin(np.arange(60) / 3)[:, None]
    data = prepare(values, ["y"], ["y"], ["y"], split_plan(60, 8, 3, 0.3), torch.device("cpu"))
    report = evaluate(Band(), data, season_length=2)
    coverage = report["quantiles"]["coverage"]
    assert report["quantiles"]["levels"] == [0.1, 0.5, 0.9]
    assert coverage[0] == 0.0 and coverage[2] == 1.0 and 0.0 < coverage[1] < 1.0
    # Each outer level misses by 1e6 on the right side: 0.1 * 1e6 per level, over three levels.
    assert report["quantiles"]["mean_pinball_loss"] == pytest.approx(2e5 / 3, rel=1e-4)
