"""Appending rows to a stored table: the rules that make a new revision out of the newest one
and an upload (parsed as any upload is: grouped by series, sorted, filled within itself).

Per series, a row whose timestamp the series already holds is a conflict (or replaces the
stored values with `on_conflict: replace`); one before the series' last timestamp that it does
not hold is refused; the rest continue the series. Rows without timestamps continue their series
at its end. With a fill method, the gap between a series' last stored row and its first new one
is filled on the dataset's grid as gaps within an upload are (app.datasets.gaps); the merged
table must keep the dataset's frequency. Only the series' last rows are parsed, and a series'
whole timestamps only when the upload reaches back into it, so appending a day to a large
dataset does not parse it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

import numpy as np

from app.datasets import gaps
from app.datasets.calendar import frequency_of, is_aware
from app.datasets.gaps import FillMissing
from app.datasets.storage import SeriesTable
from app.datasets.tables import MAX_REPORTED, Field, parse_times
from app.errors import Conflict, InvalidInput

OnConflict = Literal["error", "replace"]
ON_CONFLICT: tuple[str, ...] = get_args(OnConflict)


@dataclass(frozen=True)
class Fields:
    """What a 422 names: a JSON body's own fields, or an upload's one `file`."""

    columns: Field
    timestamps: Field
    series: Field


JSON_FIELDS = Fields("columns", "timestamps", "series")
FILE_FIELDS = Fields("file", "file", "file")


@dataclass(frozen=True)
class Merged:
    """The new revision's table and what changed: `rows` holds the appended and replaced rows
    (grouped by series, in time order), with their series ids and timestamps."""

    table: SeriesTable
    rows: SeriesTable
    appended: int
    replaced: int
    filled: dict[str, int]


@dataclass
class _Series:
    """One series' part of the merge."""

    old: slice | None
    appended: np.ndarray  # upload row indices, in time order
    replaced: list[tuple[int, int]]  # (old table row, upload row)


def _reorder_columns(old: SeriesTable, new: SeriesTable, field: Field) -> np.ndarray:
    """The upload's values in the dataset's column order; a 422 naming what differs."""
    missing = [c for c in old.columns if c not in new.columns]
    extra = [c for c in new.columns if c not in old.columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(map(repr, missing))}")
        if extra:
            parts.append(f"unknown column(s) {', '.join(map(repr, extra))}")
        raise InvalidInput(
            field,
            f"{'; '.join(parts)}: appended rows must have exactly the dataset's columns "
            f"({', '.join(map(repr, old.columns))})",
        )
    return new.values[:, [new.columns.index(c) for c in old.columns]]


def _check_shape(old: SeriesTable, new: SeriesTable, fields: Fields) -> None:
    if old.timestamps is not None and new.timestamps is None:
        raise InvalidInput(
            fields.timestamps, "the dataset has timestamps: give one for every appended row"
        )
    if old.timestamps is None and new.timestamps is not None:
        raise InvalidInput(
            fields.timestamps, "the dataset has no timestamps: appended rows cannot have them"
        )
    if old.series is None and new.series is not None:
        raise InvalidInput(
            fields.series, "the dataset has one unnamed series: appended rows cannot name series"
        )
    if old.series is not None and new.series is None:
        raise InvalidInput(
            fields.series, "the dataset has named series: give a series id for every row"
        )


