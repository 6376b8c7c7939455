"""The forecasts a whole-dataset forecast job stores for live accuracy (app.accuracy): each dated
series' point forecasts beside the seasonal-naive forecast from the same window, taken from the
record batches on their way to the chunk file (no second model run).

A chunk writes its records as a Parquet file beside its chunk file; once the job has succeeded,
`store_records` puts them all in the database in one transaction and deletes the files. So the
client's job is not slowed by them: 240,000 records (10,000 series × 12 steps × 2 targets) took
about 4 s of PostgreSQL time inside the job, which finished in 2 s without them. Built as Arrow
columns (a chunk may hold 10^5 series), they go to PostgreSQL as `COPY ... (FORMAT csv)` through
Arrow's CSV writer: no Python code runs per record."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import delete

from app.accuracy.models import ForecastRecord
from app.accuracy.naive import window_naive
from app.accuracy.service import UTC_MICROS, insert_table, to_utc
from app.artifacts import ArtifactStore, make_store
from app.config import Settings
from app.contract import Manifest
from app.forecasts import plan
from app.forecasts.models import ForecastJob
from app.forecasts.plan import SERIES_COLUMN, STEP_COLUMN, TIMESTAMP_COLUMN
from app.logs import job_context
from app.training.models import JobStatus
from workers.db import worker_sessions
from workers.forecast.windows import SeriesEntry

log = logging.getLogger("seqcast.worker")


def records_key(job_id: str, index: int) -> str:
    """A chunk's records, waiting for the job to succeed (keyed like its chunk file)."""
    return f"{plan.folder(job_id)}/records-{index:06d}.parquet"


def discard(store: ArtifactStore, job_id: str, indexes: Iterable[int]) -> None:
    for index in indexes:
        store.delete(records_key(job_id, index))


class ChunkRecords:
    """Collects a chunk's dated forecasts; `write` stores them as the chunk's records file."""

    def __init__(
        self,
        features: np.ndarray,
        entries: Sequence[SeriesEntry],
        manifest: Manifest,
        season: int,
    ) -> None:
        self._features = features
        self._entries = {e.id: e for e in entries}
        self._manifest = manifest
        self._season = season
        wanted = manifest.feature_columns
        self._targets = (
            [wanted.index(t) for t in manifest.target_columns]
            if set(manifest.target_columns) <= set(wanted)
            else None
        )
        self._moment = cache(to_utc)  # the series of a dataset share their dates
        self._parts: list[pa.Table] = []

    def tap(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Pass the batches through, keeping what each says about the dated series."""
        for batch in batches:
            self._keep(batch)
            yield batch

    def _keep(self, batch: pa.RecordBatch) -> None:
        horizon, targets = self._manifest.horizon, self._manifest.target_columns
        n_targets = len(targets)
        ids = batch.column(SERIES_COLUMN).to_pylist()[::horizon]
        stamps = batch.column(TIMESTAMP_COLUMN).to_pylist()
        dated = np.asarray(
            [
                i
                for i, series_id in enumerate(ids)
                if stamps[i * horizon] is not None and self._entries[series_id].last is not None
            ],
            np.int64,
        )
        if not len(dated):
            return
        rows = (dated[:, None] * horizon + np.arange(horizon)).ravel()  # the dated series' rows
        each = np.repeat(rows, n_targets)  # one record per row and target
        point = np.stack([batch.column(t).to_numpy(zero_copy_only=False) for t in targets], axis=-1)
        entries = [self._entries[ids[i]] for i in dated]
        naive = (
            pa.array(np.stack([self._naive(e) for e in entries]).ravel(), pa.float64())
            if self._targets is not None
            else pa.nulls(len(each), pa.float64())
        )
        origins = [self._moment(e.last) for e in entries]  # type: ignore[arg-type]
        self._parts.append(
            pa.table(
                {
                    "series_id": batch.column(SERIES_COLUMN).take(pa.array(each)),
                    "origin": pa.array(
                        np.repeat(np.asarray(origins, object), horizon * n_targets), UTC_MICROS
                    ),
                    "step": pa.array(batch.column(STEP_COLUMN).to_numpy()[each], pa.int32()),
                    "target": pa.array(
                        np.tile(np.asarray(targets, object), len(rows)), pa.string()
                    ),
                    "forecast_at": pa.array([self._moment(stamps[r]) for r in each], UTC_MICROS),
                    "forecast": pa.array(point[rows].ravel().astype(np.float64), pa.float64()),
                    "naive": naive,
                }
            )
        )

    def _naive(self, entry: SeriesEntry) -> np.ndarray:
        """The seasonal-naive forecast from the window the model saw (its last input_length
        rows, or all the series has)."""
        size = min(entry.rows, self._manifest.input_length)
        end = entry.start + entry.rows
        window = self._features[end - size : end][:, self._targets]
        return window_naive(window, self._manifest.horizon, self._season)

    def write(self, store: ArtifactStore, key: str) -> None:
        """The collected records as a Parquet file at `key` (none: no file)."""
        if not self._parts:
            return
        with tempfile.TemporaryDirectory(prefix="seqcast-records-") as folder:
            path = Path(folder) / "records.parquet"
            pq.write_table(pa.concat_tables(self._parts), path)
            store.put_file(key, path)


def store_records(job_id: str, settings: Settings) -> int:
    """After the job succeeded: its chunks' records into the database in one transaction (a
    redelivery replaces what an earlier run stored), then their files deleted. A failure is
    logged and leaves the files for a redelivery: the job's result stands either way."""
    try:
        return _store_records(job_id, settings)
    except Exception:
        log.exception("forecast %s: its records for live accuracy were not stored", job_id)
        return 0


def _store_records(job_id: str, settings: Settings) -> int:
    store = make_store(settings)
    with job_context(job_id), worker_sessions(settings)() as session:
        job = session.get(ForecastJob, job_id)
        if job is None or job.status != JobStatus.succeeded:
            return 0
        keys = [records_key(job_id, k) for k in range(job.chunks_total)]
        present = [key for key in keys if store.exists(key)]
        if not present:
            return 0
        version_id, dataset_id = job.version_id, job.dataset_id
        session.execute(delete(ForecastRecord).where(ForecastRecord.source == job_id))
        stored = 0
        for key in present:
            with store.open(key) as file:
                table = pq.read_table(file)
            stored += insert_table(
                session, table, version_id=version_id, dataset_id=dataset_id, source=job_id
            )
        session.commit()
    for key in present:
        store.delete(key)
    log.info("forecast %s: %d records stored for live accuracy", job_id, stored)
    return stored
