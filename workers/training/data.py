"""Turn a table of one or more series into training and validation windows, once, on the device.

Windows are strided views materialized in one copy and moved to the device in one transfer, so
the training loop only ever indexes device tensors: no DataLoader, no per-sample Python. A table
holds its series one after another (app.contract.Segment); every series is cut by its own plan
and no window crosses from one series into the next.

Known-future covariates (future columns and calendar features) are cut over each window's horizon
rows, [t, t + H), the rows its targets lie on: what is known in advance about the forecast's own
steps. Static covariates are one encoded vector per series (app.covariates.encode_static), given
to every window of that series.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view

from app.contract import (
    CALENDAR_INPUT_NAME,
    FUTURE_INPUT_NAME,
    STATIC_INPUT_NAME,
    Segment,
    SplitPlan,
)
from app.covariates import calendar_values, encode_static

STD_FLOOR = 1e-8


@dataclass
class TrainingData:
    """Windows in raw units (the model normalizes internally) plus what metrics need.

    Every window a series allows is built once, in three blocks along the first axis: training
    windows (targets before the cut), then those whose targets straddle the cut, then the
    validation windows (targets from the cut on). x_train and x_val are views of x_all, which a
    refit after model selection trains on.
    """

    x_all: torch.Tensor  # [n_all, input_length, n_features] float32
    y_all: torch.Tensor  # [n_all, horizon, n_targets] float32
    n_train: int
    n_val: int
    feature_mean: np.ndarray  # statistics of the training rows of all series only
    feature_std: np.ndarray
    target_mean: np.ndarray
    target_std: np.ndarray
    targets_series: np.ndarray  # [n_rows, n_targets] float64 raw, the whole table, for baselines
    segments: list[Segment]
    val_series: np.ndarray  # [n_val] int: index into `segments` of each validation window
    val_origins: np.ndarray  # [n_val] int: table row of each validation window's first target
    target_feature_index: list[int]
    """Position of each target among the features, -1 when the model does not read it."""
    x_long: torch.Tensor | None = None
    """[n_all, max_length, n_features]: the same windows reaching further back (left-padded with
    zeros where the series starts later), for varied-length training; None when not asked."""
    history: torch.Tensor | None = None
    """[n_all] int64 on the CPU: rows of real history in each x_long window (its suffix)."""
    covariates: dict[str, torch.Tensor] = field(default_factory=dict)
    """Graph input name (app.contract.input_names) -> that input of every window, raw, aligned
    with x_all: future [n_all, horizon, n_future], calendar [n_all, horizon, n_calendar], static
    [n_all, n_static]; only the inputs the job has, in the graph's order."""
    covariate_stats: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    """Input name -> (mean, std) that scale it in the graph: training rows for future and
    calendar, one row per series for static."""
    static_features: list[str] = field(default_factory=list)
    """The static input's encoded columns (Manifest.static_features)."""
    static_values: dict[str, list[float]] = field(default_factory=dict)
    """Series id -> its encoded static vector (Manifest.static_values)."""

    @property
    def x_train(self) -> torch.Tensor:
        return self.x_all[: self.n_train]

    @property
    def y_train(self) -> torch.Tensor:
        return self.y_all[: self.n_train]

    @property
    def x_val(self) -> torch.Tensor:
        return self.x_all[len(self.x_all) - self.n_val :]

    @property
    def y_val(self) -> torch.Tensor:
        return self.y_all[len(self.y_all) - self.n_val :]

    @property
    def train_covariates(self) -> dict[str, torch.Tensor]:
        """The covariates of the training windows (those of x_train)."""
        return {name: c[: self.n_train] for name, c in self.covariates.items()}

    @property
    def val_covariates(self) -> dict[str, torch.Tensor]:
        """The covariates of the validation windows (those of x_val)."""
        return {name: c[len(c) - self.n_val :] for name, c in self.covariates.items()}

    def val_batches(self, size: int) -> Iterator[tuple[torch.Tensor, dict[str, torch.Tensor]]]:
        """(windows, their covariates) of the validation windows, `size` at a time: what a
        forward pass over them takes (`net(x, **covariates)`)."""
        covariates = self.val_covariates
        for start in range(0, self.n_val, size):
            rows = slice(start, start + size)
            yield self.x_val[rows], {name: c[rows] for name, c in covariates.items()}

    def series_targets(self, index: int) -> np.ndarray:
        """[n_rows, n_targets]: the raw targets of one series."""
        segment = self.segments[index]
        return self.targets_series[segment.start : segment.start + segment.plan.n_rows]

    def net_statistics(self) -> dict:
        """The NetConfig fields that come from the data (spread into NetConfig(...))."""
        return {
            "feature_mean": self.feature_mean.tolist(),
            "feature_std": self.feature_std.tolist(),
            "target_mean": self.target_mean.tolist(),
            "target_std": self.target_std.tolist(),
            "target_feature_index": list(self.target_feature_index),
            **{
                f"{name}_{stat}": values.tolist()
                for name, (mean, std) in self.covariate_stats.items()
                for stat, values in (("mean", mean), ("std", std))
            },
        }