def _plan(
    old: SeriesTable,
    new: SeriesTable,
    new_keys: np.ndarray | None,
    on_conflict: OnConflict,
    field: Field,
) -> dict[str, _Series]:
    """Which upload rows continue, replace or break each series (in the upload's order)."""
    old_slices = dict(old.series_slices())
    plan: dict[str, _Series] = {}
    conflicts: list[str] = []
    for series_id, rows in new.series_slices():
        index = np.arange(rows.start, rows.stop)
        held = old_slices.get(series_id)
        if held is None or new_keys is None:
            plan[series_id] = _Series(held, index, [])
            continue
        assert old.timestamps is not None and new.timestamps is not None
        last_stamp = old.timestamps[held.stop - 1]
        keys = new_keys[index]
        (last_key,) = parse_times([last_stamp], field, lambda _: "stored")[1]
        earlier = keys <= last_key
        replaced: list[tuple[int, int]] = []
        if earlier.any():
            _, old_keys = parse_times(old.timestamps[held], field, lambda i: f"stored row {i}")
            at = np.searchsorted(old_keys, keys[earlier])
            inside = at < len(old_keys)
            present = np.zeros(len(at), dtype=bool)
            present[inside] = old_keys[at[inside]] == keys[earlier][inside]
            named = f"series {series_id!r}: " if old.series is not None else ""
            for row, is_present, position in zip(index[earlier], present, at, strict=True):
                stamp = new.timestamps[row]
                if not is_present:
                    raise InvalidInput(
                        field,
                        f"{named}timestamp {stamp!r} is before the series' last timestamp "
                        f"{last_stamp!r} and not in it: appended rows continue after it",
                    )
                if on_conflict == "error":
                    conflicts.append(f"{named}{stamp!r}")
                else:
                    replaced.append((held.start + int(position), int(row)))
        plan[series_id] = _Series(held, index[~earlier], replaced)
    if conflicts:
        shown = ", ".join(conflicts[:MAX_REPORTED])
        more = f" and {len(conflicts) - MAX_REPORTED} more" if len(conflicts) > MAX_REPORTED else ""
        raise Conflict(
            f"{len(conflicts)} appended rows are already in the dataset: {shown}{more}; "
            'send "on_conflict": "replace" to replace their values'
        )
    return plan


def _continuations(
    old: SeriesTable,
    new: SeriesTable,
    values: np.ndarray,
    new_times: list[datetime] | None,
    plan: dict[str, _Series],
    fill_missing: FillMissing,
    max_rows: int,
    field: Field,
) -> tuple[dict[str, tuple[np.ndarray, list[str] | None]], dict[str, int]]:
    """Per series, the rows that continue it (values, timestamps), its gap before them filled;
    and the values filled. Each existing series is preceded by its last two stored rows, so the
    grid's step (the most common one) is the dataset's and the frequency of the seam can be
    checked; they are dropped again."""
    counts = dict.fromkeys(old.columns, 0)
    if new_times is None:
        return {s: (values[p.appended], None) for s, p in plan.items()}, counts
    assert old.timestamps is not None and new.timestamps is not None
    blocks: list[tuple[str, int, np.ndarray, list[str], list[datetime]]] = []
    for series_id, part in plan.items():
        if part.old is not None and not len(part.appended):
            continue
        lead = range(max(part.old.start, part.old.stop - 2), part.old.stop) if part.old else ()
        lead_stamps = [old.timestamps[i] for i in lead]
        lead_times = parse_times(lead_stamps, field, lambda i: "stored")[0] if lead else []
        blocks.append(
            (
                series_id,
                len(lead),
                np.concatenate([old.values[list(lead)], values[part.appended]]),
                lead_stamps + [new.timestamps[i] for i in part.appended],
                lead_times + [new_times[i] for i in part.appended],
            )
        )
    if not blocks:
        return {}, counts
    stamps = [s for b in blocks for s in b[3]]
    times = [t for b in blocks for t in b[4]]
    seam = SeriesTable(
        columns=old.columns,
        values=np.concatenate([b[2] for b in blocks]),
        timestamps=stamps,
        series=[(b[0], len(b[3])) for b in blocks],
    )
    if fill_missing != "none" and old.frequency is not None:
        micros = parse_times(stamps, field, lambda i: stamps[i])[1]
        seam, counts, filled_times = gaps.fill(
            seam,
            times,
            micros,
            fill_missing,
            max_rows=max_rows,
            field=field,
            where=lambda i: f"at {stamps[i]!r}",
        )
        assert filled_times is not None
        times = filled_times
    assert seam.timestamps is not None
    result: dict[str, tuple[np.ndarray, list[str] | None]] = {}
    for (series_id, rows), (_, lead, *_) in zip(seam.series_slices(), blocks, strict=True):
        if old.frequency is not None and rows.stop - rows.start >= 2:
            found = frequency_of(times[rows])
            if found != old.frequency:
                named = f"series {series_id!r}: " if old.series is not None else ""
                raise InvalidInput(
                    field,
                    f"{named}the rows from {seam.timestamps[rows.start + lead]!r} on are not "
                    f"on the dataset's frequency {old.frequency!r} (found "
                    f"{found or 'irregular steps'}); a gap before them can be filled with "
                    "fill_missing",
                )
        keep = slice(rows.start + lead, rows.stop)
        result[series_id] = (seam.values[keep], seam.timestamps[keep])
    return result, counts


