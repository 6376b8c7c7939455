"""Stored forecasts and their live accuracy.

Forecasts are stored by whole-dataset forecast jobs (workers.forecast.job) and by /predict with
`record: true` (app.serving.recording); `score_rows` sets their actuals when rows of their
dataset arrive (the append route calls it after the append); the rest reads the scores.

Scores are sums in SQL: the model's and seasonal naive's absolute errors over the scored points
of a version, by step and by series. MASE divides both by the version's training scale; their
ratio does not need it (it cancels), so a version without a MASE still has a ratio.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Select, func, insert, select, update
from sqlalchemy.orm import Session

from app.accuracy.models import ForecastRecord
from app.accuracy.schemas import AccuracyRead, Scores, SeriesScores, StepScores
from app.datasets.calendar import parse_timestamp
from app.datasets.storage import SeriesTable
from app.db import utcnow
from app.registry.models import Model, ModelVersion

LOOKUP_BATCH = 500
"""Timestamps per scoring query (an IN list; bounded so a large append makes many small
queries, not one that the database plans badly)."""
INSERT_BATCH = 5_000
"""Records per INSERT round trip."""


def batched(items: Iterable[Any], size: int) -> Iterable[tuple[Any, ...]]:
    """itertools.batched (Python 3.12) for 3.11."""
    iterator = iter(items)
    while part := tuple(islice(iterator, size)):
        yield part


def to_utc(text: str) -> datetime:
    """A dataset timestamp as an aware UTC datetime (a naive one is read as UTC)."""
    moment = parse_timestamp(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def season_of(metrics: dict | None) -> int:
    """The season of the version's seasonal-naive baseline (its validation metrics')."""
    season = (metrics or {}).get("season_length")
    return int(season) if isinstance(season, int) and season >= 1 else 1


def scale_of(metrics: dict | None) -> float | None:
    """The version's MASE scale: validation seasonal-naive MAE ÷ its MASE (exact for one series
    and target, the errors' weighted scale for many); None without a MASE."""
    naive = (metrics or {}).get("seasonal_naive") or {}
    mae, mase = naive.get("mae"), naive.get("mase")
    if not isinstance(mae, int | float) or not isinstance(mase, int | float) or mase <= 0:
        return None
    scale = mae / mase
    return scale if math.isfinite(scale) and scale > 0 else None


@dataclass(frozen=True)
class Forecasts:
    """Dated forecasts of several series, ready to store: one entry per window."""

    series_ids: Sequence[str]
    origins: Sequence[str]
    """The timestamp of each window's last row."""
    timestamps: Sequence[Sequence[str]]
    """[window][step]: each forecast step's timestamp."""
    point: np.ndarray
    """[window, horizon, n_targets]."""
    naive: np.ndarray | None
    """As `point`: the seasonal-naive forecasts; None when the window lacks the targets."""
    targets: Sequence[str]


def record_rows(
    forecasts: Forecasts, *, version_id: int, dataset_id: str, source: str
) -> Iterable[dict[str, Any]]:
    """The forecast_records rows of `forecasts`, one per window, step and target."""
    now = utcnow()
    point = np.asarray(forecasts.point, np.float64)
    naive = None if forecasts.naive is None else np.asarray(forecasts.naive, np.float64)
    for w, series_id in enumerate(forecasts.series_ids):
        origin = to_utc(forecasts.origins[w])
        for h, stamp in enumerate(forecasts.timestamps[w]):
            at = to_utc(stamp)
            for t, target in enumerate(forecasts.targets):
                yield {
                    "version_id": version_id,
                    "dataset_id": dataset_id,
                    "series_id": series_id,
                    "origin": origin,
                    "step": h + 1,
                    "target": target,
                    "forecast_at": at,
                    "forecast": float(point[w, h, t]),
                    "naive": None if naive is None else float(naive[w, h, t]),
                    "source": source,
                    "created_at": now,
                }


