"""Covariate windows (issue 15): known-future values and calendar features over each window's
horizon rows, static values per series, their statistics, and the refusals."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
import torch

from app.contract import segment_plans, split_plan
from app.covariates import calendar_values, encode_static
from workers.training.data import prepare

CPU = torch.device("cpu")
COLUMNS = ["row", "y", "promo", "store", "region"]
LENGTHS = [("north", 60), ("south", 45), ("east", 80)]


def table() -> tuple[np.ndarray, list[str]]:
    """Three series: "row" is the table row, "y" 1000 × series + row inside it, "promo" minus
    the table row, "store" a size per series (12.5, 30, 12.5), "region" a code (2, 1, 2); one
    day per row, each series starting on its own date."""
    blocks, stamps = [], []
    start_row = 0
    for k, (_, n) in enumerate(LENGTHS):
        rows = np.arange(start_row, start_row + n, dtype=np.float64)
        store, region = (12.5, 2.0) if k != 1 else (30.0, 1.0)
        blocks.append(
            np.stack(
                [rows, 1000 * k + rows - start_row, -rows, np.full(n, store), np.full(n, region)],
                axis=1,
            )
        )
        first = date(2024, 1, 1) + timedelta(days=100 * k)
        stamps += [(first + timedelta(days=i)).isoformat() for i in range(n)]
        start_row += n
    return np.concatenate(blocks), stamps


def prepared(**covariates):
    values, stamps = table()
    segments = segment_plans(LENGTHS, 8, 3, 0.2)
    return prepare(values, COLUMNS, ["y"], ["y"], segments, CPU, timestamps=stamps, **covariates)


def test_future_values_are_those_of_the_target_rows():
    values, _ = table()
    segments = segment_plans(LENGTHS, 8, 3, 0.2)
    data = prepare(values, COLUMNS, ["row"], ["y"], segments, CPU, future_columns=["promo", "row"])
    future = data.covariates["future"]
    assert future.shape == (len(data.x_all), 3, 2) and future.dtype == torch.float32
    # Step h of a window's future is table row t + h, t the row after its input's last one ...
    steps = torch.arange(3, dtype=torch.float32)
    assert torch.equal(future[:, :, 1], data.x_all[:, -1:, 0] + 1 + steps)
    assert torch.equal(future[:, :, 0], -future[:, :, 1])
    # ... the very row whose target y[:, h] is (y: 1000 * series + row inside the series).
    starts = torch.tensor([s.start for s in segments], dtype=torch.float32)
    series = (data.y_all[:, :, 0] // 1000).long()
    assert torch.equal(data.y_all[:, :, 0] - 1000 * series + starts[series], future[:, :, 1])
    for part, x in ((data.train_covariates, data.x_train), (data.val_covariates, data.x_val)):
        assert torch.equal(part["future"][:, 0, 1], x[:, -1, 0] + 1)
    mean, std = data.covariate_stats["future"]
    train_rows = np.concatenate([np.arange(s.start, s.start + s.plan.cut) for s in segments])
    np.testing.assert_allclose(mean, values[train_rows][:, [2, 0]].mean(axis=0))
    np.testing.assert_allclose(std, values[train_rows][:, [2, 0]].std(axis=0))


def test_calendar_features_are_those_of_the_horizon_timestamps():
    features = ["day_of_week", "month", "holidays:US"]
    data = prepared(calendar=features)
    calendar = data.covariates["calendar"]
    assert calendar.shape == (len(data.x_all), 3, 3)
    _, stamps = table()
    expected = calendar_values(stamps, features)
    # Validation windows: val_origins are the table rows of their first target.
    val = data.val_covariates["calendar"].numpy()
    for i, origin in enumerate(data.val_origins):
        np.testing.assert_array_equal(val[i], expected[origin : origin + 3])
    mean, _ = data.covariate_stats["calendar"]
    train_rows = np.concatenate(
        [np.arange(s.start, s.start + s.plan.cut) for s in segment_plans(LENGTHS, 8, 3, 0.2)]
    )
    np.testing.assert_allclose(mean, expected[train_rows].mean(axis=0), rtol=1e-6)
    assert data.net_statistics()["calendar_mean"] == pytest.approx(mean.tolist())


def test_static_values_are_encoded_per_series_and_scaled_across_series():
    data = prepared(static_columns=["store", "region"], categorical_columns=["region"])
    assert data.static_features == ["store", "region=1", "region=2"]
    assert data.static_values == {
        "north": [12.5, 0.0, 1.0],
        "south": [30.0, 1.0, 0.0],
        "east": [12.5, 0.0, 1.0],
    }
    static = data.covariates["static"]
    assert static.shape == (len(data.x_all), 3)
    series = (data.y_all[:, 0, 0] // 1000).long()
    names = [name for name, _ in LENGTHS]
    for k, name in enumerate(names):
        assert (static[series == k] == torch.tensor(data.static_values[name])).all()
    mean, std = data.covariate_stats["static"]
    np.testing.assert_allclose(mean, [(12.5 + 30 + 12.5) / 3, 1 / 3, 2 / 3])  # one row per series
    assert std.min() > 0


def test_a_warm_start_keeps_its_parents_static_layout():
    """The parent knew regions 1, 2 and 3; this data has only 1 and 2: each keeps the
    parent's indicator (the third stays a zero column), not a re-numbered one of its own."""
    known = ["store", "region=1", "region=2", "region=3"]
    data = prepared(
        static_columns=["store", "region"], categorical_columns=["region"], static_features=known
    )
    assert data.static_features == known
    assert data.static_values["north"] == [12.5, 0.0, 1.0, 0.0]
    assert data.static_values["south"] == [30.0, 1.0, 0.0, 0.0]
    assert data.covariates["static"].shape[1] == 4


