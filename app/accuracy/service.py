"""Stored forecasts and their live accuracy.

Forecasts are stored by whole-dataset forecast jobs (workers.forecast.job) and by /predict with
`record: true` (app.serving.recording); `score_rows` sets their actuals when rows of their
dataset arrive (app.datasets.service.append calls it in its transaction); the rest reads the
scores.

Scores are sums in SQL: the model's and seasonal naive's absolute errors over the scored points
of a version, by step and by series. MASE divides both by the version's training scale; their
ratio does not need it (it cancels), so a version without a MASE still has a ratio.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from itertools import islice
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import ColumnElement, Select, func, insert, select, text, tuple_, update
from sqlalchemy.orm import Session

from app.accuracy.models import ForecastRecord
from app.accuracy.schemas import AccuracyRead, Scores, SeriesScores, StepScores
from app.datasets.calendar import parse_timestamp
from app.datasets.storage import SeriesTable
from app.db import utcnow
from app.registry.models import Model, ModelVersion

LOOKUP_BATCH = 5_000
"""(series, timestamp, target) values per scoring statement: a large append makes several
bounded statements, not one of unbounded size."""


def batched(items: Iterable[Any], size: int) -> Iterable[tuple[Any, ...]]:
    """itertools.batched (Python 3.12) for 3.11."""
    iterator = iter(items)
    while part := tuple(islice(iterator, size)):
        yield part


def to_utc(stamp: str) -> datetime:
    """A dataset timestamp as an aware UTC datetime (a naive one is read as UTC)."""
    moment = parse_timestamp(stamp)
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


COLUMNS = (
    "version_id",
    "dataset_id",
    "series_id",
    "origin",
    "step",
    "target",
    "forecast_at",
    "forecast",
    "naive",
    "source",
    "created_at",
)
"""forecast_records' columns in the order insert_table writes them."""

UTC_MICROS = pa.timestamp("us", tz="UTC")


def forecasts_table(forecasts: Forecasts) -> pa.Table:
    """The records of `forecasts` as the columns insert_table takes: one row per window, step
    and target."""
    point = np.asarray(forecasts.point, np.float64)
    windows, horizon, n_targets = point.shape
    each = horizon * n_targets  # records per window
    moment = cache(to_utc)  # the windows of one request share their dates
    stamps = [moment(stamp) for row in forecasts.timestamps for stamp in row]
    steps = np.tile(np.repeat(np.arange(1, horizon + 1), n_targets), windows)
    origins = [moment(origin) for origin in forecasts.origins]
    naive = (
        pa.nulls(point.size, pa.float64())
        if forecasts.naive is None
        else pa.array(np.asarray(forecasts.naive, np.float64).ravel(), pa.float64())
    )
    return pa.table(
        {
            "series_id": pa.array(np.repeat(np.asarray(forecasts.series_ids, object), each)),
            "origin": pa.array(np.repeat(np.asarray(origins, object), each), UTC_MICROS),
            "step": pa.array(steps, pa.int32()),
            "target": pa.array(np.tile(np.asarray(forecasts.targets, object), windows * horizon)),
            "forecast_at": pa.array(np.repeat(np.asarray(stamps, object), n_targets), UTC_MICROS),
            "forecast": pa.array(point.ravel(), pa.float64()),
            "naive": naive,
        }
    )