def merge(
    old: SeriesTable,
    new: SeriesTable,
    *,
    on_conflict: OnConflict,
    fill_missing: FillMissing,
    max_rows: int,
    fields: Fields = JSON_FIELDS,
) -> Merged:
    """The stored table `old` with the upload `new` appended (see the module docstring)."""
    _check_shape(old, new, fields)
    values = _reorder_columns(old, new, fields.columns)
    field = fields.timestamps  # what the rules below are about
    new_times, new_keys = None, None
    if new.timestamps is not None:
        assert old.timestamps is not None
        new_times, new_keys = parse_times(new.timestamps, field, lambda i: f"row {i + 1}")
        (last,) = parse_times([old.timestamps[-1]], field, lambda _: "stored")[0]
        if is_aware(last) != is_aware(new_times[0]):
            raise InvalidInput(
                field,
                f"timestamp {new.timestamps[0]!r} and the dataset's {old.timestamps[-1]!r} mix "
                "time zones: give every timestamp an offset, or none, as the dataset does",
            )
    plan = _plan(old, new, new_keys, on_conflict, field)
    continued, filled = _continuations(
        old, new, values, new_times, plan, fill_missing, max_rows, field
    )
    merged_values = old.values.copy()
    for part in plan.values():
        for old_row, new_row in part.replaced:
            merged_values[old_row] = values[new_row]
    value_blocks: list[np.ndarray] = []
    stamp_blocks: list[str] = []
    layout: list[tuple[str, int]] = []
    changed_values: list[np.ndarray] = []
    changed_stamps: list[str] = []
    changed_layout: list[tuple[str, int]] = []
    appended = replaced = 0
    old_slices = dict(old.series_slices())
    order = list(old_slices) + [s for s in plan if s not in old_slices]
    for series_id in order:
        held = old_slices.get(series_id)
        part = plan.get(series_id)
        added, added_stamps = continued.get(series_id, (values[:0], []))
        if held is not None:
            value_blocks.append(merged_values[held])
            if old.timestamps is not None:
                stamp_blocks += old.timestamps[held]
        value_blocks.append(added)
        stamp_blocks += added_stamps or []
        layout.append((series_id, (held.stop - held.start if held else 0) + len(added)))
        swapped = sorted(r for r, _ in part.replaced) if part is not None else []
        if swapped or len(added):
            changed_values += [merged_values[swapped], added]
            if old.timestamps is not None:
                changed_stamps += [old.timestamps[r] for r in swapped] + list(added_stamps or [])
            changed_layout.append((series_id, len(swapped) + len(added)))
        appended += len(added)
        replaced += len(swapped)
    timed = old.timestamps is not None
    table = SeriesTable(
        columns=list(old.columns),
        values=np.concatenate(value_blocks),
        timestamps=stamp_blocks if timed else None,
        series=layout if old.series is not None else None,
        frequency=old.frequency,
    )
    rows = SeriesTable(
        columns=list(old.columns),
        values=np.concatenate(changed_values) if changed_values else values[:0],
        timestamps=changed_stamps if timed else None,
        series=changed_layout if old.series is not None else None,
        frequency=old.frequency,
    )
    upload_filled = new.filled or {}
    filled = {c: filled.get(c, 0) + upload_filled.get(c, 0) for c in old.columns}
    return Merged(table=table, rows=rows, appended=appended, replaced=replaced, filled=filled)
