from __future__ import annotations

import math
from datetime import datetime

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.datasets.append import OnConflict
from app.datasets.gaps import FillMissing
from app.datasets.tables import series_id_problem
from app.names import ResourceName, has_control_characters

TIMESTAMP_COLUMNS = ("timestamp", "timestamps", "time", "date", "datetime", "ds")
"""A CSV or Parquet column with one of these names holds timestamps, not values."""
SERIES_COLUMNS = ("unique_id", "series_id", "series", "item_id", "id")
"""Without `series_column`, the first of these names (in this order) found in a file's header
holds the series ids (long format: one row per series and timestamp)."""
SERIES_PREVIEW = 100
"""A dataset read lists this many series; GET /datasets/{id}/series pages through all."""


def _checked_columns(
    columns: dict[str, list[float | None]], fill: str, min_rows: int
) -> dict[str, list[float | None]]:
    """Names, equal lengths, finite values; missing ones only with a fill method (`fill`, the
    validated `fill_missing`: it is defined before `columns`)."""
    if not columns:
        raise ValueError("at least one column is required")
    lengths = {name: len(values) for name, values in columns.items()}
    for name in columns:
        if not name.strip() or len(name) > 100 or has_control_characters(name):
            raise ValueError(
                f"column name {name!r} must be 1 to 100 characters, no control characters"
            )
        if name.lower() in TIMESTAMP_COLUMNS:
            raise ValueError(f"column {name!r}: put timestamps in 'timestamps', not columns")
    first, n = next(iter(lengths.items()))
    for name, length in lengths.items():
        if length != n:
            raise ValueError(
                f"columns differ in length: {first!r} has {n} values, {name!r} has {length}"
            )
    if n < min_rows:
        raise ValueError(
            f"a series needs at least {min_rows} rows, got {n}" if min_rows > 1 else "no rows"
        )
    for name, values in columns.items():
        for i, v in enumerate(values):
            if v is not None and math.isinf(v):
                raise ValueError(f"column {name!r} row {i}: {v} is not a finite number")
            if fill == "none" and (v is None or math.isnan(v)):
                raise ValueError(
                    f"column {name!r} row {i}: a missing value; set fill_missing to "
                    "ffill, interpolate or zero to fill it"
                )
    return columns


class SeriesData(BaseModel):
    """Column-oriented series: every column the same length, values finite numbers."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"columns": {"y": [1.0, 2.0, 3.0, 2.0]}, "timestamps": None}]
        },
    )

    fill_missing: FillMissing = Field(
        "none",
        description="Missing values (null or NaN) and gaps in the timestamps: `none` refuses a "
        "missing value (422) and keeps gaps as they are (the dataset then has no frequency); "
        "`ffill`, `interpolate` (linear) or `zero` first inserts the rows each gap leaves out, "
        "on the step most common between consecutive rows, then fills every missing value. "
        "Missing values before a series' first value take that value (`interpolate` also "
        "carries the last value forward). The dataset's `filled` counts the values filled per "
        "column; more rows than the dataset row limit are a 422.",
    )
    columns: dict[str, list[float | None]] = Field(
        description="Column name → values, in time order. All columns must have the same length. "
        "A null (or NaN) is a missing value: refused unless `fill_missing` fills it."
    )
    timestamps: list[str] | None = Field(
        None,
        description="Optional ISO 8601 timestamps, one per row (2024-01-31, "
        "2024-01-31T12:00:00Z, or 2024-01 for monthly data); kept as given. Rows are sorted "
        "by time within each series; a timestamp twice in one series is refused.",
    )
    series: list[str] | None = Field(
        None,
        description="Optional series id per row (long format: many series in one dataset). "
        "Rows are grouped by series, in order of first appearance.",
    )

    @field_validator("columns")
    @classmethod
    def _check_columns(
        cls, columns: dict[str, list[float | None]], info: ValidationInfo
    ) -> dict[str, list[float | None]]:
        return _checked_columns(columns, info.data.get("fill_missing", "none"), min_rows=2)

    @model_validator(mode="after")
    def _check_rows(self) -> SeriesData:
        n = len(next(iter(self.columns.values())))
        for name, given in (("timestamps", self.timestamps), ("series", self.series)):
            if given is not None and len(given) != n:
                raise ValueError(f"{name} has {len(given)} entries for {n} rows")
        for i, series_id in enumerate(self.series or ()):
            if problem := series_id_problem(series_id):
                raise ValueError(f"series row {i}: {problem}")
        return self


class DatasetCreate(SeriesData):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "demand", "columns": {"y": [1.0, 2.0, 3.0, 2.0, 1.0]}}]
        },
    )

    name: ResourceName


class RowsAppend(SeriesData):
    """Rows for POST /datasets/{id}/rows: the upload's shape, the dataset's columns."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "columns": {"y": [4.0, 5.0]},
                    "timestamps": ["2024-01-04", "2024-01-05"],
                    "series": ["a", "a"],
                    "on_conflict": "error",
                }
            ]
        },
    )

    on_conflict: OnConflict = Field(
        "error",
        description="A row whose (series, timestamp) the dataset already holds: `error` (409 "
        "naming it) or `replace` (its values are replaced).",
    )

    @field_validator("columns")
    @classmethod
    def _check_columns(
        cls, columns: dict[str, list[float | None]], info: ValidationInfo
    ) -> dict[str, list[float | None]]:
        """As an upload's, but one row is enough: it continues a series."""
        return _checked_columns(columns, info.data.get("fill_missing", "none"), min_rows=1)


