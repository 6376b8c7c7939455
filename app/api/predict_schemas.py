from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.names import MAX_VERSION, ResourceName


class PredictRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"model": "demand", "alias": "production", "inputs": [[1.0, 2.0, 3.0, 2.0]]},
                {
                    "model": "demand",
                    "inputs": [[1.0, 2.0, 3.0, 2.0], [5.0, 4.0, 4.0, 6.0]],
                    "series_id": ["store-1", "store-2"],
                    "last_timestamp": "2024-06-01",
                },
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
    series_id: str | list[str] | None = Field(
        None,
        description="The series each window belongs to: one id for every window, or a list with "
        "one id per window; each must be one of the version's series (a 422 names an unknown "
        "one). Without `last_timestamp`, a window is taken to end where its series' training "
        "data ended, and the forecast is dated from there.",
    )
    last_timestamp: str | list[str] | None = Field(
        None,
        description="The timestamp of each window's last row (ISO 8601; one for every window, or "
        "a list with one per window): the forecast is dated from it. Only for versions trained "
        "on timestamped data (a 422 otherwise).",
    )

    @model_validator(mode="after")
    def _version_or_alias(self) -> PredictRequest:
        if self.version is not None and self.alias is not None:
            raise ValueError("give version or alias, not both")
        return self


class QuantileForecast(BaseModel):
    levels: list[float] = Field(
        description="The quantile levels, ascending; 0.5 is among them and its values are "
        "`predictions`."
    )
    values: list[list[list[list[float]]]] = Field(
        description="[batch][horizon][n_targets][n_levels] in raw units, non-decreasing along "
        "the levels."
    )


class PredictResponse(BaseModel):
    model: str
    version: int
    predictions: list[list[list[float]]] = Field(
        description="[batch][horizon][n_targets] in the model's target order, raw units."
    )
    target_columns: list[str]
    quantiles: QuantileForecast | None = Field(
        description="The quantile forecasts; null when the version was trained without quantiles."
    )
    timestamps: list[list[str]] | None = Field(
        description="[batch][horizon] timestamps of the forecast steps, in the style of the "
        "data's own; null unless the version was trained on timestamped data and the request "
        "gave `last_timestamp` or `series_id`."
    )


class LoadedRead(BaseModel):
    model: str
    version: int
    loaded: bool
    provider: str | None = Field(None, description="onnxruntime execution provider in use.")
    size_bytes: int | None = None
