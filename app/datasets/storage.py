"""How a dataset's values are stored: one .npz per dataset, written by the gateway, read by the
worker. Loaded with `allow_pickle=False`, so nothing a user sent is ever unpickled."""

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

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])

    def sha256(self) -> str:
        """Hash of names, timestamps and values (not of the file: its zip headers vary)."""
        h = hashlib.sha256()
        h.update(json.dumps([self.columns, self.timestamps]).encode())
        h.update(np.ascontiguousarray(self.values, dtype="<f8").tobytes())
        return h.hexdigest()

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.columns.index(name)]


def encode(table: SeriesTable) -> bytes:
    buf = io.BytesIO()
    arrays = {"values": table.values.astype("<f8"), "columns": np.array(table.columns, dtype=str)}
    if table.timestamps is not None:
        arrays["timestamps"] = np.array(table.timestamps, dtype=str)
    np.savez(buf, **arrays)
    return buf.getvalue()


def decode(data: bytes) -> SeriesTable:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        timestamps = [str(t) for t in npz["timestamps"]] if "timestamps" in npz else None
        return SeriesTable(
            columns=[str(c) for c in npz["columns"]],
            values=np.array(npz["values"], dtype=np.float64),
            timestamps=timestamps,
        )
