"""Window construction and normalization statistics."""

import numpy as np
import pytest
import torch

from app.contract import split_plan
from workers.training.data import prepare

CPU = torch.device("cpu")
COLUMNS = ["time", "a", "b"]


def indexed_series(n_rows: int) -> np.ndarray:
    """Each value encodes its row, so a window's content tells where it was cut from."""
    rows = np.arange(n_rows, dtype=np.float64)
    return np.stack([rows, 1000 + rows, -rows], axis=1)


def test_windows_have_the_planned_shapes_and_rows():
    plan = split_plan(100, input_length=8, horizon=3, validation_fraction=0.2)
    data = prepare(indexed_series(100), COLUMNS, ["time", "a"], ["time", "b"], plan, CPU)

    assert data.x_train.shape == (plan.n_train_windows, 8, 2)
    assert data.y_train.shape == (plan.n_train_windows, 3, 2)
    assert data.x_val.shape == (plan.n_val_windows, 8, 2)
    assert data.y_val.shape == (plan.n_val_windows, 3, 2)
    assert data.x_train.dtype == torch.float32 and data.targets_series.dtype == np.float64

    train_origins = torch.tensor(list(plan.train_starts), dtype=torch.float32)
    val_origins = torch.tensor(list(plan.val_starts), dtype=torch.float32)
    steps_back = torch.arange(-8, 0, dtype=torch.float32)
    steps_ahead = torch.arange(3, dtype=torch.float32)
    # x = features[t - L : t], y = targets[t : t + H]; column "a" is 1000 + row, "b" is -row.
    assert torch.equal(data.x_train[:, :, 0], train_origins[:, None] + steps_back)
    assert torch.equal(data.x_train[:, :, 1], 1000 + train_origins[:, None] + steps_back)
    assert torch.equal(data.y_train[:, :, 0], train_origins[:, None] + steps_ahead)
    assert torch.equal(data.y_train[:, :, 1], -(train_origins[:, None] + steps_ahead))
    assert torch.equal(data.x_val[:, :, 0], val_origins[:, None] + steps_back)
    assert torch.equal(data.y_val[:, :, 0], val_origins[:, None] + steps_ahead)


def test_validation_targets_start_at_the_cut_and_training_targets_stay_before_it():
    plan = split_plan(120, input_length=10, horizon=4, validation_fraction=0.25)
    data = prepare(indexed_series(120), COLUMNS, ["a"], ["time"], plan, CPU)

    assert data.y_val[0, 0, 0].item() == plan.cut
    assert data.y_val[-1, -1, 0].item() == plan.n_rows - 1
    assert data.y_train[-1, -1, 0].item() == plan.cut - 1
    np.testing.assert_array_equal(data.targets_series[:, 0], np.arange(120))


def test_normalization_statistics_come_from_training_rows_only():
    plan = split_plan(200, input_length=12, horizon=3, validation_fraction=0.3)
    rng = np.random.default_rng(0)
    series = rng.normal(size=(200, 3))
    shifted = series.copy()
    shifted[plan.cut :] = 1e6 + 50 * shifted[plan.cut :]  # a very different validation level

    base = prepare(series, COLUMNS, ["a", "b"], ["time"], plan, CPU)
    other = prepare(shifted, COLUMNS, ["a", "b"], ["time"], plan, CPU)

    for name in ("feature_mean", "feature_std", "target_mean", "target_std"):
        np.testing.assert_array_equal(getattr(base, name), getattr(other, name))
    np.testing.assert_allclose(base.feature_mean, series[: plan.cut, 1:].mean(axis=0))
    np.testing.assert_allclose(base.target_std, series[: plan.cut, :1].std(axis=0))
    assert torch.equal(base.x_train, other.x_train)  # training windows never see the cut's far side


def test_constant_column_gets_unit_std():
    plan = split_plan(60, input_length=6, horizon=2, validation_fraction=0.2)
    series = indexed_series(60)
    series[:, 2] = 7.0
    data = prepare(series, COLUMNS, ["b"], ["b"], plan, CPU)
    assert data.feature_std.tolist() == [1.0] and data.target_mean.tolist() == [7.0]


@pytest.mark.parametrize(
    ("features", "targets", "n_rows", "message"),
    [
        (["nope"], ["time"], 50, "unknown feature columns"),
        (["a"], [], 50, "no target columns"),
        (["a"], ["time"], 12, "windows"),
    ],
)
def test_bad_requests_are_refused(features, targets, n_rows, message):
    plan = split_plan(n_rows, input_length=8, horizon=3, validation_fraction=0.2)
    with pytest.raises(ValueError, match=message):
        prepare(indexed_series(n_rows), COLUMNS, features, targets, plan, CPU)


def test_non_finite_values_are_refused():
    plan = split_plan(50, input_length=8, horizon=3, validation_fraction=0.2)
    series = indexed_series(50)
    series[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        prepare(series, COLUMNS, ["a"], ["time"], plan, CPU)
