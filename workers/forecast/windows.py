"""Forecast the latest window of many series with a version's window graph, RUN_SERIES series at
a time (in onnxruntime runs of at most RUN_WINDOWS windows), yielding each batch's rows as a
record batch (workers.forecast.writer).

The latest window of a series is its last input_length rows; a series with fewer rows is
forecast from all it has (the graph takes lengths from 1 to MAX_LENGTH_FACTOR × input_length,
as /predict does), so windows of one run are grouped by length. No torch: onnxruntime only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import onnxruntime as ort
import pyarrow as pa

from app.contract import (
    CALENDAR_INPUT_NAME,
    FUTURE_INPUT_NAME,
    STATIC_INPUT_NAME,
    Manifest,
    output_names,
)
from app.covariates import calendar_windows
from app.datasets.calendar import future_timestamps
from app.forecasts.plan import RUN_SERIES, RUN_WINDOWS
from workers.forecast.writer import forecast_batch

Runner = Callable[[dict[str, np.ndarray]], list[np.ndarray]]
"""Graph inputs by name -> the graph's outputs (app.contract.output_names order)."""


@dataclass(frozen=True)
class SeriesEntry:
    """One selected series: its rows [start, start + rows) of the table and last timestamp."""

    id: str
    start: int
    rows: int
    last: str | None


def entries_of(summary: Sequence[dict], wanted: Sequence[str] | None) -> list[SeriesEntry]:
    """The dataset row's series summary ({id, rows, last}, table order) -> the selected series,
    in table order (all of them when `wanted` is None)."""
    keep = set(wanted) if wanted is not None else None
    found, start = [], 0
    for s in summary:
        if keep is None or s["id"] in keep:
            found.append(SeriesEntry(s["id"], start, int(s["rows"]), s.get("last")))
        start += int(s["rows"])
    return found


def onnx_runner(model: bytes, manifest: Manifest, threads: int) -> Runner:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # No arena: it keeps the largest run's buffers for the session's life (~140 MB for 1,024
    # windows of an LSTM 2 x 64 over 48 steps), for no measurable speed here.
    options.enable_cpu_mem_arena = False
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    outputs = output_names(bool(manifest.quantiles))
    return lambda feeds: session.run(outputs, feeds)


def forecast_timestamps(
    entry: SeriesEntry, frequency: str | None, horizon: int
) -> list[str] | None:
    if entry.last is None or frequency is None:
        return None
    try:
        return future_timestamps(entry.last, frequency, horizon)
    except ValueError:  # a timestamp the calendar cannot step from: the row stays undated
        return None


@dataclass
class Counts:
    series: int = 0
    short: int = 0
    """Series forecast from fewer rows than input_length."""


def forecast_batches(
    features: np.ndarray,
    entries: Sequence[SeriesEntry],
    manifest: Manifest,
    frequency: str | None,
    run: Runner,
    schema: pa.Schema,
    counts: Counts | None = None,
    run_series: int = RUN_SERIES,
    future: np.ndarray | None = None,
) -> Iterator[pa.RecordBatch]:
    """`features`: the table's feature columns in the manifest's order (any float dtype);
    `future`: [len(entries), horizon, n_future], the known-future values of each entry's
    horizon, for a version with future columns."""
    if manifest.future_columns and future is None:
        raise ValueError("the version takes known-future columns; none were given")
    counts = counts if counts is not None else Counts()
    length, horizon = manifest.input_length, manifest.horizon
    targets, levels = manifest.target_columns, manifest.quantiles
    n_targets = len(targets)
    for begin in range(0, len(entries), run_series):
        part = entries[begin : begin + run_series]
        stamps = [forecast_timestamps(e, frequency, horizon) for e in part]
        point = np.empty((len(part), horizon, n_targets), np.float32)
        quantiles = np.empty((len(part), horizon, n_targets, len(levels)), np.float32)
        by_length: dict[int, list[int]] = {}
        for i, entry in enumerate(part):
            by_length.setdefault(min(entry.rows, length), []).append(i)
        for size, members in by_length.items():
            if size < length:
                counts.short += len(members)
            for first in range(0, len(members), RUN_WINDOWS):
                some = members[first : first + RUN_WINDOWS]
                rows = [part[i] for i in some]
                windows = np.stack(
                    [features[e.start + e.rows - size : e.start + e.rows] for e in rows]
                ).astype(np.float32, copy=False)
                feeds = {manifest.input_name: windows}
                if manifest.future_columns:
                    assert future is not None
                    feeds[FUTURE_INPUT_NAME] = np.ascontiguousarray(
                        future[[begin + i for i in some]], np.float32
                    )
                if manifest.calendar:
                    feeds[CALENDAR_INPUT_NAME] = _calendar(
                        rows, [stamps[i] for i in some], manifest
                    )
                if manifest.static_features:
                    feeds[STATIC_INPUT_NAME] = np.asarray(
                        [manifest.static_values[e.id] for e in rows], np.float32
                    )
                outputs = run(feeds)
                point[some] = outputs[0]
                if levels:
                    quantiles[some] = outputs[1]
        if not np.isfinite(point).all() or (levels and not np.isfinite(quantiles).all()):
            raise ValueError("the model produced NaN or infinite forecasts")
        counts.series += len(part)
        yield forecast_batch(
            schema,
            [e.id for e in part],
            stamps,
            point,
            quantiles if levels else None,
            targets,
            levels,
        )


def _calendar(
    rows: Sequence[SeriesEntry], stamps: Sequence[list[str] | None], manifest: Manifest
) -> np.ndarray:
    """[n, horizon, n_calendar] of the forecast timestamps."""
    for entry, own in zip(rows, stamps, strict=True):
        if own is None:
            raise ValueError(
                f"series {entry.id!r} cannot be dated, but the version takes calendar features"
            )
    return calendar_windows(cast("list[list[str]]", stamps), manifest.calendar)
