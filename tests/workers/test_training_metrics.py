"""Metrics, the seasonal-naive baseline and season detection, on hand-computed arrays."""

import math

import numpy as np
import pytest

from workers.training.metrics import detect_season, forecast_metrics, mase_scale, seasonal_naive


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
    np.testing.assert_allclose(mase_scale(np.full((5, 1), 4.0), 1), [1e-8])
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
