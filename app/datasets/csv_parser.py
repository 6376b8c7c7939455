"""CSV upload parsing with errors that name the line and the column."""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from app.datasets.schemas import TIMESTAMP_COLUMNS
from app.datasets.storage import SeriesTable
from app.errors import InvalidInput
from app.names import has_control_characters


def parse_csv(data: bytes) -> SeriesTable:
    """Header row first; a column named like `timestamp`/`date`/`ds` holds timestamps."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("file", f"not UTF-8 text (byte {exc.start})") from exc
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if not header or not any(h.strip() for h in header):
        raise InvalidInput("file", "the CSV is empty: expected a header row, then values")
    header = [h.strip() for h in header]
    seen: set[str] = set()
    for name in header:
        if not name:
            raise InvalidInput("file", "line 1: a column has an empty name")
        if len(name) > 100 or has_control_characters(name):
            raise InvalidInput(
                "file",
                f"line 1: column name {name!r} must be 1 to 100 characters, no control characters",
            )
        if name in seen:
            raise InvalidInput("file", f"line 1: column {name!r} appears twice")
        seen.add(name)
    ts_idx = next((i for i, h in enumerate(header) if h.lower() in TIMESTAMP_COLUMNS), None)
    value_idx = [i for i in range(len(header)) if i != ts_idx]
    if not value_idx:
        raise InvalidInput("file", "the CSV has no value columns")

    values: list[list[float]] = []
    stamps: list[str] = []
    for line_no, row in enumerate(rows, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InvalidInput(
                "file", f"line {line_no}: {len(row)} fields, the header has {len(header)}"
            )
        parsed = []
        for i in value_idx:
            cell = row[i].strip()
            try:
                v = float(cell)
            except ValueError:
                raise InvalidInput(
                    "file", f"line {line_no}, column {header[i]!r}: {cell!r} is not a number"
                ) from None
            if not math.isfinite(v):
                raise InvalidInput(
                    "file", f"line {line_no}, column {header[i]!r}: {cell!r} is not finite"
                )
            parsed.append(v)
        values.append(parsed)
        if ts_idx is not None:
            stamps.append(row[ts_idx].strip())
    if len(values) < 2:
        raise InvalidInput("file", f"a series needs at least 2 rows, got {len(values)}")
    return SeriesTable(
        columns=[header[i] for i in value_idx],
        values=np.asarray(values, dtype=np.float64),
        timestamps=stamps if ts_idx is not None else None,
    )
