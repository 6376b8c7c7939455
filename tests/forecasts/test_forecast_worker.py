"""The worker's parts without a worker: the latest windows run through a tiny real ONNX graph
(short series, runs, covariates), the chunk plan, and the streamed writer's memory, which must not
grow with the number of series."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.contract import Manifest
from app.covariates import calendar_values
from app.datasets.calendar import future_timestamps
from app.datasets.storage import SeriesTable, encode
from app.forecasts.plan import MAX_CHUNKS, chunk_bounds, result_columns
from tests.support.memory import peak_growth
from tests.support.tiny_model import expected_forecast, expected_quantiles, window_model
from workers.forecast.job import _read_rows
from workers.forecast.windows import Counts, entries_of, forecast_batches, onnx_runner
from workers.forecast.writer import ResultWriter, forecast_batch, result_schema

LEVELS = [0.1, 0.5, 0.9]
LENGTH, HORIZON = 4, 3
LENGTHS = {"a": 6, "b": 2, "c": 4, "d": 9, "e": 1}
"""b and e are shorter than the input length: forecast from what they have."""


def manifest(**extra) -> Manifest:
    return Manifest(
        architecture="rnn",
        feature_columns=["y", "x"],
        target_columns=["y"],
        input_length=LENGTH,
        horizon=HORIZON,
        opset=17,
        exporter="onnx.helper",
        sha256="",
        size_bytes=0,
        parity_error=0.0,
        **extra,
    )


def table() -> tuple[np.ndarray, list[dict]]:
    rng = np.random.default_rng(3)
    features = rng.normal(10, 2, (sum(LENGTHS.values()), 2))
    summary = [
        {"id": s, "rows": n, "first": None, "last": f"2025-03-{10 + i:02d}"}
        for i, (s, n) in enumerate(LENGTHS.items())
    ]
    return features, summary


def test_latest_windows_short_series_and_runs_match_the_graph():
    spec = manifest(quantiles=LEVELS)
    run = onnx_runner(window_model(2, HORIZON, LEVELS), spec, threads=1)
    features, summary = table()
    entries = entries_of(summary, None)
    counts = Counts()
    schema = result_schema(["y"], LEVELS)
    batches = list(
        forecast_batches(features, entries, spec, "D", run, schema, counts, run_series=2)
    )
    assert [b.num_rows for b in batches] == [2 * HORIZON, 2 * HORIZON, HORIZON]
    rows = pa.Table.from_batches(batches).to_pylist()
    assert (counts.series, counts.short) == (5, 2)
    assert list(rows[0]) == result_columns(["y"], LEVELS)
    for k, entry in enumerate(entries):
        window = features[entry.start : entry.start + entry.rows][-LENGTH:][None]
        point = expected_forecast(window, HORIZON)[0, :, 0]
        quantiles = expected_quantiles(window, HORIZON, LEVELS)[0, :, 0]
        own = rows[k * HORIZON : (k + 1) * HORIZON]
        assert [r["series_id"] for r in own] == [entry.id] * HORIZON
        assert [r["step"] for r in own] == [1, 2, 3]
        assert [r["timestamp"] for r in own] == future_timestamps(entry.last, "D", HORIZON)
        assert [r["y"] for r in own] == pytest.approx(point, rel=1e-6)
        for j, level in enumerate(LEVELS):
            assert [r[f"y_q{level!r}"] for r in own] == pytest.approx(quantiles[:, j], rel=1e-6)


def test_a_subset_keeps_the_table_order_and_rows():
    _, summary = table()
    picked = entries_of(summary, ["d", "a"])
    assert [(e.id, e.start, e.rows) for e in picked] == [("a", 0, 6), ("d", 12, 9)]


def test_calendar_and_static_covariates_are_fed_from_the_timestamps_and_manifest():
    spec = manifest(
        calendar=["day_of_week", "month"],
        static_features=["size"],
        static_values={s: [float(i)] for i, s in enumerate(LENGTHS)},
    )
    run = onnx_runner(window_model(2, HORIZON, n_calendar=2, n_static=1), spec, threads=1)
    features, summary = table()
    entries = entries_of(summary, None)
    schema = result_schema(["y"], [])
    rows = pa.Table.from_batches(
        forecast_batches(features, entries, spec, "D", run, schema)
    ).to_pylist()
    for k, entry in enumerate(entries):
        window = features[entry.start : entry.start + entry.rows][-LENGTH:][None]
        stamps = future_timestamps(entry.last, "D", HORIZON)
        wanted = expected_forecast(
            window,
            HORIZON,
            calendar=calendar_values(stamps, spec.calendar)[None],
            static=np.asarray([[float(k)]]),
        )[0, :, 0]
        got = [r["y"] for r in rows[k * HORIZON : (k + 1) * HORIZON]]
        assert got == pytest.approx(wanted, rel=1e-6)


def test_undated_series_get_null_timestamps():
    spec = manifest()
    features, summary = table()
    undated = [{**s, "last": None} for s in summary]
    run = onnx_runner(window_model(2, HORIZON), spec, threads=1)
    rows = pa.Table.from_batches(
        forecast_batches(
            features, entries_of(undated, ["a"]), spec, None, run, result_schema(["y"], [])
        )
    ).to_pylist()
    assert [r["timestamp"] for r in rows] == [None] * HORIZON


def test_chunks_cover_the_series_in_order():
    assert chunk_bounds(7, 3) == [(0, 3), (3, 6), (6, 7)]
    assert chunk_bounds(4, 2000) == [(0, 4)]
    many = chunk_bounds(100_000, 1)  # a caller cannot make 10^5 chunk tasks
    assert len(many) == MAX_CHUNKS and many[0] == (0, 391) and many[-1][1] == 100_000


def synthetic(n_series: int, horizon: int, per: int = 1024):
    """Batches of `per` series, as a chunk yields them (one array reused: the writer's memory
    is what is measured)."""
    schema = result_schema(["y"], LEVELS)
    point = np.random.default_rng(0).normal(size=(per, horizon, 1)).astype(np.float32)
    quantiles = np.repeat(point[..., None], len(LEVELS), axis=3)
    stamps = [[f"2025-01-01T{h:02d}:00:00" for h in range(horizon)]] * per
    for begin in range(0, n_series, per):
        n = min(per, n_series - begin)
        ids = [f"series-{begin + i:07d}" for i in range(n)]
        yield forecast_batch(schema, ids, stamps[:n], point[:n], quantiles[:n], ["y"], LEVELS)


BOUND = 8 * 2**20


@pytest.mark.parametrize(
    ("fmt", "n_series"), [("parquet", 16_000), ("csv", 16_000), ("json", 16_000)]
)
def test_writing_many_series_keeps_memory_flat(tmp_path: Path, fmt: str, n_series: int):
    schema = result_schema(["y"], LEVELS)
    with ResultWriter(tmp_path / "warm", fmt, schema) as writer:  # codecs, pools, imports
        writer.write_all(synthetic(2_048, 24))
    held = 0
    with peak_growth() as growth, ResultWriter(tmp_path / "big", fmt, schema) as writer:
        for batch in synthetic(n_series, 24):
            held += batch.nbytes
            writer.write(batch)
    assert writer.rows == n_series * 24
    # The rows held at once would be 2 to 4 x the bound; the writer keeps about one batch.
    assert held > 2 * BOUND
    assert growth.bytes < BOUND, f"{fmt}: RSS grew {growth.bytes / 2**20:.1f} MB"
    content = (tmp_path / "big").read_bytes()
    if fmt == "parquet":
        found = pq.ParquetFile(io.BytesIO(content))
        assert found.metadata.num_rows == n_series * 24 and found.num_row_groups == -(
            -n_series // 1024
        )
        last = found.read_row_group(found.num_row_groups - 1).to_pylist()[-1]
    elif fmt == "csv":
        lines = content.decode().splitlines()
        header, values = csv.reader([lines[0], lines[-1]])
        assert header == result_columns(["y"], LEVELS)
        last = dict(zip(header, values, strict=True))
    else:
        last = json.loads(content.splitlines()[-1])
    assert last["series_id"] == f"series-{n_series - 1:07d}" and int(last["step"]) == 24


def test_the_worker_modules_see_every_table_the_job_row_refers_to():
    """A pool process that has run nothing else imports only these: the row's foreign keys
    (versions, datasets, API keys) must resolve there too."""
    code = (
        "import workers.forecast.job, workers.forecast.tasks\n"
        "from app.db import Base\n"
        "print(len(Base.metadata.sorted_tables))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_chunk_reads_only_its_span_of_the_stored_values():
    values = np.random.default_rng(1).normal(size=(1_000, 3))
    stored = SeriesTable(
        columns=["a", "b", "c"],
        values=values,
        timestamps=[f"2020-01-{1 + i % 28:02d}" for i in range(1_000)],
        series=[("s1", 400), ("s2", 600)],
    )
    assert np.array_equal(_read_rows(io.BytesIO(encode(stored)), 395, 720), values[395:720])
    compressed = io.BytesIO()
    np.savez_compressed(compressed, values=values, columns=np.array(["a", "b", "c"]))
    assert np.array_equal(_read_rows(compressed, 3, 9), values[3:9])


def test_known_future_values_are_fed_per_series():
    spec = manifest(future_columns=["promo"])
    run = onnx_runner(window_model(2, HORIZON, n_future=1), spec, threads=1)
    features, summary = table()
    entries = entries_of(summary, None)
    future = np.arange(len(entries) * HORIZON, dtype=np.float32).reshape(-1, HORIZON, 1)
    schema = result_schema(["y"], [])
    with pytest.raises(ValueError, match="known-future"):
        next(forecast_batches(features, entries, spec, "D", run, schema))
    batches = forecast_batches(
        features, entries, spec, "D", run, schema, run_series=2, future=future
    )
    rows = pa.Table.from_batches(batches).to_pylist()
    for k, entry in enumerate(entries):
        window = features[entry.start : entry.start + entry.rows][-LENGTH:][None]
        wanted = expected_forecast(window, HORIZON, future=future[k][None])[0, :, 0]
        got = [r["y"] for r in rows[k * HORIZON : (k + 1) * HORIZON]]
        assert got == pytest.approx(wanted, rel=1e-6)
