"""Window construction and normalization statistics."""

import numpy as np
import pytest
import torch

from app.contract import segment_plans, split_plan
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


def three_series() -> tuple[np.ndarray, list]:
    """Series of 60, 45 and 80 rows stacked; column "time" holds the row inside its own series,
    column "a" the series number * 1000 + that row, so any window shows where it came from."""
    lengths = [("north", 60), ("south", 45), ("east", 80)]
    blocks = [
        np.stack([np.arange(n), 1000 * k + np.arange(n), np.full(n, float(k))], axis=1)
        for k, (_, n) in enumerate(lengths)
    ]
    return np.concatenate(blocks).astype(np.float64), segment_plans(lengths, 8, 3, 0.2)


def test_windows_never_cross_series_and_each_series_is_cut_by_its_own_plan():
    values, segments = three_series()
    data = prepare(values, COLUMNS, ["a", "b"], ["a", "b"], segments, CPU)

    plans = [s.plan for s in segments]
    assert data.n_train == sum(p.n_train_windows for p in plans)
    assert data.n_val == sum(p.n_val_windows for p in plans)
    for x, y in ((data.x_all, data.y_all), (data.x_train, data.y_train), (data.x_val, data.y_val)):
        # One series per window (column "b"), consecutive rows (column "a"), x then y.
        series = torch.cat([x[:, :, 1], y[:, :, 1]], dim=1)
        assert (series == series[:, :1]).all()
        rows = torch.cat([x[:, :, 0], y[:, :, 0]], dim=1)
        assert (rows.diff(dim=1) == 1).all()
    for k, segment in enumerate(segments):
        mine = data.y_train[:, 0, 1] == k
        origins = data.y_train[mine, 0, 0] - 1000 * k
        assert origins.tolist() == list(segment.plan.train_starts)
        assert data.y_train[mine, -1, 0].max() - 1000 * k < segment.plan.cut
        val = data.val_series == k
        assert data.y_val[val, 0, 0].tolist() == [1000 * k + t for t in segment.plan.val_starts]
        np.testing.assert_array_equal(
            data.val_origins[val], segment.start + np.asarray(segment.plan.val_starts)
        )
        np.testing.assert_array_equal(data.series_targets(k)[:, 1], k)
    # x_all also holds the windows whose targets straddle a cut: every origin of every series.
    assert len(data.x_all) == sum(p.n_rows - p.horizon - p.input_length + 1 for p in plans)


def test_statistics_come_from_the_training_rows_of_all_series():
    values, segments = three_series()
    data = prepare(values, COLUMNS, ["a"], ["time"], segments, CPU)
    rows = np.concatenate([np.arange(s.start, s.start + s.plan.cut) for s in segments])
    np.testing.assert_allclose(data.feature_mean, values[rows, 1:2].mean(axis=0))
    np.testing.assert_allclose(data.target_std, values[rows, :1].std(axis=0))
    changed = values.copy()
    for s in segments:
        changed[s.start + s.plan.cut : s.start + s.plan.n_rows] *= 1e6
    other = prepare(changed, COLUMNS, ["a"], ["time"], segments, CPU)
    np.testing.assert_array_equal(other.feature_mean, data.feature_mean)
    assert torch.equal(other.x_train, data.x_train) and torch.equal(other.y_train, data.y_train)


def test_targets_are_located_among_the_features():
    values, segments = three_series()
    data = prepare(values, COLUMNS, ["b", "time"], ["time", "a"], segments, CPU)
    assert data.target_feature_index == [1, -1]
    assert data.net_statistics()["target_feature_index"] == [1, -1]


def test_a_series_too_short_for_a_training_window_validates_only_from_full_windows():
    lengths = [("long", 100), ("short", 18)]  # short: cut 11 < input_length 12
    values = np.concatenate([indexed_series(100), 5000 + indexed_series(18)])
    segments = segment_plans(lengths, 12, 3, 0.4)
    assert segments[1].plan.cut < 12 and segments[1].plan.n_train_windows == 0
    data = prepare(values, COLUMNS, ["time"], ["time"], segments, CPU)
    short = data.val_series == 1
    assert (data.val_origins[short] - 100).tolist() == [12, 13, 14, 15]
    assert (data.x_all[:, :, 0].diff(dim=1) == 1).all()  # no window spans both series


def test_long_windows_are_right_aligned_and_zero_before_their_series():
    values, segments = three_series()
    data = prepare(values, COLUMNS, ["a"], ["a"], segments, CPU, max_length=32)
    assert data.x_long is not None and data.history is not None
    assert data.x_long.shape == (len(data.x_all), 32, 1)
    torch.testing.assert_close(data.x_long[:, -8:], data.x_all)  # suffix = the usual window
    for i in range(len(data.x_all)):
        n = int(data.history[i])
        real, padding = data.x_long[i, 32 - n :, 0], data.x_long[i, : 32 - n, 0]
        assert (real.diff() == 1).all() and (padding == 0).all()
        assert n == min(32, int(real[-1]) % 1000 + 1)  # the rows the series had before it
    with pytest.raises(ValueError, match="max_length"):
        prepare(values, COLUMNS, ["a"], ["a"], segments, CPU, max_length=4)
