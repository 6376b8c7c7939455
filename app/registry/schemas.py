from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.names import MAX_VERSION


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
        "the season length used and whether the model beats the baseline."
    )
    artifact_uri: str
    sha256: str
    size_bytes: int
    opset: int
    parity_error: float = Field(description="Max ONNX-vs-torch error relative to output scale.")
    device: str
    job_id: str
    dataset_id: str
    aliases: list[str]
    created_at: datetime


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
