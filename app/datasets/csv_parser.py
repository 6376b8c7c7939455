"""CSV upload parsing with errors that name the line and the column."""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from app.datasets.columns import check_column_names, find_series_column, find_timestamp_column
from app.datasets.storage import SeriesTable
from app.datasets.tables import assemble
from app.errors import InvalidInput


def parse_csv(data: bytes, series_column: str | None = None) -> SeriesTable:
    """Header row first; a column named like `timestamp`/`date`/`ds` holds timestamps, one named
    `series_column` (or like `unique_id`/`series_id`/...) holds series ids (long format)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("file", f"not UTF-8 text (byte {exc.start})") from exc
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if not header or not any(h.strip() for h in header):
        raise InvalidInput("file", "the CSV is empty: expected a header row, then values")
    header = [h.strip() for h in header]
    check_column_names(header, where="line 1: ")
    ts_idx = find_timestamp_column(header)
    series_idx = find_series_column(header, series_column, exclude=ts_idx)
    value_idx = [i for i in range(len(header)) if i not in (ts_idx, series_idx)]
    if not value_idx:
        raise InvalidInput("file", "the CSV has no value columns")

    values: list[list[float]] = []
    stamps: list[str] = []
    series: list[str] = []
    lines: list[int] = []
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
        lines.append(line_no)
        if ts_idx is not None:
            stamps.append(row[ts_idx].strip())
        if series_idx is not None:
            series.append(row[series_idx].strip())
    if len(values) < 2:
        raise InvalidInput("file", f"a series needs at least 2 rows, got {len(values)}")
    return assemble(
        [header[i] for i in value_idx],
        np.asarray(values, dtype=np.float64),
        timestamps=stamps if ts_idx is not None else None,
        series=series if series_idx is not None else None,
        field="file",
        where=lambda i: f"line {lines[i]}",
    )
