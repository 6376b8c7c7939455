"""One whole-dataset forecast job, in three task bodies (workers.tasks):

- `run_forecast_job` (forecast.run) marks the job running and cuts the selected series into
  chunks. One chunk is forecast and merged right there; more are published as a Celery group of
  forecast.chunk tasks, so several workers (on several machines) forecast them at once.
- `run_chunk` (forecast.chunk) forecasts one chunk into a Parquet chunk file in the artifact
  store and records it in `chunks_done` under the row's lock. The chunk that completes the set
  publishes forecast.merge: the group's callback. (Not a Celery chord: that needs a result
  backend, and seqcast runs without one, on Redis or the embedded filesystem broker.)
- `merge` (forecast.merge) streams the chunk files, in order, into the one result file in the
  requested format, stores it, and marks the job succeeded.

Every task re-reads the row and is safe to redeliver: a chunk is keyed by its index (its file is
overwritten, it is counted once), a finished or cancelled job is left alone. No torch here.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow.parquet as pq
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.accuracy import service as accuracy
from app.artifacts import ArtifactStore, make_store
from app.config import Settings
from app.contract import Manifest, manifest_uri_for, sha256_bytes
from app.datasets import service as datasets
from app.db import utcnow
from app.forecasts import plan
from app.logs import job_context
from app.models import Dataset, ForecastJob  # every table: the foreign keys must resolve
from app.training.models import JobStatus
from workers.db import worker_sessions
from workers.forecast.records import ChunkRecords, discard, records_key, store_records
from workers.forecast.windows import (
    Counts,
    SeriesEntry,
    entries_of,
    forecast_batches,
    onnx_runner,
)
from workers.forecast.writer import ResultWriter, result_schema

log = logging.getLogger("seqcast.worker")

HOST = socket.gethostname()

VALUES_MEMBER = "values.npy"
"""The array of a stored dataset (app.datasets.storage.encode) that holds its values."""

Publish = Callable[[list[int]], None]
"""Publishes the chunk tasks of these indexes (a Celery group)."""


def run_forecast_job(
    job_id: str, settings: Settings, publish_chunks: Publish, publish_merge: Callable[[], None]
) -> None:
    sessions = worker_sessions(settings)
    with job_context(job_id), sessions() as session:
        job = session.get(ForecastJob, job_id)
        if job is None:
            log.error("forecast %s not found; dropping the message", job_id)
            return
        if job.status.terminal:
            log.info("forecast %s already %s", job_id, job.status.value)
            return
        job.status = JobStatus.running
        job.attempts += 1
        job.worker = f"{HOST}:{os.getpid()}"
        job.started_at = job.started_at or utcnow()
        job.error = None
        job.chunks_total = len(plan.chunk_bounds(job.series_total, job.chunk_size))
        pending = [k for k in range(job.chunks_total) if k not in (job.chunks_done or [])]
        session.commit()
    if job.chunks_total > 1:
        try:
            if pending:
                publish_chunks(pending)
            else:  # redelivered after every chunk was stored: only the merge is left
                publish_merge()
        except Exception as exc:
            log.exception("forecast %s: its chunks could not be published", job_id)
            _fail(settings, job_id, f"publishing the chunks: {type(exc).__name__}: {exc}")
        return
    if run_chunk(job_id, 0, settings):  # one chunk: no broker round trips
        merge(job_id, settings)


def _fail(settings: Settings, job_id: str, error: str) -> None:
    """Fail the job (unless it already finished) and delete the chunk files it stored."""
    with worker_sessions(settings)() as session:
        job = session.get(ForecastJob, job_id, with_for_update=True)
        if job is None or job.status.terminal:
            return
        job.status = JobStatus.failed
        job.error = error
        job.finished_at = utcnow()
        stored = list(job.chunks_done or [])
        chunks = job.chunks_total
        session.commit()
    store = make_store(settings)
    for index in stored:
        store.delete(plan.chunk_key(job_id, index))
    discard(store, job_id, range(chunks))


def _lock(session: Session, job_id: str) -> ForecastJob | None:
    """The row, locked for this transaction: FOR UPDATE on PostgreSQL; on SQLite the no-op
    UPDATE takes the database's write lock first, so no other writer reads it meanwhile."""
    session.execute(
        update(ForecastJob)
        .where(ForecastJob.id == job_id)
        .values(series_done=ForecastJob.series_done)
    )
    return session.get(ForecastJob, job_id, with_for_update=True, populate_existing=True)


def _load_model(store: ArtifactStore, job: ForecastJob) -> tuple[bytes, Manifest]:
    version = job.version
    model = store.get(version.artifact_uri)
    if sha256_bytes(model) != version.sha256:
        raise RuntimeError(
            f"artifact {version.artifact_uri} does not match the registry's sha256; not run"
        )
    return model, Manifest.from_json(store.get(manifest_uri_for(version.artifact_uri)))


