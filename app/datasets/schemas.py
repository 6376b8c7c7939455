from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.names import ResourceName, has_control_characters

TIMESTAMP_COLUMNS = ("timestamp", "timestamps", "time", "date", "datetime", "ds")
"""A CSV column with one of these names holds timestamps, not values."""


class SeriesData(BaseModel):
    """Column-oriented series: every column the same length, values finite numbers."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"columns": {"y": [1.0, 2.0, 3.0, 2.0]}, "timestamps": None}]
        },
    )

    columns: dict[str, list[float]] = Field(
        description="Column name → values, in time order. All columns must have the same length."
    )
    timestamps: list[str] | None = Field(
        None, description="Optional timestamps, one per row; kept as given."
    )

    @field_validator("columns")
    @classmethod
    def _check_columns(cls, columns: dict[str, list[float]]) -> dict[str, list[float]]:
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
        if n < 2:
            raise ValueError(f"a series needs at least 2 rows, got {n}")
        for name, values in columns.items():
            for i, v in enumerate(values):
                if not math.isfinite(v):
                    raise ValueError(f"column {name!r} row {i}: {v} is not a finite number")
        return columns

    @model_validator(mode="after")
    def _check_timestamps(self) -> SeriesData:
        if self.timestamps is not None:
            n = len(next(iter(self.columns.values())))
            if len(self.timestamps) != n:
                raise ValueError(f"timestamps has {len(self.timestamps)} entries for {n} rows")
        return self


class DatasetCreate(SeriesData):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "demand", "columns": {"y": [1.0, 2.0, 3.0, 2.0, 1.0]}}]
        },
    )

    name: ResourceName


class DatasetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    n_rows: int = Field(description="Row count.")
    columns: list[str]
    has_timestamps: bool
    sha256: str = Field(description="Content hash of the column names, timestamps and values.")
    created_at: datetime
