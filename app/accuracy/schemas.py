from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Scores(BaseModel):
    points: int = Field(description="Scored forecast points (series × origin × step × target).")
    mae: float | None = Field(description="The model's mean absolute error over them.")
    naive_mae: float | None = Field(
        description="The seasonal-naive forecast's MAE over the same points (made at the same "
        "origins from the same input windows)."
    )
    mase: float | None = Field(
        description="mae ÷ the version's training scale; null without a scale."
    )
    naive_mase: float | None = Field(description="naive_mae ÷ the same scale.")
    mase_ratio: float | None = Field(
        description="mae ÷ naive_mae (= mase ÷ naive_mase: the scale cancels); below 1 the "
        "model beats seasonal naive on the actuals that arrived."
    )


class StepScores(Scores):
    step: int = Field(description="Horizon step, 1..horizon.")


class SeriesScores(Scores):
    series_id: str


class AccuracyRead(BaseModel):
    model: str
    version: int
    season_length: int = Field(description="Season of the naive forecasts (the version's).")
    scale: float | None = Field(
        description="The MASE scale: the in-sample seasonal-naive MAE the version's validation "
        "MASE was scaled by (metrics seasonal_naive.mae ÷ seasonal_naive.mase); null when the "
        "version has no MASE."
    )
    records: int = Field(description="Stored forecast points of this version, scored or not.")
    overall: Scores
    steps: list[StepScores] = Field(description="By horizon step, every step with a point.")
    series: list[SeriesScores] = Field(description="By series id, a page of them.")
    series_total: int = Field(description="Series with scored points.")
    last_scored_at: datetime | None = Field(description="When an actual last arrived; null: none.")