class SeriesSummary(BaseModel):
    id: str = Field(description='Series id; "" for a dataset without a series column.')
    rows: int
    first: str | None = Field(description="Its first timestamp (None without timestamps).")
    last: str | None = Field(description="Its last timestamp: forecasts start after it.")


class DatasetRead(BaseModel):
    id: str
    name: str
    n_rows: int = Field(description="Row count, over all series.")
    columns: list[str] = Field(description="Value columns (targets and covariates).")
    has_timestamps: bool
    frequency: str | None = Field(
        description="Time step inferred from the timestamps, as a pandas-style alias: D, h, "
        "15min, 7D, ... for constant steps; MS/ME (month start/end), QS/QE, YS/YE for calendar "
        "steps. None without timestamps, or when steps are irregular or series disagree."
    )
    n_series: int = Field(description="Series in the dataset (1 without a series column).")
    series: list[SeriesSummary] = Field(
        description=f"The first {SERIES_PREVIEW} series in table order; "
        "GET /datasets/{id}/series pages through all of them."
    )
    sha256: str = Field(
        description="Content hash of the column names, timestamps, series and values."
    )
    revision: int = Field(
        1,
        description="The newest revision (1 on upload, one more per POST /datasets/{id}/rows); "
        "the other fields describe it.",
    )
    filled: dict[str, int] = Field(
        default_factory=dict,
        description="Column → values filled on upload by `fill_missing` (missing values and "
        "the rows inserted into gaps); empty when no fill was asked for.",
    )
    created_at: datetime


class DatasetValues(BaseModel):
    """A dataset's stored rows, column-oriented as `POST /datasets` takes them: grouped by
    series, in time order within each series."""

    columns: dict[str, list[float]] = Field(description="Column name → values.")
    timestamps: list[str] | None = Field(description="One per row; None without timestamps.")
    series: list[str] | None = Field(
        description="Series id per row; None for a dataset without a series column."
    )


class AppendRead(DatasetRead):
    """The dataset after an append: its new revision, and what the rows did."""

    appended_rows: int = Field(
        description="Rows added (continuing series, new series, and rows filled into gaps)."
    )
    replaced_rows: int = Field(description="Rows whose values were replaced (on_conflict).")


class DatasetRevisionRead(BaseModel):
    """One stored revision: what the dataset was after it was made."""

    revision: int
    sha256: str
    n_rows: int
    n_series: int
    frequency: str | None
    size_bytes: int = Field(description="Bytes of this revision's stored file.")
    appended_rows: int = Field(description="Rows this revision added (all of them for 1).")
    replaced_rows: int
    series: list[SeriesSummary] = Field(
        description=f"The first {SERIES_PREVIEW} series of this revision; "
        "GET /datasets/{id}/series?revision= pages through all."
    )
    created_at: datetime
