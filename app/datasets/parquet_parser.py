"""Parquet upload parsing: the same column rules as CSV, with Arrow's types checked instead of
text parsed. Timestamp/date columns become ISO 8601 strings; value columns must be numeric."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from app.datasets.columns import check_column_names, find_series_column, find_timestamp_column
from app.datasets.gaps import FillMissing
from app.datasets.storage import SeriesTable
from app.datasets.tables import Limits, assemble
from app.errors import InvalidInput

PARQUET_MAGIC = b"PAR1"


def is_parquet(data: bytes) -> bool:
    """Parquet files start and end with the magic bytes."""
    return data[:4] == PARQUET_MAGIC


BATCH_ROWS = 65_536
"""Rows decoded at once: a file is decoded in bounded batches, never whole."""


def _open(data: bytes) -> pq.ParquetFile:
    """The file's footer only: nothing is decoded."""
    try:
        return pq.ParquetFile(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InvalidInput("file", f"not a readable Parquet file ({str(exc)[:200]})") from None


def _check_size(meta: pq.FileMetaData, limits: Limits) -> None:
    """Rows, columns and decoded size from the footer, before anything is decoded."""
    if meta.num_rows > limits.rows:
        raise InvalidInput("file", limits.rows_message(meta.num_rows))
    if meta.num_columns > limits.columns + 2:  # plus a timestamp and a series-id column
        raise InvalidInput("file", limits.columns_message(meta.num_columns))
    uncompressed = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if uncompressed > limits.bytes:
        raise InvalidInput(
            "file",
            f"the row groups decode to {uncompressed} bytes, over the limit of {limits.bytes} "
            "(SEQCAST_MAX_DATASET_BYTES)",
        )


def _null_total(meta: pq.FileMetaData, index: int) -> int | None:
    """Nulls of column `index` by the footer's statistics (None where a row group has none)."""
    total = 0
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(index).statistics
        if stats is None or not stats.has_null_count:
            return None
        total += stats.null_count
    return total


def _timestamp_problem(kind: pa.DataType) -> str | None:
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return None
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        return None
    return f"type {kind} cannot hold timestamps (use timestamp, date or string)"


def _series_problem(kind: pa.DataType) -> str | None:
    inner = kind.value_type if pa.types.is_dictionary(kind) else kind
    if pa.types.is_string(inner) or pa.types.is_large_string(inner) or pa.types.is_integer(inner):
        return None
    return f"type {kind} cannot hold series ids (use string or integer)"


def _number_problem(kind: pa.DataType) -> str | None:
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return None
    return f"type {kind} is not numeric (value columns hold numbers)"


class _Timestamps:
    """ISO 8601 strings, batch by batch; naive timestamps that are all midnight become dates."""

    def __init__(self, name: str, kind: pa.DataType) -> None:
        self.name, self.kind = name, kind
        self.values: list[str] = []
        self.midnight = pa.types.is_timestamp(kind) and kind.tz is None

    def add(self, column: pa.Array) -> None:
        try:
            self._add(column)
        except (ValueError, OverflowError, pa.ArrowException) as exc:  # beyond years 1-9999
            raise InvalidInput(
                "file", f"column {self.name!r}: unreadable timestamps ({exc})"
            ) from None

    def _add(self, column: pa.Array) -> None:
        kind = self.kind
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            self.values.extend(str(v) for v in column.to_pylist())
        elif pa.types.is_date(kind):
            self.values.extend(v.isoformat() for v in column.to_pylist())
        else:
            # Microseconds: Python datetimes hold no more (nanosecond precision is truncated).
            values = pc.cast(column, pa.timestamp("us", tz=kind.tz), safe=False).to_pylist()
            if self.midnight:
                self.midnight = all(v.time() == datetime.min.time() for v in values)
            self.values.extend(v.isoformat() for v in values)

    def result(self) -> list[str]:
        if self.midnight:  # "YYYY-MM-DDT00:00:00" -> "YYYY-MM-DD"
            return [v[:10] for v in self.values]
        return self.values


def parse_parquet(
    data: bytes,
    series_column: str | None = None,
    limits: Limits | None = None,
    fill_missing: FillMissing = "none",
    min_rows: int = 2,
) -> SeriesTable:
    """A flat Parquet table: numeric value columns, optionally a timestamp column (by name as
    for CSV, or else the one column of timestamp/date type) and a series-id column.

    Rows, columns, types and the decoded size are checked from the footer first; then the
    file is decoded in batches of BATCH_ROWS rows."""
    parquet = _open(data)
    meta = parquet.metadata
    if limits is not None:
        _check_size(meta, limits)
    try:
        schema = parquet.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InvalidInput("file", f"not a readable Parquet file ({str(exc)[:200]})") from None
    names = list(schema.names)
    check_column_names(names)
    ts_idx = find_timestamp_column(names)
    if ts_idx is None:
        typed = [
            i
            for i, f in enumerate(schema)
            if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)
        ]
        ts_idx = typed[0] if len(typed) == 1 else None
    series_idx = find_series_column(names, series_column, exclude=ts_idx)
    value_idx = [i for i in range(len(names)) if i not in (ts_idx, series_idx)]
    if not value_idx:
        raise InvalidInput("file", "the Parquet file has no value columns")
    n_rows = meta.num_rows
    if limits is not None:
        if len(value_idx) > limits.columns:
            raise InvalidInput("file", limits.columns_message(len(value_idx)))
        at_least = n_rows * 8 * len(value_idx)
        if at_least > limits.bytes:
            raise InvalidInput("file", limits.bytes_message(at_least, at_least=True))
    for i, field in enumerate(schema):
        check = (
            _timestamp_problem
            if i == ts_idx
            else _series_problem
            if i == series_idx
            else _number_problem
        )
        if problem := check(field.type):
            raise InvalidInput("file", f"column {field.name!r}: {problem}")
    if n_rows < min_rows:  # 1 for appended rows: they continue a series
        needed = f"a series needs at least {min_rows} rows" if min_rows > 1 else "no rows"
        raise InvalidInput("file", f"{needed}, got {n_rows}")

    values = np.empty((n_rows, len(value_idx)), dtype=np.float64)
    stamps = _Timestamps(names[ts_idx], schema.field(ts_idx).type) if ts_idx is not None else None
    series: list[str] | None = [] if series_idx is not None else None
    start = 0
    try:
        batches = parquet.iter_batches(batch_size=BATCH_ROWS, use_threads=False)
        for batch in batches:
            stop = start + batch.num_rows
            if stop > n_rows:
                raise InvalidInput("file", f"the file holds more rows than its footer's {n_rows}")
            for i, column in enumerate(batch.columns):
                if column.null_count and (fill_missing == "none" or i not in value_idx):
                    first = start + pc.index(pc.is_null(column), True).as_py()
                    total = _null_total(meta, i)
                    count = total if total is not None else f"at least {column.null_count}"
                    raise InvalidInput(
                        "file",
                        f"column {names[i]!r}: {count} missing values (first at row {first})"
                        + ("; fill_missing fills them" if i in value_idx else ""),
                    )
            for j, i in enumerate(value_idx):
                chunk = pc.cast(batch.column(i), pa.float64()).to_numpy(zero_copy_only=False)
                if fill_missing != "none":  # nulls became NaN: both are missing values
                    bad = np.flatnonzero(np.isinf(chunk))
                else:
                    bad = np.flatnonzero(~np.isfinite(chunk))
                if len(bad):
                    raise InvalidInput(
                        "file",
                        f"column {names[i]!r}, row {start + bad[0]}: {chunk[bad[0]]} is not finite",
                    )
                values[start:stop, j] = chunk
            if stamps is not None:
                stamps.add(batch.column(ts_idx))
            if series is not None:
                series.extend(str(v) for v in batch.column(series_idx).to_pylist())
            start = stop
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInput("file", f"not a readable Parquet file ({str(exc)[:200]})") from None
    if start != n_rows:
        raise InvalidInput("file", f"the file holds {start} rows, its footer says {n_rows}")
    return assemble(
        [names[i] for i in value_idx],
        values,
        timestamps=stamps.result() if stamps is not None else None,
        series=series,
        field="file",
        where=lambda i: f"row {i}",  # 0-based, as Arrow counts
        fill_missing=fill_missing,
        limits=limits,
    )