def _read_rows(file: BinaryIO, start: int, stop: int) -> np.ndarray:
    """Rows [start, stop) of the `values` array of a dataset's stored .npz, read from the file
    alone: np.savez stores its members uncompressed, so the rows lie at a known offset (a range
    read on S3). A member stored any other way is read whole."""
    with zipfile.ZipFile(file) as archive:
        info = archive.getinfo(VALUES_MEMBER)
        if info.compress_type != zipfile.ZIP_STORED:
            with archive.open(info) as member:
                return np.lib.format.read_array(member, allow_pickle=False)[start:stop]
    file.seek(info.header_offset)
    local = file.read(30)  # the member's local header: its name and extra field follow
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    file.seek(info.header_offset + 30 + name_length + extra_length)
    version = np.lib.format.read_magic(file)
    read_header = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    shape, fortran_order, dtype = read_header(file)
    if fortran_order or len(shape) != 2:
        raise ValueError(f"unexpected layout of the stored values: {shape}, {fortran_order=}")
    row_bytes = shape[1] * dtype.itemsize
    file.seek(file.tell() + start * row_bytes)
    data = file.read((stop - start) * row_bytes)
    return np.frombuffer(data, dtype).reshape(stop - start, shape[1])


def _latest_rows(
    store: ArtifactStore,
    uri: str,
    columns: list[str],
    wanted: list[str],
    entries: list[SeriesEntry],
    length: int,
) -> tuple[np.ndarray, list[SeriesEntry]]:
    """The `wanted` columns of each entry's last `length` rows (fewer when it has fewer), and
    the entries re-based onto them: what a chunk keeps of the table. Only the chunk's span of
    rows is read from the stored .npz (its other rows and its timestamps are not: the dataset
    row has each series' last timestamp)."""
    first, last = entries[0].start, entries[-1].start + entries[-1].rows
    with store.open(uri) as file:
        span = _read_rows(file, first, last)
    kept = [min(e.rows, length) for e in entries]
    rows = np.concatenate(
        [
            np.arange(e.start + e.rows - k, e.start + e.rows) - first
            for e, k in zip(entries, kept, strict=True)
        ]
    )
    features = span[np.ix_(rows, [columns.index(c) for c in wanted])].astype(np.float32)
    starts = np.concatenate([[0], np.cumsum(kept)[:-1]])
    rebased = [
        SeriesEntry(e.id, int(start), k, e.last)
        for e, k, start in zip(entries, kept, starts, strict=True)
    ]
    return features, rebased


def _future_block(
    store: ArtifactStore,
    future: Dataset,
    columns: list[str],
    entries: list[SeriesEntry],
    horizon: int,
) -> np.ndarray:
    """[len(entries), horizon, len(columns)]: each entry's first `horizon` rows of the
    known-future dataset (small: series × horizon rows, so read whole)."""
    starts, offset = {}, 0
    for summary in future.series_summary():
        starts[summary["id"]] = offset
        offset += int(summary["rows"])
    with store.open(future.artifact_uri) as file, np.load(file, allow_pickle=False) as npz:
        values = npz["values"]
    rows = np.concatenate([starts[e.id] + np.arange(horizon) for e in entries])
    block = values[np.ix_(rows, [list(future.columns).index(c) for c in columns])]
    return block.reshape(len(entries), horizon, len(columns)).astype(np.float32)


def run_chunk(job_id: str, index: int, settings: Settings) -> bool:
    """Forecast chunk `index` and record it; True when every chunk is now stored (then the caller
    merges, or publishes the merge). A job no longer running is left alone; any failure fails
    the job with the reason (a chunk is not retried: the client asks again)."""
    try:
        return _run_chunk(job_id, index, settings)
    except Exception as exc:
        log.exception("forecast %s chunk %d failed", job_id, index)
        _fail(settings, job_id, f"chunk {index}: {type(exc).__name__}: {exc}")
        return False


