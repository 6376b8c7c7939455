from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.names import MAX_VERSION, ResourceName
from app.training.models import JobStatus

MAX_FOLDS = 100


class BacktestRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"model": "demand", "alias": "production", "folds": 5}]},
    )

    model: ResourceName = Field(description="Model name.")
    version: int | None = Field(
        None, ge=1, le=MAX_VERSION, description="A version number; or give `alias`."
    )
    alias: ResourceName | None = Field(None, description="An alias; default: the latest version.")
    folds: int = Field(5, ge=1, le=MAX_FOLDS, description="Forecast origins per series.")
    stride: int | None = Field(
        None, ge=1, le=1_000_000, description="Rows between origins; default: the horizon."
    )

    @model_validator(mode="after")
    def _version_or_alias(self) -> BacktestRequest:
        if self.version is not None and self.alias is not None:
            raise ValueError("give version or alias, not both")
        return self


class MetricSet(BaseModel):
    mae: float
    rmse: float
    smape: float = Field(description="Percent, 0 to 200.")
    mase: float | None = Field(
        description="MAE over the in-sample seasonal-naive MAE before the origin (the one-step "
        "naive MAE where that is ~0, as on a noiseless periodic series); null when every target "
        "is constant before its origins, with `mase_reason`."
    )
    mase_reason: str | None = Field(None, description="Why `mase` is null.")


class FoldRead(BaseModel):
    fold: int = Field(description="1 = the oldest origin.")
    origins: dict[str, int] = Field(
        description="Series id → the first forecast row, counted from the series start "
        '(a dataset without a series column is one series, "").'
    )
    origin_timestamps: dict[str, str] | None = Field(
        None, description="Series id → the timestamp of that row, when the dataset has them."
    )
    held_out: bool = Field(
        description="Every forecast row lies in the version's validation part, which it was "
        "not fitted on; earlier folds overlap its training rows."
    )
    model: MetricSet
    seasonal_naive: MetricSet
    beats_seasonal_naive: bool


class BacktestSummary(BaseModel):
    model: MetricSet = Field(description="Over every fold and series.")
    seasonal_naive: MetricSet
    beats_seasonal_naive: bool = Field(
        description="The model's MASE is below the baseline's (its MAE, when MASE is null)."
    )
    folds_won: int = Field(description="Folds in which the model's MASE beats the baseline's.")
    season_length: int = Field(description="The version's season, used by the baseline.")
    mase_scale: dict[str, int] = Field(
        default_factory=dict,
        description="How many (origin, series, target) MASE scales came from each forecast: "
        '"seasonal_naive", "naive" (the seasonal one was ~0 relative to the series) or "none" '
        "(a constant target, left out of MASE).",
    )
    series: int = Field(description="Series evaluated.")
    seconds: float = Field(description="Wall time of the evaluation in the worker.")


class BacktestRead(BaseModel):
    id: str
    status: JobStatus
    model: str
    version: int
    folds: int
    stride: int
    horizon: int
    fold_metrics: list[FoldRead] = Field(description="Oldest first; empty until it succeeds.")
    metrics: BacktestSummary | None = Field(description="Null until it succeeds.")
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class BacktestBrief(BaseModel):
    """A version's backtest, as the version read model lists it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    status: JobStatus
    folds: int
    stride: int
    beats_seasonal_naive: bool | None
    created_at: datetime