def _column_indices(columns: list[str], wanted: list[str], kind: str) -> list[int]:
    position = {name: i for i, name in enumerate(columns)}
    missing = [name for name in wanted if name not in position]
    if missing:
        raise ValueError(f"unknown {kind} columns: {missing}")
    if not wanted:
        raise ValueError(f"no {kind} columns given")
    return [position[name] for name in wanted]


def _stats(train_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of the training part; a constant column gets std 1 so scaling is a no-op."""
    mean = train_rows.mean(axis=0)
    std = train_rows.std(axis=0)
    return mean, np.where(std < STD_FLOOR, 1.0, std)


def _windows(values: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """values[s : s + length] for every s in starts -> [n, length, n_columns] float32."""
    view = sliding_window_view(values, length, axis=0)  # [n_rows - length + 1, n_columns, length]
    return np.ascontiguousarray(view[starts].transpose(0, 2, 1), dtype=np.float32)


def _to_device(array: np.ndarray, device: torch.device) -> torch.Tensor:
    tensor = torch.from_numpy(array)
    if device.type == "cuda":
        tensor = tensor.pin_memory()  # pinned memory makes the non_blocking copy truly async
    return tensor.to(device, non_blocking=True)


def _origin_blocks(segment: Segment) -> tuple[range, range, range]:
    """Forecast origins (rows inside the series) of its training, straddling and validation
    windows (the straddling ones are neither: their targets cross the cut)."""
    plan = segment.plan
    straddle_from = plan.input_length + plan.n_train_windows
    return plan.train_starts, range(straddle_from, plan.val_starts.start), plan.val_starts


def _origins(segments: list[Segment], block: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Table rows of one block of every series' origins, the series index of each, and each
    origin's row inside its own series."""
    rows, series, local = [], [], []
    for index, segment in enumerate(segments):
        starts = np.asarray(_origin_blocks(segment)[block], dtype=np.int64)
        rows.append(segment.start + starts)
        series.append(np.full(len(starts), index, dtype=np.int64))
        local.append(starts)
    return np.concatenate(rows), np.concatenate(series), np.concatenate(local)


def _long_windows(
    features: np.ndarray, origins: np.ndarray, history: np.ndarray, max_length: int
) -> np.ndarray:
    """features[t - max_length : t] per origin t, right-aligned, zero where a window would reach
    before its own series' first row (those rows are never read: see TrainingData.history)."""
    padded = np.concatenate([np.zeros((max_length, features.shape[1])), features])
    windows = _windows(padded, origins, max_length)  # padded[t : t + L] = features[t - L : t]
    before_series = np.arange(max_length)[None, :] < (max_length - history)[:, None]
    windows[before_series] = 0.0
    return windows


def _static_rows(
    values: np.ndarray,
    columns: list[str],
    static_columns: Sequence[str],
    segments: list[Segment],
) -> dict[str, list[float]]:
    """Series id -> its value of each static column; ValueError naming the column and the series
    when a column is not constant within a series (a static covariate has one value per
    series)."""
    index = _column_indices(columns, list(static_columns), "static")
    per_series = {}
    for segment in segments:
        rows = values[segment.start : segment.start + segment.plan.n_rows][:, index]
        for j, name in enumerate(static_columns):
            distinct = np.unique(rows[:, j])
            if len(distinct) > 1:
                where = f"series {segment.series_id!r}" if segment.series_id else "the series"
                raise ValueError(
                    f"static column {name!r} is not constant within {where}: it takes "
                    f"{len(distinct)} values (e.g. {distinct[0]:g} and {distinct[1]:g}); a static "
                    "covariate has one value per series"
                )
        per_series[segment.series_id] = rows[0].tolist()
    return per_series


def _covariates(
    values: np.ndarray,
    columns: list[str],
    segments: list[Segment],
    origins: np.ndarray,
    window_series: np.ndarray,
    train_rows: np.ndarray,
    *,
    horizon: int,
    future_columns: Sequence[str],
    calendar: Sequence[str],
    timestamps: Sequence[str] | None,
    static_columns: Sequence[str],
    categorical_columns: Sequence[str],
    static_features: Sequence[str] | None,
) -> tuple[
    dict[str, np.ndarray],
    dict[str, tuple[np.ndarray, np.ndarray]],
    list[str],
    dict[str, list[float]],
]:
    """(input name -> every window's raw values, input name -> (mean, std), encoded static
    feature names, series id -> encoded static vector) for prepare."""
    windows, stats = {}, {}
    per_row = {}
    if future_columns:
        index = _column_indices(columns, list(future_columns), "future")
        per_row[FUTURE_INPUT_NAME] = values[:, index]
    if calendar:
        if timestamps is None or len(timestamps) != len(values):
            raise ValueError("calendar features come from timestamps, and this table has none")
        per_row[CALENDAR_INPUT_NAME] = calendar_values(timestamps, calendar).astype(np.float64)
    for name, rows in per_row.items():
        windows[name] = _windows(rows, origins, horizon)  # the horizon rows [t, t + H)
        stats[name] = _stats(rows[train_rows])
    features: list[str] = []
    static_values: dict[str, list[float]] = {}
    if static_columns:
        per_series = _static_rows(values, columns, static_columns, segments)
        features, static_values = encode_static(
            per_series, list(static_columns), list(categorical_columns), static_features
        )
        encoded = np.array([static_values[s.series_id] for s in segments], dtype=np.float64)
        windows[STATIC_INPUT_NAME] = encoded[window_series].astype(np.float32)
        stats[STATIC_INPUT_NAME] = _stats(encoded)  # across series: one row each
    return windows, stats, features, static_values


def prepare(
    values: np.ndarray,
    columns: list[str],
    feature_columns: list[str],
    target_columns: list[str],
    segments: list[Segment] | SplitPlan,
    device: torch.device,
    *,
    max_length: int | None = None,
    future_columns: Sequence[str] = (),
    calendar: Sequence[str] = (),
    timestamps: Sequence[str] | None = None,
    static_columns: Sequence[str] = (),
    categorical_columns: Sequence[str] = (),
    static_features: Sequence[str] | None = None,
) -> TrainingData:
    """Cut `values` [n_rows, n_columns] into the windows each segment's plan describes.

    For forecast origin t (first target row): x = features[t - L : t], y = targets[t : t + H],
    and over the same horizon rows [t, t + H) the future columns' values and the calendar
    features of `timestamps` (one per table row); the static columns' encoded values of the
    window's series. A bare SplitPlan is one series covering the whole table. `max_length`
    (>= input_length) also builds the windows up to that long for varied-length training.
    `static_features` fixes the static encoding to a warm start's parent's (encode_static's
    `known`).
    """
    if isinstance(segments, SplitPlan):
        segments = [Segment("", 0, segments)]
    values = np.asarray(values, dtype=np.float64)
    n_rows = sum(s.plan.n_rows for s in segments)
    if values.ndim != 2 or values.shape != (n_rows, len(columns)):
        raise ValueError(f"series has shape {values.shape}, expected ({n_rows}, {len(columns)})")
    if not np.isfinite(values).all():
        raise ValueError("series contains NaN or infinite values")
    feature_index = _column_indices(columns, feature_columns, "feature")
    target_index = _column_indices(columns, target_columns, "target")
    plans = [s.plan for s in segments]
    if len({(p.input_length, p.horizon) for p in plans}) != 1:
        raise ValueError("give at least one series; all must share input_length and horizon")
    length, horizon = plans[0].input_length, plans[0].horizon
    blocks = [_origins(segments, block) for block in range(3)]
    n_train, n_val = len(blocks[0][0]), len(blocks[2][0])
    if n_train < 1 or n_val < 1:
        raise ValueError(
            f"series of {n_rows} rows gives {n_train} training and {n_val} validation "
            "windows; both must be at least 1"
        )
    origins = np.concatenate([rows for rows, _, _ in blocks])
    window_series = np.concatenate([series for _, series, _ in blocks])
    local = np.concatenate([rows for _, _, rows in blocks])
    features, targets = values[:, feature_index], values[:, target_index]
    train_rows = np.concatenate([np.arange(s.start, s.start + s.plan.cut) for s in segments])
    feature_mean, feature_std = _stats(features[train_rows])
    target_mean, target_std = _stats(targets[train_rows])
    covariates, covariate_stats, encoded_static, static_values = _covariates(
        values,
        columns,
        list(segments),
        origins,
        window_series,
        train_rows,
        horizon=horizon,
        future_columns=future_columns,
        calendar=calendar,
        timestamps=timestamps,
        static_columns=static_columns,
        categorical_columns=categorical_columns,
        static_features=static_features,
    )

    data = TrainingData(
        x_all=_to_device(_windows(features, origins - length, length), device),
        y_all=_to_device(_windows(targets, origins, horizon), device),
        n_train=n_train,
        n_val=n_val,
        feature_mean=feature_mean,
        feature_std=feature_std,
        target_mean=target_mean,
        target_std=target_std,
        targets_series=targets.copy(),
        segments=list(segments),
        val_series=blocks[2][1],
        val_origins=blocks[2][0],
        target_feature_index=[
            feature_index.index(i) if i in feature_index else -1 for i in target_index
        ],
        covariates={name: _to_device(w, device) for name, w in covariates.items()},
        covariate_stats=covariate_stats,
        static_features=encoded_static,
        static_values=static_values,
    )
    if max_length is not None:
        if max_length < length:
            raise ValueError(f"max_length {max_length} is shorter than input_length {length}")
        longest = int(min(max_length, local.max()))
        history = np.minimum(local, longest)
        data.x_long = _to_device(_long_windows(features, origins, history, longest), device)
        data.history = torch.from_numpy(history)
    return data
