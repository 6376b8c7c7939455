"""CSV upload parsing with errors that name the (physical) line and the column.

The text is decoded and parsed as it streams: the header's columns are counted from its bytes
before anything is parsed, and rows are counted (and capped) as they are read."""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from array import array

import numpy as np

from app.datasets.columns import check_column_names, find_series_column, find_timestamp_column
from app.datasets.gaps import MISSING_TOKENS, FillMissing
from app.datasets.storage import SeriesTable
from app.datasets.tables import Limits, assemble
from app.errors import InvalidInput

BLOCK_ROWS = 4096
"""Parsed rows are packed into float64 blocks of this many rows (not kept as Python floats)."""
HEADER_BYTES_PER_COLUMN = 1024
"""A quoted header longer than this per allowed column is refused before it is parsed."""
_LINE_END = re.compile(rb"[\r\n]")


def _utf8_error_offset(data: bytes) -> int | None:
    """Offset of the first byte that is not UTF-8, decoding in chunks (no copy of the text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    chunk = 1 << 16
    for start in range(0, len(data), chunk):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(data[start : start + chunk], final=start + chunk >= len(data))
        except UnicodeDecodeError as exc:
            return start - pending + exc.start
    return None


def _check_header_width(data: bytes, limits: Limits) -> None:
    """Refuse a header with more columns than allowed from its bytes, before csv parses it (a
    parsed header of a million columns is a million strings)."""
    end = _LINE_END.search(data)
    stop = end.start() if end else len(data)
    allowed = limits.columns + 2  # value columns, plus a timestamp and a series-id column
    fields = data.count(b",", 0, stop) + 1
    if fields <= allowed:
        return
    if data.find(b'"', 0, stop) == -1:  # unquoted: every comma separates two columns
        raise InvalidInput(
            "file",
            f"line 1: the header has {fields} columns; at most {allowed} are allowed "
            f"({limits.columns} value columns, a timestamp and a series-id column)",
        )
    if stop > allowed * HEADER_BYTES_PER_COLUMN:
        raise InvalidInput(
            "file",
            f"line 1: the header is {stop} bytes, longer than a header of at most {allowed} "
            "columns can be",
        )


def _lines(data: bytes) -> io.TextIOWrapper:
    # newline="": the csv module sees \r\n and quoted newlines as they are.
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")


def parse_csv(
    data: bytes,
    series_column: str | None = None,
    limits: Limits | None = None,
    fill_missing: FillMissing = "none",
    min_rows: int = 2,
) -> SeriesTable:
    """Header row first; a column named like `timestamp`/`date`/`ds` holds timestamps, one named
    `series_column` (or like `unique_id`/`series_id`/...) holds series ids (long format). With a
    `fill_missing` method, an empty, `NA`, `NaN` or `null` cell is a missing value to fill."""
    try:
        return _parse(data, series_column, limits, fill_missing, min_rows)
    except UnicodeDecodeError:
        offset = _utf8_error_offset(data)
        raise InvalidInput("file", f"not UTF-8 text (byte {offset})") from None
    except csv.Error as exc:
        raise InvalidInput("file", f"not readable CSV ({exc})") from None


def _parse(
    data: bytes,
    series_column: str | None,
    limits: Limits | None,
    fill_missing: FillMissing,
    min_rows: int,
) -> SeriesTable:
    if limits is not None:
        _check_header_width(data, limits)
    rows = csv.reader(_lines(data))
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
    if limits is not None and len(value_idx) > limits.columns:
        raise InvalidInput("file", f"line 1: {limits.columns_message(len(value_idx))}")

    blocks: list[np.ndarray] = []
    block: list[list[float]] = []
    stamps: list[str] = []
    series: list[str] = []
    lines = array("q")  # the line each row starts on
    longest_stamp = 0
    n_rows = 0
    last_line = rows.line_num
    for row in rows:
        # A record starts on the line after the previous one ended (quoted newlines span lines).
        line_no, last_line = last_line + 1, rows.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InvalidInput(
                "file", f"line {line_no}: {len(row)} fields, the header has {len(header)}"
            )
        n_rows += 1
        if limits is not None:
            if n_rows > limits.rows:
                raise InvalidInput(
                    "file",
                    f"line {line_no}: more than {limits.rows} rows, the limit "
                    "(SEQCAST_MAX_DATASET_ROWS)",
                )
            if ts_idx is not None:
                longest_stamp = max(longest_stamp, len(row[ts_idx].strip()))
            size = n_rows * (8 * len(value_idx) + 4 * longest_stamp)
            if size > limits.bytes:
                raise InvalidInput(
                    "file", f"line {line_no}: {limits.bytes_message(size, at_least=True)}"
                )
        parsed = []
        for i in value_idx:
            cell = row[i].strip()
            if fill_missing != "none" and cell.lower() in MISSING_TOKENS:
                parsed.append(math.nan)
                continue
            try:
                v = float(cell)
            except ValueError:
                raise InvalidInput(
                    "file",
                    f"line {line_no}, column {header[i]!r}: {cell!r} is not a number"
                    + (" (a missing value? see fill_missing)" if not cell else ""),
                ) from None
            # with a fill method, any NaN spelling is a missing value; infinity never is
            if not math.isfinite(v) and (fill_missing == "none" or math.isinf(v)):
                raise InvalidInput(
                    "file", f"line {line_no}, column {header[i]!r}: {cell!r} is not finite"
                )
            parsed.append(v)
        block.append(parsed)
        if len(block) == BLOCK_ROWS:
            blocks.append(np.asarray(block, dtype=np.float64))
            block = []
        lines.append(line_no)
        if ts_idx is not None:
            stamps.append(row[ts_idx].strip())
        if series_idx is not None:
            series.append(row[series_idx].strip())
    if n_rows < min_rows:  # 1 for appended rows: they continue a series
        needed = f"a series needs at least {min_rows} rows" if min_rows > 1 else "no rows"
        raise InvalidInput("file", f"{needed}, got {n_rows}")
    if block:
        blocks.append(np.asarray(block, dtype=np.float64))
    return assemble(
        [header[i] for i in value_idx],
        np.concatenate(blocks),
        timestamps=stamps if ts_idx is not None else None,
        series=series if series_idx is not None else None,
        field="file",
        where=lambda i: f"line {lines[i]}",
        fill_missing=fill_missing,
        limits=limits,
    )
