"""The result file of a whole-dataset forecast, written batch by batch: a batch is one run of at
most RUN_SERIES series, turned into rows and written at once (a Parquet row group, CSV lines,
JSON lines), so what a writer holds never grows with the number of series.

Rows: series_id, timestamp (null when the forecast cannot be dated), step (1..horizon), each
target's point forecast, then its quantiles (app.forecasts.plan.result_columns).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Protocol

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from app.forecasts.plan import (
    SERIES_COLUMN,
    STEP_COLUMN,
    TIMESTAMP_COLUMN,
    quantile_column,
    value_columns,
)


def result_schema(targets: Sequence[str], quantiles: Sequence[float]) -> pa.Schema:
    values = [pa.field(name, pa.float32()) for name in value_columns(targets, quantiles)]
    return pa.schema(
        [
            pa.field(SERIES_COLUMN, pa.string(), nullable=False),
            pa.field(TIMESTAMP_COLUMN, pa.string()),
            pa.field(STEP_COLUMN, pa.int32(), nullable=False),
            *values,
        ]
    )


def forecast_batch(
    schema: pa.Schema,
    series_ids: Sequence[str],
    timestamps: Sequence[Sequence[str] | None],
    point: np.ndarray,
    quantiles: np.ndarray | None,
    targets: Sequence[str],
    levels: Sequence[float],
) -> pa.RecordBatch:
    """Rows of `len(series_ids)` series: `point` [n, horizon, n_targets], `quantiles`
    [n, horizon, n_targets, n_levels] (None without quantiles), `timestamps` one list of
    `horizon` per series (None: undated)."""
    n, horizon = point.shape[:2]
    ids = pa.array(np.repeat(np.asarray(series_ids, dtype=object), horizon), pa.string())
    stamps = [t for ts in timestamps for t in (ts if ts is not None else [None] * horizon)]
    columns: dict[str, pa.Array] = {
        SERIES_COLUMN: ids,
        TIMESTAMP_COLUMN: pa.array(stamps, pa.string()),
        STEP_COLUMN: pa.array(np.tile(np.arange(1, horizon + 1, dtype=np.int32), n)),
    }
    for j, target in enumerate(targets):
        columns[target] = pa.array(np.ascontiguousarray(point[:, :, j], np.float32).reshape(-1))
    if quantiles is not None:
        for j, target in enumerate(targets):
            for k, level in enumerate(levels):
                values = np.ascontiguousarray(quantiles[:, :, j, k], np.float32).reshape(-1)
                columns[quantile_column(target, level)] = pa.array(values)
    return pa.RecordBatch.from_arrays([columns[f.name] for f in schema], schema=schema)


class Sink(Protocol):
    def write(self, batch: pa.RecordBatch) -> None: ...

    def close(self) -> None: ...


class _Parquet:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(str(path), schema, compression="zstd")

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch)  # one row group per batch

    def close(self) -> None:
        self._writer.close()


class _Csv:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pa_csv.CSVWriter(str(path), schema)

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch)

    def close(self) -> None:
        self._writer.close()


class _JsonLines:
    """One object per row; the float32 forecasts are written as the doubles they convert to."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._file = path.open("wb")
        self._names = schema.names
        self._encoder = msgspec.json.Encoder()

    def write(self, batch: pa.RecordBatch) -> None:
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        names = self._names
        rows = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
        self._file.write(self._encoder.encode_lines(rows))

    def close(self) -> None:
        self._file.close()


SINKS = {"parquet": _Parquet, "csv": _Csv, "json": _JsonLines}


class ResultWriter:
    """Writes batches of forecast rows to `path` in `fmt` (parquet, csv or json lines)."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema) -> None:
        self.schema = schema
        self.rows = 0
        self._sink: Sink = SINKS[fmt](path, schema)

    def write(self, batch: pa.RecordBatch) -> None:
        self._sink.write(batch)
        self.rows += batch.num_rows

    def write_all(self, batches: Iterable[pa.RecordBatch]) -> None:
        for batch in batches:
            self.write(batch)

    def close(self) -> None:
        self._sink.close()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
