"""The forecasts a whole-dataset forecast job stores for live accuracy (app.accuracy): each dated
series' point forecasts beside the seasonal-naive forecast from the same window, taken from the
record batches on their way to the chunk file (no second model run).

Built as Arrow columns, not row objects (a chunk may hold 10^5 series): on PostgreSQL they go to
`COPY ... (FORMAT csv)` through Arrow's CSV writer, so no Python code runs per record."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.accuracy.models import ForecastRecord
from app.accuracy.naive import window_naive
from app.accuracy.service import COLUMNS, to_utc
from app.contract import Manifest
from app.db import utcnow
from app.forecasts.plan import SERIES_COLUMN, STEP_COLUMN, TIMESTAMP_COLUMN
from workers.forecast.windows import SeriesEntry

UTC_MICROS = pa.timestamp("us", tz="UTC")


class ChunkRecords:
    """Collects a chunk's dated forecasts, to be stored in the transaction that records the
    chunk (so a redelivered chunk stores them once)."""

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
        self._moments: dict[str, object] = {}
        self._parts: list[pa.Table] = []

    def tap(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Pass the batches through, keeping what each says about the dated series."""
        for batch in batches:
            self._keep(batch)
            yield batch

    def _moment(self, text: str) -> object:
        """to_utc, once per distinct timestamp (the series of a dataset share their dates)."""
        found = self._moments.get(text)
        if found is None:
            found = self._moments[text] = to_utc(text)
        return found

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

    def store(self, session: Session, *, version_id: int, dataset_id: str, source: str) -> int:
        """Insert the collected records in the session's transaction; does not commit."""
        if not self._parts:
            return 0
        table = pa.concat_tables(self._parts)
        n = table.num_rows
        table = table.append_column("version_id", pa.array(np.full(n, version_id), pa.int64()))
        for name, value in (("dataset_id", dataset_id), ("source", source)):
            table = table.append_column(name, pa.array(np.full(n, value, object), pa.string()))
        now = pa.array(np.full(n, utcnow(), object), UTC_MICROS)
        table = table.append_column("created_at", now).select(list(COLUMNS))
        if session.get_bind().dialect.name == "postgresql":
            sink = io.BytesIO()
            pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
            driver = session.connection().connection.driver_connection
            statement = (
                f"COPY {ForecastRecord.__tablename__} ({', '.join(COLUMNS)}) "
                "FROM STDIN (FORMAT csv)"
            )
            with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                copy.write(sink.getbuffer())
        else:
            session.execute(insert(ForecastRecord), table.to_pylist())
        return n
