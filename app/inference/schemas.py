from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.names import MAX_VERSION, ResourceName


class PredictRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"model": "demand", "alias": "production", "inputs": [[1.0, 2.0, 3.0, 2.0]]}
            ]
        },
    )

    model: ResourceName = Field(description="Model name.")
    version: int | None = Field(
        None, ge=1, le=MAX_VERSION, description="A version number; or give `alias`."
    )
    alias: ResourceName | None = Field(None, description="An alias; default: the latest version.")
    inputs: list[list[list[float]]] | list[list[float]] = Field(
        description="[batch][length][n_features] raw values in the model's feature order; "
        "[batch][length] is accepted for single-feature models. Length may be 1 to 4 × the "
        "trained input_length."
    )

    @model_validator(mode="after")
    def _version_or_alias(self) -> PredictRequest:
        if self.version is not None and self.alias is not None:
            raise ValueError("give version or alias, not both")
        return self


class PredictResponse(BaseModel):
    model: str
    version: int
    predictions: list[list[list[float]]] = Field(
        description="[batch][horizon][n_targets] in the model's target order, raw units."
    )
    target_columns: list[str]


class LoadedRead(BaseModel):
    model: str
    version: int
    loaded: bool
    provider: str | None = Field(None, description="onnxruntime execution provider in use.")
    size_bytes: int | None = None
