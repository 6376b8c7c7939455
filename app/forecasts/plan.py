"""What the gateway and the worker agree on about a whole-dataset forecast: the formats, the
result file's columns, where its files live, and how the series are cut into chunks. Pure
Python: the gateway imports it (no torch, no pyarrow needed), and so does the worker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

Format = Literal["parquet", "csv", "json"]
FORMATS: tuple[Format, ...] = get_args(Format)

MEDIA_TYPES: dict[str, str] = {
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/x-ndjson",
}
"""`json` is JSON lines: one object per row, so a reader can stream it like the writer did."""
EXTENSIONS: dict[str, str] = {"parquet": "parquet", "csv": "csv", "json": "jsonl"}

DEFAULT_CHUNK_SERIES = 2_000
"""Series per chunk task: big enough that a chunk's fixed cost (reading the dataset, loading
the model) is small beside its work, small enough that a large dataset spreads over workers."""
MAX_CHUNK_SERIES = 100_000
MAX_CHUNKS = 256
"""Chunk tasks of one job at most: a smaller `chunk_size` is raised to fit. Each chunk is a
message, a file and an entry its job's row rewrites under a lock, so `chunk_size: 1` over 10^5
series must not become 10^5 of each."""
RUN_SERIES = 1_024
"""Series forecast and written at once (a row group of a chunk file): what bounds a worker's
memory, whatever the number of series."""
RUN_WINDOWS = 256
"""Windows per onnxruntime run: an LSTM 2 x 64 ran 66-100 µs per window in runs of 128-512 and
125-136 in runs of 1,024 (one thread, this machine), its activations fitting the caches better."""

SERIES_COLUMN = "series_id"
TIMESTAMP_COLUMN = "timestamp"
STEP_COLUMN = "step"
KEY_COLUMNS = (SERIES_COLUMN, TIMESTAMP_COLUMN, STEP_COLUMN)


def quantile_column(target: str, level: float) -> str:
    """`y_q0.1`, `y_q0.5`, ...: the level as Python writes it, so it reads back as a float."""
    return f"{target}_q{level!r}"


def value_columns(targets: Sequence[str], quantiles: Sequence[float]) -> list[str]:
    """The columns after the keys: each target's point forecast, then its quantiles."""
    columns = list(targets)
    for target in targets:
        columns += [quantile_column(target, q) for q in quantiles]
    return columns


def result_columns(targets: Sequence[str], quantiles: Sequence[float]) -> list[str]:
    return [*KEY_COLUMNS, *value_columns(targets, quantiles)]


def chunk_bounds(n_series: int, chunk_size: int) -> list[tuple[int, int]]:
    """[start, stop) of each chunk over the selected series, in series order; at most
    MAX_CHUNKS of them."""
    chunk_size = max(chunk_size, -(-n_series // MAX_CHUNKS))
    return [(s, min(s + chunk_size, n_series)) for s in range(0, n_series, chunk_size)]


def folder(job_id: str) -> str:
    return f"forecasts/{job_id}"


def chunk_key(job_id: str, index: int) -> str:
    """A chunk's intermediate file (Parquet, whatever the result's format); keyed by job and
    index, so a redelivered chunk task overwrites its own file."""
    return f"{folder(job_id)}/chunk-{index:06d}.parquet"


def result_key(job_id: str, fmt: str) -> str:
    return f"{folder(job_id)}/forecast.{EXTENSIONS[fmt]}"
