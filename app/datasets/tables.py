"""One way to turn parsed rows (CSV, Parquet or JSON) into a stored table: validate series ids
and timestamps, group rows by series, sort each series by time, refuse duplicates, and infer
the frequency. The parsers only read cells; every rule about rows lives here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from app.datasets import gaps
from app.datasets.calendar import frequency_of, is_aware, parse_timestamp
from app.datasets.gaps import FILL_FIELD, FillMissing
from app.datasets.storage import SeriesTable
from app.errors import InvalidInput
from app.names import has_control_characters

MAX_SERIES_ID_LENGTH = 100
MAX_REPORTED = 5
"""How many offending rows an error message lists."""

Field = str | tuple[str | int, ...]


@dataclass(frozen=True)
class Limits:
    """What one dataset may hold (SEQCAST_MAX_DATASET_ROWS / _COLUMNS / _BYTES); the parsers
    check them while reading, before the whole file is decoded."""

    rows: int
    columns: int
    bytes: int

    def rows_message(self, n_rows: int) -> str:
        return f"{n_rows} rows exceed the limit of {self.rows}"

    def columns_message(self, n_columns: int) -> str:
        return f"{n_columns} columns exceed the limit of {self.columns}"

    def bytes_message(self, n_bytes: int, at_least: bool = False) -> str:
        return (
            f"the dataset would take {'at least ' if at_least else ''}{n_bytes} bytes stored, "
            f"over the limit of {self.bytes} (SEQCAST_MAX_DATASET_BYTES)"
        )


def series_id_problem(series_id: str) -> str | None:
    """Why `series_id` is not a usable series id, or None. Ids end up in URLs and manifests."""
    if not series_id:
        return "a series id is empty"
    if len(series_id) > MAX_SERIES_ID_LENGTH or has_control_characters(series_id):
        return (
            f"series id {series_id[:40]!r} must be 1 to {MAX_SERIES_ID_LENGTH} characters, "
            "no control characters"
        )
    return None


def _row(i: int) -> str:
    return f"row {i + 1}"


def parse_times(
    timestamps: Sequence[str], field: Field, where: Callable[[int], str]
) -> tuple[list[datetime], np.ndarray]:
    """The parsed times and microseconds since the epoch, one per row; naive and aware times
    may not be mixed (they cannot be ordered)."""
    parsed: list[datetime] = []
    for i, text in enumerate(timestamps):
        try:
            parsed.append(parse_timestamp(text))
        except ValueError:
            raise InvalidInput(
                field,
                f"{where(i)}: timestamp {text[:60]!r} is not ISO 8601 "
                "(e.g. 2024-01-31, 2024-01-31T12:00:00, 2024-01-31T12:00:00Z or 2024-01)",
            ) from None
    aware = [is_aware(t) for t in parsed]
    if any(aware) and not all(aware):
        i = aware.index(not aware[0])
        raise InvalidInput(
            field,
            f"{where(i)}: timestamp {timestamps[i]!r} mixes time zones with "
            f"{timestamps[0]!r}: give every timestamp an offset, or none",
        )
    epoch = datetime(1970, 1, 1, tzinfo=UTC if aware and aware[0] else None)
    one = timedelta(microseconds=1)
    return parsed, np.array([(t - epoch) // one for t in parsed], dtype=np.int64)


def _group_series(
    series: Sequence[str], field: Field, where: Callable[[int], str]
) -> tuple[np.ndarray, list[str]]:
    """Group number of every row (series numbered in order of first appearance) and the ids in
    that order; each distinct id is checked once, naming the first row that uses a bad one."""
    number: dict[str, int] = {}
    for series_id in series:
        number.setdefault(series_id, len(number))
    for series_id in number:
        if problem := series_id_problem(series_id):
            raise InvalidInput(field, f"{where(list(series).index(series_id))}: {problem}")
    groups = np.fromiter((number[s] for s in series), dtype=np.int64, count=len(series))
    return groups, list(number)


def _duplicates_message(
    keys: np.ndarray, groups: np.ndarray, ids: list[str], stamps: list[str], named: bool
) -> str | None:
    same = (keys[1:] == keys[:-1]) & (groups[1:] == groups[:-1])
    hits = np.flatnonzero(same) + 1
    if not len(hits):
        return None
    shown = [
        f"series {ids[groups[i]]!r} at {stamps[i]!r}" if named else repr(stamps[i])
        for i in hits[:MAX_REPORTED]
    ]
    more = f" and {len(hits) - MAX_REPORTED} more" if len(hits) > MAX_REPORTED else ""
    what = "(series, timestamp) pair" if named else "timestamp"
    return f"{len(hits)} duplicate rows: each {what} may appear once; {', '.join(shown)}{more}"


def assemble(
    columns: list[str],
    values: np.ndarray,
    *,
    timestamps: Sequence[str] | None,
    series: Sequence[str] | None,
    field: Field,
    where: Callable[[int], str] = _row,
    fill_missing: FillMissing = "none",
    limits: Limits | None = None,
    fill_field: Field = FILL_FIELD,
) -> SeriesTable:
    """Rows in upload order -> a table grouped by series (first appearance order), each series
    sorted by time (stable: rows without timestamps keep their order).

    `field` is what a 422 names (`file`, `timestamps`, ...); `where(i)` describes input row i
    (the CSV parser says `line 7`). Series ids and timestamps are checked here; numbers are the
    parser's job (NaN marks a missing value, which only a `fill_missing` method lets through:
    see app.datasets.gaps, which fills gaps and values with at most `limits.rows` rows).
    """
    n = len(values)
    stamps = [t.strip() for t in timestamps] if timestamps is not None else None
    if series is not None:
        groups, ordered_ids = _group_series(series, field, where)
    else:
        groups, ordered_ids = np.zeros(n, dtype=np.int64), [""]
    parsed: list[datetime] | None = None
    if stamps is not None:
        parsed, keys = parse_times(stamps, field, where)
        order = np.lexsort((keys, groups))
        message = _duplicates_message(
            keys[order], groups[order], ordered_ids, [stamps[i] for i in order], series is not None
        )
        if message:
            raise InvalidInput(field, message)
    else:
        order = np.argsort(groups, kind="stable")
    counts = np.bincount(groups, minlength=len(ordered_ids))
    table_stamps = [stamps[i] for i in order] if stamps is not None else None
    layout = (
        [(s, int(c)) for s, c in zip(ordered_ids, counts, strict=True)]
        if series is not None
        else None
    )
    table = SeriesTable(
        columns=list(columns),
        values=np.asarray(values, dtype=np.float64)[order],
        timestamps=table_stamps,
        series=layout,
    )
    times = [parsed[i] for i in order] if parsed is not None else None
    if fill_missing != "none":
        table, filled, times = gaps.fill(
            table,
            times,
            keys[order] if parsed is not None else None,
            fill_missing,
            max_rows=limits.rows if limits is not None else gaps.DEFAULT_MAX_ROWS,
            field=field,
            fill_field=fill_field,
            where=lambda i: where(int(order[i])),
        )
        table = replace(table, filled=filled)
    if times is None:
        return table
    return replace(table, frequency=dataset_frequency(table, times))


def dataset_frequency(table: SeriesTable, times: list[datetime]) -> str | None:
    """The one frequency every series with two or more rows shares, or None (irregular steps,
    or series that disagree). `times` are the table's timestamps, parsed."""
    found: set[str | None] = set()
    for _, rows in table.series_slices():
        if rows.stop - rows.start >= 2:
            found.add(frequency_of(times[rows]))
            if None in found or len(found) > 1:
                return None
    return found.pop() if found else None


def summary(table: SeriesTable) -> list[dict]:
    """Per series: id, rows, first and last timestamp (None without timestamps)."""
    stamps = table.timestamps
    return [
        {
            "id": series_id,
            "rows": rows.stop - rows.start,
            "first": stamps[rows.start] if stamps is not None else None,
            "last": stamps[rows.stop - 1] if stamps is not None else None,
        }
        for series_id, rows in table.series_slices()
    ]