def test_a_category_the_parent_never_saw_is_refused_naming_column_value_and_series():
    """Same count of categories, other values: without the parent's layout, region 2 would
    silently take the weights the parent learned for region 3."""
    with pytest.raises(
        ValueError, match=r"static column 'region' of series 'south' is 1, a category .* 2, 3"
    ):
        prepared(
            static_columns=["region"],
            categorical_columns=["region"],
            static_features=["region=2", "region=3"],
        )


@pytest.mark.parametrize(
    "known",
    [["store"], ["region=1", "store"], ["store", "region=x"], ["store", "region=1", "extra"]],
)
def test_static_features_that_do_not_encode_the_columns_are_refused(known):
    with pytest.raises(ValueError, match="are not an encoding of the static columns"):
        encode_static({"a": [1.0, 1.0]}, ["store", "region"], ["region"], known)


def test_covariates_keep_the_graph_input_order_and_stay_absent_when_not_asked():
    data = prepared(static_columns=["store"], calendar=["month"], future_columns=["promo"])
    assert list(data.covariates) == ["future", "calendar", "static"]
    assert prepared().covariates == {} and prepared().static_values == {}


def test_a_static_column_that_varies_within_a_series_is_refused_naming_both():
    values, _ = table()
    values[70, COLUMNS.index("store")] = 99.0  # row 70 is in "south"
    segments = segment_plans(LENGTHS, 8, 3, 0.2)
    with pytest.raises(ValueError, match=r"static column 'store' .* within series 'south'"):
        prepare(values, COLUMNS, ["y"], ["y"], segments, CPU, static_columns=["store"])


def test_a_single_unnamed_series_has_its_static_values_under_the_empty_id():
    values, _ = table()
    plan = split_plan(60, 8, 3, 0.2)
    data = prepare(values[:60], COLUMNS, ["y"], ["y"], plan, CPU, static_columns=["store"])
    assert data.static_values == {"": [12.5]}
    values[10, COLUMNS.index("store")] = 1.0
    with pytest.raises(ValueError, match="'store' is not constant within the series"):
        prepare(values[:60], COLUMNS, ["y"], ["y"], plan, CPU, static_columns=["store"])


def test_calendar_features_need_timestamps():
    values, _ = table()
    plan = split_plan(60, 8, 3, 0.2)
    with pytest.raises(ValueError, match="timestamps"):
        prepare(values[:60], COLUMNS, ["y"], ["y"], plan, CPU, calendar=["month"])


def test_varied_length_windows_keep_their_covariates():
    data = prepared(future_columns=["promo"], static_columns=["store"], max_length=32)
    assert data.x_long is not None and len(data.x_long) == len(data.covariates["future"])
    torch.testing.assert_close(data.x_long[:, -8:], data.x_all)