def store(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Insert the records in batches (executemany); flushes, does not commit."""
    stored = 0
    for part in batched(rows, INSERT_BATCH):
        session.execute(insert(ForecastRecord), list(part))
        stored += len(part)
    return stored


def score_rows(session: Session, dataset_id: str, rows: SeriesTable) -> int:
    """Set the actual of every stored forecast of `dataset_id` that these rows (appended or
    replaced) cover: same series, same timestamp, its target a column of the rows. A replaced
    row scores again with its new value. Returns the records scored; flushes only."""
    if rows.timestamps is None:
        return 0
    now = utcnow()
    column = {name: j for j, name in enumerate(rows.columns)}
    scored = 0
    for series_id, part in rows.series_slices():
        stamps = rows.timestamps[part]
        values = rows.values[part]
        row_of = {to_utc(text): i for i, text in enumerate(stamps)}
        for times in batched(row_of, LOOKUP_BATCH):
            found = session.execute(
                select(ForecastRecord.id, ForecastRecord.forecast_at, ForecastRecord.target).where(
                    ForecastRecord.dataset_id == dataset_id,
                    ForecastRecord.series_id == series_id,
                    ForecastRecord.forecast_at.in_(times),
                )
            ).all()
            changes = []
            for record_id, at, target in found:
                j = column.get(target)
                if j is None:
                    continue
                value = float(values[row_of[at.astimezone(UTC)], j])
                if math.isfinite(value):
                    changes.append({"id": record_id, "actual": value, "scored_at": now})
            if changes:
                session.execute(update(ForecastRecord), changes)
                scored += len(changes)
    return scored


def _sums(*group: ColumnElement[Any]) -> Select[Any]:
    """Per group: points, the model's and naive's absolute error sums (naive over its points)."""
    model_error = func.abs(ForecastRecord.forecast - ForecastRecord.actual)
    naive_error = func.abs(ForecastRecord.naive - ForecastRecord.actual)
    return select(
        *group,
        func.count(),
        func.sum(model_error),
        func.count(ForecastRecord.naive),
        func.sum(naive_error),
    ).where(ForecastRecord.actual.is_not(None))


def _scores(
    points: int, model_sum: Any, naive_points: int, naive_sum: Any, scale: float | None
) -> dict:
    mae = float(model_sum) / points if points else None
    naive_mae = float(naive_sum) / naive_points if naive_points else None
    ratio = None
    if mae is not None and naive_mae is not None and naive_points == points and naive_mae > 0:
        ratio = mae / naive_mae
    return {
        "points": points,
        "mae": mae,
        "naive_mae": naive_mae,
        "mase": None if mae is None or scale is None else mae / scale,
        "naive_mase": None if naive_mae is None or scale is None else naive_mae / scale,
        "mase_ratio": ratio,
    }


def live_mase_ratio(session: Session, version_id: int) -> float | None:
    """The version's live MAE ÷ seasonal naive's over its scored points; None with none (or
    when naive made no error). For `refresh_when`: above 1, naive is doing better."""
    row = session.execute(_sums().where(ForecastRecord.version_id == version_id)).one()
    return _scores(*row, scale=None)["mase_ratio"]


def live_ratios(session: Session) -> list[tuple[str, int, float]]:
    """(model, version, live MASE ratio) of every version with scored points: the gauge."""
    rows = session.execute(
        _sums(Model.name, ModelVersion.version)
        .join(ModelVersion, ModelVersion.id == ForecastRecord.version_id)
        .join(Model, Model.id == ModelVersion.model_id)
        .group_by(Model.name, ModelVersion.version)
    ).all()
    found = []
    for name, number, *sums in rows:
        ratio = _scores(*sums, scale=None)["mase_ratio"]
        if ratio is not None:
            found.append((name, number, ratio))
    return found


def accuracy(
    session: Session, version: ModelVersion, *, series_limit: int, series_offset: int
) -> AccuracyRead:
    """The live scores of `version`: overall, by step, a page of series (by id)."""
    scale = scale_of(version.metrics)
    mine = ForecastRecord.version_id == version.id
    overall = session.execute(_sums().where(mine)).one()
    steps = session.execute(
        _sums(ForecastRecord.step)
        .where(mine)
        .group_by(ForecastRecord.step)
        .order_by(ForecastRecord.step)
    ).all()
    series = session.execute(
        _sums(ForecastRecord.series_id)
        .where(mine)
        .group_by(ForecastRecord.series_id)
        .order_by(ForecastRecord.series_id)
        .limit(series_limit)
        .offset(series_offset)
    ).all()
    series_total = session.scalar(
        select(func.count(func.distinct(ForecastRecord.series_id))).where(
            mine, ForecastRecord.actual.is_not(None)
        )
    )
    records = session.scalar(select(func.count()).where(mine))
    last = session.scalar(select(func.max(ForecastRecord.scored_at)).where(mine))
    return AccuracyRead(
        model=version.model.name,
        version=version.version,
        season_length=season_of(version.metrics),
        scale=scale,
        records=records or 0,
        overall=Scores(**_scores(*overall, scale=scale)),
        steps=[StepScores(step=s, **_scores(*sums, scale=scale)) for s, *sums in steps],
        series=[SeriesScores(series_id=s, **_scores(*sums, scale=scale)) for s, *sums in series],
        series_total=series_total or 0,
        last_scored_at=last,
    )
