"""How a dataset's values are stored: one .npz per dataset, written by the gateway, read by the
worker. Loaded with `allow_pickle=False`, so nothing a user sent is ever unpickled.

Long format: rows are grouped by series (in order of first appearance in the upload) and in time
order within a series, so series `i` is one contiguous block of rows; `series` lists the blocks.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SeriesTable:
    columns: list[str]
    values: np.ndarray  # float64 [n_rows, n_columns]
    timestamps: list[str] | None = None
    series: list[tuple[str, int]] | None = None
    """(series id, row count) per block, in table order; None: one unnamed series."""
    frequency: str | None = None
    """Inferred from the timestamps (see app.datasets.calendar); derived, so not hashed."""
    filled: dict[str, int] | None = None
    """Column -> values filled on upload (app.datasets.gaps); None when no fill was asked for.
    Derived, so neither stored nor hashed."""

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])

    def series_rows(self) -> list[tuple[str, int]]:
        """(series id, row count) in table order, as app.contract.segment_plans takes them; a
        table without a series column is one series with id ""."""
        return list(self.series) if self.series is not None else [("", self.n_rows)]

    def series_slices(self) -> list[tuple[str, slice]]:
        """(series id, its rows) in table order."""
        slices, start = [], 0
        for series_id, n_rows in self.series_rows():
            slices.append((series_id, slice(start, start + n_rows)))
            start += n_rows
        return slices

    def sha256(self) -> str:
        """Hash of names, timestamps, series and values (not of the file: its zip headers vary).
        A table without series hashes as it did before series existed."""
        h = hashlib.sha256()
        described: list = [self.columns, self.timestamps]
        if self.series is not None:
            described.append([list(s) for s in self.series])
        h.update(json.dumps(described).encode())
        h.update(np.ascontiguousarray(self.values, dtype="<f8").tobytes())
        return h.hexdigest()

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.columns.index(name)]


NPY_OVERHEAD = 512
"""Bytes an .npz spends per array beyond its data (.npy header, zip entry and directory)."""


def _text_bytes(texts: list[str]) -> int:
    return 4 * len(texts) * max((len(t) for t in texts), default=0)  # numpy "<U": 4 per char


def encoded_size(table: SeriesTable) -> int:
    """An upper bound of len(encode(table)), computed without encoding."""
    size = 2 * NPY_OVERHEAD + 8 * table.values.size + _text_bytes(table.columns)
    if table.timestamps is not None:
        size += NPY_OVERHEAD + _text_bytes(table.timestamps)
    if table.series is not None:
        size += 2 * NPY_OVERHEAD + _text_bytes([s for s, _ in table.series])
        size += 8 * len(table.series)
    if table.frequency is not None:
        size += NPY_OVERHEAD + 4 * len(table.frequency)
    return size


def encode(table: SeriesTable) -> bytes:
    buf = io.BytesIO()
    arrays = {"values": table.values.astype("<f8"), "columns": np.array(table.columns, dtype=str)}
    if table.timestamps is not None:
        arrays["timestamps"] = np.array(table.timestamps, dtype=str)
    if table.series is not None:
        arrays["series_ids"] = np.array([s for s, _ in table.series], dtype=str)
        arrays["series_lengths"] = np.array([n for _, n in table.series], dtype="<i8")
    if table.frequency is not None:
        arrays["frequency"] = np.array(table.frequency, dtype=str)
    np.savez(buf, **arrays)
    return buf.getvalue()


def decode(data: bytes) -> SeriesTable:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        timestamps = [str(t) for t in npz["timestamps"]] if "timestamps" in npz else None
        series = None
        if "series_ids" in npz:
            ids, lengths = npz["series_ids"], npz["series_lengths"]
            series = [(str(s), int(n)) for s, n in zip(ids, lengths, strict=True)]
        return SeriesTable(
            columns=[str(c) for c in npz["columns"]],
            values=np.array(npz["values"], dtype=np.float64),
            timestamps=timestamps,
            series=series,
            frequency=str(npz["frequency"]) if "frequency" in npz else None,
        )
