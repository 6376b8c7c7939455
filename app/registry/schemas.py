from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


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


class ModelRead(BaseModel):
    name: str
    created_at: datetime
    latest_version: int | None
    aliases: dict[str, int] = Field(description="Alias → version.")
    versions: list[VersionSummary]


class AliasUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"version": 3}]})

    version: int = Field(ge=1)


class AliasRead(BaseModel):
    model: str
    alias: str
    version: int