def _run_chunk(job_id: str, index: int, settings: Settings) -> bool:
    sessions = worker_sessions(settings)
    store = make_store(settings)
    started = time.perf_counter()
    with job_context(job_id), sessions() as session:
        job = session.get(ForecastJob, job_id)
        if job is None or job.status != JobStatus.running:
            return False
        if index in (job.chunks_done or []):
            return len(job.chunks_done) == job.chunks_total
        try:
            model, manifest = _load_model(store, job)
            # the revision submitted, so every chunk reads the same rows whatever is appended
            dataset = datasets.as_of(session, job.dataset, job.dataset_revision)
            entries = entries_of(dataset.series_summary(), job.series)
            begin, end = plan.chunk_bounds(len(entries), job.chunk_size)[index]
            features, entries = _latest_rows(
                store,
                dataset.artifact_uri,
                list(job.dataset.columns),
                manifest.feature_columns,
                entries[begin:end],
                manifest.input_length,
            )
            future = None
            if manifest.future_columns:
                if job.future_dataset is None:
                    raise ValueError("the version takes known-future columns: no future dataset")
                future = _future_block(
                    store, job.future_dataset, manifest.future_columns, entries, manifest.horizon
                )
            frequency = dataset.frequency
            records = ChunkRecords(
                features, entries, manifest, accuracy.season_of(job.version.metrics)
            )
            # The rows read, end the transaction: the work holds none open, and the record
            # below starts with a write (on SQLite, a read transaction cannot become a write
            # once another chunk has committed).
            session.commit()
            run = onnx_runner(model, manifest, settings.ort_intra_op_threads)
            schema = result_schema(manifest.target_columns, manifest.quantiles)
            counts = Counts()
            with tempfile.TemporaryDirectory(prefix="seqcast-forecast-") as folder:
                path = Path(folder) / "chunk.parquet"
                with ResultWriter(path, "parquet", schema) as writer:
                    writer.write_all(
                        records.tap(
                            forecast_batches(
                                features,
                                entries,
                                manifest,
                                frequency,
                                run,
                                schema,
                                counts,
                                future=future,
                            )
                        )
                    )
                store.put_file(plan.chunk_key(job_id, index), path)
            records.write(store, records_key(job_id, index))
        except Exception:  # run_chunk records it on the row: the client reads why it failed
            session.rollback()
            raise
        seconds = time.perf_counter() - started
        job = _lock(session, job_id)
        if job is None or job.status != JobStatus.running:
            session.commit()
            store.delete(plan.chunk_key(job_id, index))
            discard(store, job_id, [index])
            return False
        if index not in job.chunks_done:
            job.chunks_done = [*job.chunks_done, index]
            job.series_done += counts.series
            job.series_short += counts.short
            job.timings = {
                **job.timings,
                "chunks_seconds": job.timings.get("chunks_seconds", 0.0) + seconds,
            }
        complete = len(job.chunks_done) == job.chunks_total
        session.commit()
        log.info("forecast %s chunk %d: %d series in %.2f s", job_id, index, counts.series, seconds)
        return complete


def merge(job_id: str, settings: Settings) -> None:
    """Stream the chunk files, in order, into the result file; store it; mark the job done.
    Then the chunks' records for live accuracy: the client does not wait for them."""
    try:
        _merge(job_id, settings)
    except Exception as exc:
        log.exception("forecast %s merge failed", job_id)
        _fail(settings, job_id, f"merge: {type(exc).__name__}: {exc}")
        return
    store_records(job_id, settings)


def _merge(job_id: str, settings: Settings) -> None:
    sessions = worker_sessions(settings)
    store = make_store(settings)
    with job_context(job_id), sessions() as session:
        job = session.get(ForecastJob, job_id)
        if job is None or job.status != JobStatus.running:
            return
        forecast_done = utcnow()
        started = time.perf_counter()
        try:
            keys = [plan.chunk_key(job_id, k) for k in range(job.chunks_total)]
            manifest = Manifest.from_json(store.get(manifest_uri_for(job.version.artifact_uri)))
            fmt = job.format
            session.commit()  # as in a chunk: no transaction held over the work
            schema = result_schema(manifest.target_columns, manifest.quantiles)
            with tempfile.TemporaryDirectory(prefix="seqcast-forecast-") as folder:
                path = Path(folder) / "result"
                with ResultWriter(path, fmt, schema) as writer:
                    for key in keys:
                        with store.open(key) as file:
                            for batch in pq.ParquetFile(file).iter_batches():
                                writer.write(batch)
                uri = store.put_file(plan.result_key(job_id, fmt), path)
                size = path.stat().st_size
        except Exception:
            session.rollback()
            raise
        merge_seconds = time.perf_counter() - started
        job = _lock(session, job_id)
        if job is None or job.status != JobStatus.running:
            session.commit()
            return
        now = utcnow()
        assert job.started_at is not None
        total = (now - job.created_at).total_seconds()
        forecast = (forecast_done - job.started_at).total_seconds()
        job.status = JobStatus.succeeded
        job.result_uri = uri
        job.result_bytes = size
        job.rows = writer.rows
        job.finished_at = now
        job.timings = {
            **job.timings,
            "queued": (job.started_at - job.created_at).total_seconds(),
            "forecast": forecast,
            "merge": merge_seconds,
            "total": total,
            "series_per_second": job.series_total / max(forecast + merge_seconds, 1e-9),
        }
        session.commit()
    for key in keys:
        store.delete(key)
