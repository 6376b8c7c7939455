from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.forecasts.plan import DEFAULT_CHUNK_SERIES, MAX_CHUNK_SERIES, Format
from app.names import MAX_VERSION, RECORD_ID_PATTERN, ResourceName
from app.training.models import JobStatus

MAX_SUBSET = 100_000
"""Series ids in one request's `series`."""


class ForecastRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "model": "demand",
                    "alias": "production",
                    "dataset_id": "3f2a9c0b1d4e4f6a8b0c2d4e6f8a0b1c",
                    "format": "csv",
                }
            ]
        },
    )

    model: ResourceName = Field(description="Model name.")
    version: int | None = Field(
        None, ge=1, le=MAX_VERSION, description="A version number; or give `alias`."
    )
    alias: ResourceName | None = Field(None, description="An alias; default: the latest version.")
    dataset_id: str = Field(
        pattern=RECORD_ID_PATTERN,
        description="The dataset whose series are forecast (any dataset with the "
        "columns the version reads, not only the one it was trained on).",
    )
    series: list[str] | None = Field(
        None,
        min_length=1,
        max_length=MAX_SUBSET,
        description="A subset of the dataset's series ids; default: every series. The file "
        "lists them in the dataset's order.",
    )
    future_dataset_id: str | None = Field(
        None,
        pattern=RECORD_ID_PATTERN,
        description="For a version with known-future columns: a dataset holding them for the "
        "forecast's horizon, each selected series' first `horizon` rows being the steps after "
        "its last row in `dataset_id` (their timestamps must follow on when both are dated).",
    )
    format: Format = Field("parquet", description="The result file's format (json: JSON lines).")
    chunk_size: int = Field(
        DEFAULT_CHUNK_SERIES,
        ge=1,
        le=MAX_CHUNK_SERIES,
        description="Series per chunk task: a dataset with more series is forecast by several "
        "workers at once, and the chunks are merged into the one file in series order. At most "
        "256 chunks: a smaller size is raised to fit.",
    )

    @model_validator(mode="after")
    def _version_or_alias(self) -> ForecastRequest:
        if self.version is not None and self.alias is not None:
            raise ValueError("give version or alias, not both")
        return self


class ForecastProgress(BaseModel):
    series_done: int = Field(description="Series in the chunks finished so far.")
    series_total: int
    chunks_done: int
    chunks_total: int = Field(description="0 until a worker has planned the job.")


class ForecastRead(BaseModel):
    id: str
    status: JobStatus
    model: str
    version: int
    dataset_id: str
    future_dataset_id: str | None
    format: Format
    series: list[str] | None = Field(description="The requested subset; null: every series.")
    progress: ForecastProgress
    series_short: int = Field(
        description="Series with fewer rows than the version's input_length: each is forecast "
        "from all the rows it has (the graph takes windows of 1 to 4 × input_length)."
    )
    rows: int | None = Field(description="Rows of the result (series × horizon) once it succeeded.")
    result_bytes: int | None
    result_url: str | None = Field(description="Where to download the file once it succeeded.")
    timings: dict[str, float] = Field(
        description="Seconds: queued, forecast (the chunks, first start to last end), merge, "
        "total; and series_per_second."
    )
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
