"""Which column of an uploaded file is what: names are checked, and the timestamp and series-id
columns are found the same way for CSV and Parquet."""

from __future__ import annotations

from app.datasets.schemas import SERIES_COLUMNS, TIMESTAMP_COLUMNS
from app.errors import InvalidInput
from app.names import has_control_characters


def check_column_names(names: list[str], where: str = "") -> None:
    seen: set[str] = set()
    for name in names:
        if not name:
            raise InvalidInput("file", f"{where}a column has an empty name")
        if len(name) > 100 or has_control_characters(name):
            raise InvalidInput(
                "file",
                f"{where}column name {name!r} must be 1 to 100 characters, no control characters",
            )
        if name in seen:
            raise InvalidInput("file", f"{where}column {name!r} appears twice")
        seen.add(name)


def find_timestamp_column(names: list[str]) -> int | None:
    return next((i for i, h in enumerate(names) if h.lower() in TIMESTAMP_COLUMNS), None)


def find_series_column(names: list[str], requested: str | None, exclude: int | None) -> int | None:
    """The column named `requested` (exactly, else ignoring case), or else the first name of
    SERIES_COLUMNS present; None when the file has one unnamed series."""
    if requested is not None:
        lowered = [n.lower() for n in names]
        if requested in names:
            index = names.index(requested)
        elif requested.lower() in lowered:
            index = lowered.index(requested.lower())
        else:
            raise InvalidInput(
                "series_column", f"no column {requested!r}; the file has {', '.join(names)}"
            )
        if index == exclude:
            raise InvalidInput(
                "series_column", f"column {names[index]!r} holds the timestamps, not series ids"
            )
        return index
    by_name = {n.lower(): i for i, n in enumerate(names) if i != exclude}
    return next((by_name[c] for c in SERIES_COLUMNS if c in by_name), None)
