"""Missing values and gaps in timestamps: `fill_missing` on upload or with /train's inline data.

`none` (the default) keeps the strict rules: a missing value is a 422, and a series with gaps is
stored as given (its frequency is then None: irregular steps). Any other method first inserts the
rows a gap leaves out, on the dataset's grid, then fills every missing value of a series column:

- `ffill`: the last value before it; `interpolate`: linear between its neighbours (rows are
  equally spaced once gaps are filled, so linear in time); both take the first value of the
  series for missing values before it (there is nothing earlier to carry forward), and
  `interpolate` the last one after the last value;
- `zero`: 0.

The grid's step is the most common step between consecutive rows over all series (months for
month-start or month-end data, else microseconds); a step that is not a whole number of it is a
422, and so are more rows than the dataset limit, counted before any row is made: a one-year gap
in minute data asks for half a million rows.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Literal, get_args

import numpy as np

from app.datasets.calendar import frequency_of, future_timestamps, parse_timestamp
from app.datasets.storage import SeriesTable
from app.errors import InvalidInput

FillMissing = Literal["none", "ffill", "interpolate", "zero"]
FILL_METHODS: tuple[str, ...] = get_args(FillMissing)
FILL_FIELD = "fill_missing"
DEFAULT_MAX_ROWS = 1_000_000
"""The row bound of a fill when no dataset limits are given (SEQCAST_MAX_DATASET_ROWS' default)."""
MISSING_TOKENS = frozenset({"", "na", "nan", "null", "none", "n/a"})
"""CSV cells read as a missing value when a fill method is given (case-insensitive)."""


def check_method(value: str | None) -> FillMissing:
    """A form field or query value as a method; a 422 naming `fill_missing` otherwise."""
    if value is None or value == "":
        return "none"
    if value not in FILL_METHODS:
        raise InvalidInput(FILL_FIELD, f"{value[:40]!r} is not one of {', '.join(FILL_METHODS)}")
    return value  # type: ignore[return-value]


def _grid_keys(times: Sequence[datetime], micros: np.ndarray) -> tuple[np.ndarray, bool]:
    """Keys whose differences count steps: the month index for data whose every timestamp is a
    month start (or every one a month end) at one time of day, else microseconds."""
    calendar = len({(t.time(), t.tzinfo) for t in times}) == 1 and (
        all(t.day == 1 for t in times)
        or all(t.day == monthrange(t.year, t.month)[1] for t in times)
    )
    if calendar:
        return np.array([t.year * 12 + t.month - 1 for t in times], dtype=np.int64), True
    return micros, False


def fill(
    table: SeriesTable,
    times: list[datetime] | None,
    micros: np.ndarray | None,
    method: FillMissing,
    *,
    max_rows: int,
    field: str | tuple[str | int, ...],
    fill_field: str | tuple[str | int, ...] = FILL_FIELD,
    where: Callable[[int], str],
) -> tuple[SeriesTable, dict[str, int], list[datetime] | None]:
    """The table (grouped by series, sorted by time) with its gaps and missing values filled,
    the count of filled values per column, and the parsed times of the new rows.

    `times` / `micros` are the table's timestamps parsed (None without timestamps); `field` and
    `where(i)` name a table row in a 422, as app.datasets.tables.assemble does; `fill_field`
    is what a 422 about filling names (too many rows, a column with no value).
    """
    if times is not None and micros is not None:
        table, times = _insert_gap_rows(table, times, micros, max_rows, field, fill_field, where)
    values = table.values.copy()
    missing = np.isnan(values)
    for series_id, rows in table.series_slices():
        block = values[rows]
        for j, column in enumerate(table.columns):
            gaps = missing[rows, j]
            if not gaps.any():
                continue
            if gaps.all():
                named = f" of series {series_id!r}" if table.series is not None else ""
                raise InvalidInput(
                    fill_field,
                    f"column {column!r}{named} has no value at all to fill {gaps.sum()} "
                    "missing values from",
                )
            block[:, j] = _fill_column(block[:, j], gaps, method)
        values[rows] = block
    filled = {c: int(n) for c, n in zip(table.columns, missing.sum(axis=0), strict=True)}
    return replace(table, values=values), filled, times


def _fill_column(y: np.ndarray, gaps: np.ndarray, method: FillMissing) -> np.ndarray:
    y = y.copy()
    if method == "zero":
        y[gaps] = 0.0
        return y
    index = np.arange(len(y))
    known = np.flatnonzero(~gaps)
    if method == "interpolate":
        # np.interp holds the end values beyond the known points: back-fill, forward-fill
        y[gaps] = np.interp(index[gaps], known, y[known])
        return y
    last = np.maximum.accumulate(np.where(gaps, -1, index))
    last[last < 0] = known[0]  # before the first value: back-fill it
    return y[last]


def _insert_gap_rows(
    table: SeriesTable,
    times: list[datetime],
    micros: np.ndarray,
    max_rows: int,
    field: str | tuple[str | int, ...],
    fill_field: str | tuple[str | int, ...],
    where: Callable[[int], str],
) -> tuple[SeriesTable, list[datetime]]:
    n = table.n_rows
    if n < 2:
        return table, times
    keys, _ = _grid_keys(times, micros)
    same_series = np.ones(n - 1, dtype=bool)
    for _, rows in table.series_slices():
        if rows.start > 0:
            same_series[rows.start - 1] = False
    steps = np.diff(keys)
    inside = steps[same_series]
    if not len(inside):
        return table, times
    found, counts = np.unique(inside, return_counts=True)
    step = int(found[np.argmax(counts)])  # the most common; the smallest of a tie
    off_grid = np.flatnonzero(same_series & (steps % step != 0))
    stamps = table.timestamps
    assert stamps is not None
    first_pair = int(np.flatnonzero(same_series & (steps == step))[0])
    alias = frequency_of([times[first_pair], times[first_pair + 1]])
    if len(off_grid) or alias is None:
        i = int(off_grid[0]) + 1 if len(off_grid) else first_pair + 1
        raise InvalidInput(
            field,
            f"{where(i)}: timestamp {stamps[i]!r} is not a whole number of steps ({alias or step}) "
            f"after {stamps[i - 1]!r}, so gaps cannot be filled: the timestamps are not on one "
            f"grid (fill_missing 'none' keeps them as they are, with no frequency)",
        )
    missing = np.where(same_series, steps // step - 1, 0)
    total = n + sum(int(m) for m in missing[missing > 0])  # Python ints: no overflow
    if total > max_rows:
        worst = int(np.argmax(missing))
        raise InvalidInput(
            fill_field,
            f"filling the gaps would make {total} rows, over the limit of {max_rows} "
            f"(SEQCAST_MAX_DATASET_ROWS); the largest gap leaves out {int(missing[worst])} steps "
            f"of {alias} between {stamps[worst]!r} and {stamps[worst + 1]!r}",
        )
    if total == n:
        return table, times
    position = np.concatenate([[0], np.cumsum(missing + 1)])  # new row of each old row
    values = np.full((total, len(table.columns)), np.nan)
    values[position] = table.values
    new_stamps: list[str] = []
    for i in range(n):
        new_stamps.append(stamps[i])
        if i < n - 1 and missing[i]:
            new_stamps += future_timestamps(stamps[i], alias, int(missing[i]))
    new_times = [parse_timestamp(s) for s in new_stamps]
    layout = None
    if table.series is not None:
        layout = [
            (series_id, int(position[rows.stop - 1] - position[rows.start] + 1))
            for series_id, rows in table.series_slices()
        ]
    return replace(table, values=values, timestamps=new_stamps, series=layout), new_times
