from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.backtests.schemas import BacktestBrief
from app.names import MAX_VERSION

SERIES_LISTED = 100
"""A version read lists at most this many series ids (`series_count` gives the total)."""


class LeaderboardEntry(BaseModel):
    """One candidate of an auto job (app.training.auto.leaderboard)."""

    job_id: str = Field(description="The candidate's own training job.")
    architecture: str
    overrides: dict[str, int | float | str] = Field(
        description="The grid's values it was trained with, over the job's hyperparameters."
    )
    status: str
    metrics: dict | None = Field(
        description="Validation mase, mae, rmse, smape, seasonal_naive_mase, "
        "beats_seasonal_naive and best_epoch; null unless it succeeded."
    )
    error: str | None
    rank: int | None = Field(description="1 = best validation MASE; null unless it succeeded.")
    selected: bool = Field(description="The candidate registered as this version.")


class ParentRef(BaseModel):
    model: str
    version: int


class VersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    model: str
    version: int
    architecture: str
    hyperparameters: dict
    feature_columns: list[str]
    target_columns: list[str]
    input_length: int
    horizon: int
    metrics: dict = Field(
        description="Validation metrics: `model` and `seasonal_naive` (mae, rmse, smape, mase), "
        "the season length used and whether the model beats the baseline. `mase_scale` counts "
        "the series scaled by the seasonal-naive MAE, by the one-step naive MAE (the seasonal "
        "one ~0) or by none (a constant series, left out); `mase` is null, with `mase_reason`, "
        "when no series has a scale."
    )
    artifact_uri: str
    sha256: str
    size_bytes: int
    opset: int
    parity_error: float = Field(description="Max ONNX-vs-torch error relative to output scale.")
    quantiles: list[float] = Field(
        default_factory=list,
        description="Quantile levels /predict returns besides the point forecast (the median), "
        "ascending; empty: point forecasts only.",
    )
    normalization: str = Field(
        "global",
        description="How the graph scales its inputs: `global` (training statistics) or "
        "`instance` (each window by its own).",
    )
    frequency: str | None = Field(
        None,
        description="The training data's time step (e.g. `D`, `h`, `MS`); null: trained without "
        "timestamps, so /predict cannot date its forecasts.",
    )
    series_count: int = Field(0, description="Series in the training data (0: one unnamed).")
    series: list[str] = Field(
        default_factory=list,
        description=f"Series ids /predict accepts as `series_id` (the first {SERIES_LISTED}).",
    )
    device: str
    job_id: str
    dataset_id: str
    dataset_revision: int = Field(1, description="The revision of the dataset it was trained on.")
    aliases: list[str]
    backtests: list[BacktestBrief] = Field(
        default_factory=list, description="Its backtests, oldest first (see POST /backtest)."
    )
    created_at: datetime
    leaderboard: list[LeaderboardEntry] | None = Field(
        None,
        description="A version an `auto` job registered: every candidate it trained, ranked by "
        "validation MASE (best first; those that did not succeed last); null otherwise.",
    )
    weights_uri: str | None = Field(
        None,
        description="Its PyTorch checkpoint, which a warm start (`from_version`, refresh) "
        "loads; null for versions registered before weights were kept.",
    )
    parent: ParentRef | None = Field(
        None, description="The version it was warm-started from; null: trained from scratch."
    )

    @model_validator(mode="before")
    @classmethod
    def _derived(cls, data: Any) -> Any:
        """Fill what the row keeps elsewhere: the normalization from the hyperparameters
        (versions from before it was a choice used `global`), and the series ids from an
        {id: last timestamp} map like the manifest's."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("normalization") is None:
            data["normalization"] = (data.get("hyperparameters") or {}).get(
                "normalization", "global"
            )
        if data.get("quantiles") is None:
            data["quantiles"] = []
        series = data.get("series")
        if isinstance(series, dict):
            named = [s for s in series if s]
            data["series"] = named[:SERIES_LISTED]
            data["series_count"] = len(named)
        return data


class VersionSummary(BaseModel):
    version: int
    architecture: str
    created_at: datetime
    metrics: dict


class ServingConfig(BaseModel):
    """Per-model batching overrides; a field left out keeps the server default."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"max_queue_delay_ms": 2}]}
    )

    max_batch_size: int | None = Field(None, ge=1, le=65_536, description="Rows per run.")
    max_queue_delay_ms: float | None = Field(
        None, ge=0, le=10_000, description="Wait for a fuller batch while a run slot is free."
    )
    max_queue_size: int | None = Field(
        None, ge=1, le=1_000_000, description="Queued rows before requests get 503."
    )
    max_concurrent_runs: int | None = Field(None, ge=1, le=64, description="Runs at once.")


class ModelRead(BaseModel):
    name: str
    created_at: datetime
    serving: ServingConfig = Field(description="Batching overrides (null: server default).")
    latest_version: int | None
    aliases: dict[str, int] = Field(description="Alias → version.")
    versions: list[VersionSummary]


class AliasUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"version": 3}]})

    version: int = Field(ge=1, le=MAX_VERSION)


class AliasRead(BaseModel):
    model: str
    alias: str
    version: int


class AliasEventRead(BaseModel):
    """One change of an alias (or a refresh the promotion gate did not promote)."""

    model_config = ConfigDict(from_attributes=True)

    alias: str
    version: int | None = Field(description="Where the alias points after it (null: unset).")
    previous_version: int | None
    decision: str = Field(
        description="set or deleted (by hand), promoted or kept (by the promotion gate)."
    )
    reason: str = Field(
        description="manual (the alias routes), refresh (a refresh job), schedule (a refresh "
        "its schedule started)."
    )
    policy: str | None = Field(description="The refresh's promote policy; null when manual.")
    challenger_version: int | None = Field(description="The refresh's version.")
    challenger_score: float | None = Field(
        description="The refresh's score on the gate's folds (lower is better)."
    )
    champion_score: float | None = Field(
        description="The alias holder's score on the same folds (null: no holder, or `always`)."
    )
    metric: str | None = Field(description="The score: backtest MASE on the newest data.")
    folds: int | None
    detail: str | None = Field(description="Why the gate decided so.")
    job_id: str | None = Field(description="The refresh job.")
    created_at: datetime