def insert_table(
    session: Session, table: pa.Table, *, version_id: int, dataset_id: str, source: str
) -> int:
    """Insert a records table (forecasts_table's columns) in the session's transaction, without
    committing: PostgreSQL's `COPY ... (FORMAT csv)` through Arrow's CSV writer (no Python runs
    per record; a 10,000-series × 12-step job's records took 9 s as batched INSERTs), INSERTs
    elsewhere."""
    n = table.num_rows
    table = table.append_column("version_id", pa.array(np.full(n, version_id), pa.int64()))
    for name, value in (("dataset_id", dataset_id), ("source", source)):
        table = table.append_column(name, pa.array(np.full(n, value, object), pa.string()))
    now = pa.array(np.full(n, utcnow(), object), UTC_MICROS)
    table = table.append_column("created_at", now).select(list(COLUMNS))
    if session.get_bind().dialect.name == "postgresql":
        sink = io.BytesIO()
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
        driver = session.connection().connection.driver_connection
        statement = (
            f"COPY {ForecastRecord.__tablename__} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT csv)"
        )
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            copy.write(sink.getbuffer())
    else:
        session.execute(insert(ForecastRecord), table.to_pylist())
    return n


def store(
    session: Session,
    forecasts: Iterable[Forecasts],
    *,
    version_id: int,
    dataset_id: str,
    source: str,
) -> int:
    """Insert the records of `forecasts` in the session's transaction. Does not commit."""
    ids = {"version_id": version_id, "dataset_id": dataset_id, "source": source}
    return sum(insert_table(session, forecasts_table(some), **ids) for some in forecasts)


def score_rows(session: Session, dataset_id: str, rows: SeriesTable) -> int:
    """Set the actual of every stored forecast of `dataset_id` that these rows (appended or
    replaced) cover: same series, same timestamp, its target a column of the rows. A replaced
    row scores again with its new value. Returns the records scored; flushes only."""
    if rows.timestamps is None:
        return 0
    actuals = []  # (series id, timestamp, target, value)
    for series_id, part in rows.series_slices():
        stamps = [to_utc(t) for t in rows.timestamps[part]]
        for j, target in enumerate(rows.columns):
            values = rows.values[part, j].tolist()
            actuals += [
                (series_id, at, target, v)
                for at, v in zip(stamps, values, strict=True)
                if math.isfinite(v)
            ]
    now = utcnow()
    postgres = session.get_bind().dialect.name == "postgresql"
    scored = 0
    for part in batched(actuals, LOOKUP_BATCH):
        scored += (_score_postgres if postgres else _score_any)(session, dataset_id, part, now)
    return scored


_SCORE = text(
    """
    UPDATE forecast_records AS r SET actual = v.value, scored_at = :now
    FROM unnest(CAST(:series AS text[]), CAST(:ats AS timestamptz[]), CAST(:targets AS text[]),
                CAST(:values AS float8[])) AS v(series_id, at, target, value)
    WHERE r.dataset_id = :dataset AND r.series_id = v.series_id AND r.forecast_at = v.at
      AND r.target = v.target
    """
)


def _score_postgres(session: Session, dataset_id: str, part: Sequence[tuple], now: datetime) -> int:
    """One UPDATE joined to the batch's values (unnest): no row comes back to Python."""
    series, ats, targets, values = (list(c) for c in zip(*part, strict=True))
    result = session.execute(
        _SCORE,
        {
            "now": now,
            "series": series,
            "ats": ats,
            "targets": targets,
            "values": values,
            "dataset": dataset_id,
        },
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _score_any(session: Session, dataset_id: str, part: Sequence[tuple], now: datetime) -> int:
    """Find the batch's records (by series and timestamp), then update them by id."""
    value_of = {(s, at, t): v for s, at, t, v in part}
    found = session.execute(
        select(
            ForecastRecord.id,
            ForecastRecord.series_id,
            ForecastRecord.forecast_at,
            ForecastRecord.target,
        ).where(
            ForecastRecord.dataset_id == dataset_id,
            tuple_(ForecastRecord.series_id, ForecastRecord.forecast_at).in_(
                list({(s, at) for s, at, _, _ in part})
            ),
        )
    ).all()
    changes = []
    for record_id, series_id, at, target in found:
        value = value_of.get((series_id, at.astimezone(UTC), target))
        if value is not None:
            changes.append({"id": record_id, "actual": value, "scored_at": now})
    if changes:
        session.execute(update(ForecastRecord), changes)
    return len(changes)


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
