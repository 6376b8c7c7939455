"""The documented replies of /predict and of loading a version. The request body is the
msgspec struct app.api.requests.PredictRequest, whose own JSON Schema the route documents."""

from __future__ import annotations

from pydantic import BaseModel, Field


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
