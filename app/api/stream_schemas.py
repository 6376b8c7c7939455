from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.names import MAX_VERSION, ResourceName

Rows = list[list[float]] | list[float]


class StreamCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [{"model": "demand", "alias": "production", "history": [[1.0], [2.0]]}]
        },
    )

    model: ResourceName = Field(description="Model name.")
    version: int | None = Field(
        None, ge=1, le=MAX_VERSION, description="A version number; or give `alias`."
    )
    alias: ResourceName | None = Field(
        None,
        description="An alias, resolved now: the stream stays on that version when the alias "
        "moves later. Default: the latest version.",
    )
    history: Rows | None = Field(
        None,
        description="Warm-up observations, oldest first: [rows][n_features] raw values in the "
        "model's feature order ([rows] for a single-feature model).",
    )
    series_id: str | None = Field(
        None,
        max_length=1000,
        description="The series the stream continues (one of the version's series): a version "
        "with static covariates looks them up by it, and without `last_timestamp` the history "
        "is taken to end where the series' training data ended.",
    )
    last_timestamp: str | None = Field(
        None,
        max_length=100,
        description="The timestamp of the last history row (ISO 8601; without history, of the "
        "row before the first observation). It moves one step of the version's frequency per "
        "observation and dates the forecast; a version with calendar features needs it or "
        "`series_id`.",
    )
    future: Rows | None = Field(
        None,
        description="With `history`, for a version with known-future columns: their raw values "
        "over the horizon after the history, [horizon][n_future] in `future_columns` order.",
    )

    @model_validator(mode="after")
    def _version_or_alias(self) -> StreamCreate:
        if self.version is not None and self.alias is not None:
            raise ValueError("give version or alias, not both")
        return self


class StreamRead(BaseModel):
    id: str
    model: str
    version: int = Field(description="The version the stream is pinned to.")
    mode: Literal["step", "window"] = Field(
        description="step: the server keeps the recurrent state and an observation costs one "
        "step of the model; window: the server keeps the last input_length observations and "
        "runs the window model on them (Transformers, instance-normalized models)."
    )
    observations: int = Field(description="Observations so far, warm-up history included.")
    sequence: int = Field(
        description="Observe calls applied so far (0 after create): the order in which "
        "concurrent observes on the stream were applied."
    )
    feature_columns: list[str]
    target_columns: list[str]
    series_id: str | None = Field(None, description="The series the stream continues.")
    last_timestamp: str | None = Field(
        None, description="The timestamp of the latest observation; null when undated."
    )
    created_at: datetime
    updated_at: datetime
    expires_at: datetime = Field(description="Dropped then unless observed again before.")


class StreamForecast(StreamRead):
    forecast: list[list[float]] | None = Field(
        description="[horizon][n_targets] from the updated state, raw units, in the model's "
        "target order; null before the first observation."
    )
    quantiles: list[list[list[float]]] | None = Field(
        None,
        description="[horizon][n_targets][n_quantiles], levels in quantile_levels order, when the "
        "version was trained with quantiles (step mode).",
    )
    quantile_levels: list[float] | None = None
    timestamps: list[str] | None = Field(
        None,
        description="[horizon] timestamps of the forecast steps, when the stream is dated "
        "(created with `series_id` or `last_timestamp` on a version trained on timestamps).",
    )
