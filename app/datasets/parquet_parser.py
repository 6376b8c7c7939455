"""Parquet upload parsing: the same column rules as CSV, with Arrow's types checked instead of
text parsed. Timestamp/date columns become ISO 8601 strings; value columns must be numeric."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from app.datasets.columns import check_column_names, find_series_column, find_timestamp_column
from app.datasets.storage import SeriesTable
from app.datasets.tables import assemble
from app.errors import InvalidInput

PARQUET_MAGIC = b"PAR1"


def is_parquet(data: bytes) -> bool:
    """Parquet files start and end with the magic bytes."""
    return data[:4] == PARQUET_MAGIC


def _read(data: bytes) -> pa.Table:
    try:
        return pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InvalidInput("file", f"not a readable Parquet file ({str(exc)[:200]})") from None


def _no_nulls(name: str, column: pa.ChunkedArray) -> None:
    if column.null_count:
        first = pc.index(pc.is_null(column), True).as_py()
        raise InvalidInput(
            "file", f"column {name!r}: {column.null_count} missing values (first at row {first})"
        )


def _iso(value: datetime | date, midnight_dates: bool) -> str:
    if isinstance(value, datetime) and midnight_dates:
        return value.date().isoformat()
    return value.isoformat()


def _timestamps(name: str, column: pa.ChunkedArray) -> list[str]:
    try:
        return _iso_timestamps(name, column)
    except (ValueError, OverflowError, pa.ArrowException) as exc:  # beyond Python's years 1-9999
        raise InvalidInput("file", f"column {name!r}: unreadable timestamps ({exc})") from None


def _iso_timestamps(name: str, column: pa.ChunkedArray) -> list[str]:
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return [str(v) for v in column.to_pylist()]
    if pa.types.is_date(kind):
        return [v.isoformat() for v in column.to_pylist()]
    if pa.types.is_timestamp(kind):
        # Microseconds: Python datetimes hold no more (nanosecond precision is truncated).
        values = pc.cast(column, pa.timestamp("us", tz=kind.tz), safe=False).to_pylist()
        midnight = kind.tz is None and all(v.time() == datetime.min.time() for v in values)
        return [_iso(v, midnight) for v in values]
    raise InvalidInput(
        "file",
        f"column {name!r}: type {kind} cannot hold timestamps (use timestamp, date or string)",
    )


def _series_ids(name: str, column: pa.ChunkedArray) -> list[str]:
    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if not (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind)
    ):
        raise InvalidInput(
            "file",
            f"column {name!r}: type {column.type} cannot hold series ids (use string or integer)",
        )
    return [str(v) for v in column.to_pylist()]


def _numbers(name: str, column: pa.ChunkedArray) -> np.ndarray:
    kind = column.type
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)):
        raise InvalidInput(
            "file", f"column {name!r}: type {kind} is not numeric (value columns hold numbers)"
        )
    values = pc.cast(column, pa.float64()).to_numpy()
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise InvalidInput("file", f"column {name!r}, row {bad[0]}: {values[bad[0]]} is not finite")
    return values


def parse_parquet(data: bytes, series_column: str | None = None) -> SeriesTable:
    """A flat Parquet table: numeric value columns, optionally a timestamp column (by name as
    for CSV, or else the one column of timestamp/date type) and a series-id column."""
    table = _read(data)
    names = list(table.column_names)
    check_column_names(names)
    ts_idx = find_timestamp_column(names)
    if ts_idx is None:
        typed = [
            i
            for i, f in enumerate(table.schema)
            if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)
        ]
        ts_idx = typed[0] if len(typed) == 1 else None
    series_idx = find_series_column(names, series_column, exclude=ts_idx)
    value_idx = [i for i in range(len(names)) if i not in (ts_idx, series_idx)]
    if not value_idx:
        raise InvalidInput("file", "the Parquet file has no value columns")
    if table.num_rows < 2:
        raise InvalidInput("file", f"a series needs at least 2 rows, got {table.num_rows}")
    for name, column in zip(names, table.columns, strict=True):
        _no_nulls(name, column)
    values = np.column_stack([_numbers(names[i], table.column(i)) for i in value_idx])
    return assemble(
        [names[i] for i in value_idx],
        values,
        timestamps=_timestamps(names[ts_idx], table.column(ts_idx)) if ts_idx is not None else None,
        series=_series_ids(names[series_idx], table.column(series_idx))
        if series_idx is not None
        else None,
        field="file",
        where=lambda i: f"row {i}",  # 0-based, as Arrow counts
    )
