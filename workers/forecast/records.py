"""The forecasts a whole-dataset forecast job stores for live accuracy (app.accuracy): each dated
series' point forecasts beside the seasonal-naive forecast from the same window, taken from the
record batches on their way to the chunk file (no second model run)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pyarrow as pa

from app.accuracy.naive import window_naive
from app.accuracy.service import Forecasts
from app.contract import Manifest
from app.forecasts.plan import SERIES_COLUMN, TIMESTAMP_COLUMN
from workers.forecast.windows import SeriesEntry


class ChunkRecords:
    """Collects a chunk's dated forecasts as arrays (not row objects: a chunk may hold 10^5
    series), to be stored in the transaction that records the chunk, so a redelivered chunk
    stores them once."""

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
        self._collected: list[Forecasts] = []

    def tap(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Pass the batches through, keeping what each says about the dated series."""
        for batch in batches:
            self._keep(batch)
            yield batch

    def _keep(self, batch: pa.RecordBatch) -> None:
        horizon, targets = self._manifest.horizon, self._manifest.target_columns
        ids = batch.column(SERIES_COLUMN).to_pylist()[::horizon]
        stamps = batch.column(TIMESTAMP_COLUMN).to_pylist()
        point = np.stack(
            [batch.column(t).to_numpy(zero_copy_only=False) for t in targets], axis=-1
        ).reshape(len(ids), horizon, len(targets))
        dated = [
            i
            for i, series_id in enumerate(ids)
            if stamps[i * horizon] is not None and self._entries[series_id].last is not None
        ]
        if not dated:
            return
        entries = [self._entries[ids[i]] for i in dated]
        naive = None
        if self._targets is not None:
            naive = np.stack([self._naive(e) for e in entries])
        self._collected.append(
            Forecasts(
                series_ids=[e.id for e in entries],
                origins=[e.last for e in entries],  # type: ignore[misc]
                timestamps=[stamps[i * horizon : (i + 1) * horizon] for i in dated],
                point=point[dated],
                naive=naive,
                targets=targets,
            )
        )

    def _naive(self, entry: SeriesEntry) -> np.ndarray:
        """The seasonal-naive forecast from the window the model saw (its last input_length
        rows, or all the series has)."""
        size = min(entry.rows, self._manifest.input_length)
        end = entry.start + entry.rows
        window = self._features[end - size : end][:, self._targets]
        return window_naive(window, self._manifest.horizon, self._season)

    @property
    def forecasts(self) -> list[Forecasts]:
        """What the chunk's batches held, for app.accuracy.service.store."""
        return self._collected
