"""Helpers of the live-accuracy tests (tests/accuracy, tests/ui): a small dated two-series
dataset, a version trained on it, and reading the stored forecast records back."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from functools import cache

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.accuracy.models import ForecastRecord
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from tests.support.data import seasonal_series
from tests.support.stack import train_and_wait

LENGTH, HORIZON, SEASON = 12, 4, 7
END = date(2025, 6, 30)
ROWS = 60
SERIES = ("a", "b")


def dated_series(name: str) -> dict:
    """Two daily series of ROWS rows ending on END, columns y and x (the JSON upload body)."""
    columns: dict[str, list[float]] = {"y": [], "x": []}
    stamps, ids = [], []
    for i, series_id in enumerate(SERIES):
        values = seasonal_series(ROWS, period=SEASON, seed=i)
        columns["y"] += values["y"]
        columns["x"] += values["x"]
        stamps += [(END - timedelta(days=ROWS - 1 - t)).isoformat() for t in range(ROWS)]
        ids += [series_id] * ROWS
    return {"name": name, "columns": columns, "timestamps": stamps, "series": ids}


def train_dated(client: TestClient, prefix: str) -> dict:
    """A small LSTM on `dated_series` (season 7): {model, version, dataset_id, body, metrics}."""
    model = f"{prefix}-{uuid.uuid4().hex[:6]}"
    body = dated_series(f"{model}-data")
    uploaded = client.post("/datasets", json=body)
    assert uploaded.status_code == 201, uploaded.text
    job = train_and_wait(
        client,
        {
            "model_name": model,
            "architecture": "lstm",
            "dataset_id": uploaded.json()["id"],
            "target_columns": ["y"],
            "feature_columns": ["y", "x"],
            "input_length": LENGTH,
            "horizon": HORIZON,
            "season_length": SEASON,
            "hyperparameters": {"hidden_size": 8, "num_layers": 1, "epochs": 2, "seed": 1},
        },
    )
    assert job["status"] == "succeeded", job["error"]
    version = client.get(f"/models/{model}/versions/1").json()
    return {
        "model": model,
        "version": 1,
        "dataset_id": uploaded.json()["id"],
        "body": body,
        "metrics": version["metrics"],
    }


def window(body: dict, series_id: str, length: int = LENGTH) -> list[list[float]]:
    """The last `length` rows of a series, [length][y, x]."""
    rows = [i for i, s in enumerate(body["series"]) if s == series_id][-length:]
    return [[body["columns"]["y"][i], body["columns"]["x"][i]] for i in rows]


@cache
def _sessions(url: str) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(url))


def sessions(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the test database (one engine per database for the whole run)."""
    return _sessions(settings.database_url)


def version_id(settings: Settings, model: str, number: int = 1) -> int:
    from app.registry.models import Model, ModelVersion

    with sessions(settings)() as session:
        return session.scalar(
            select(ModelVersion.id)
            .join(Model, Model.id == ModelVersion.model_id)
            .where(Model.name == model, ModelVersion.version == number)
        )


def records(settings: Settings, version: int, source: str | None = None) -> list[ForecastRecord]:
    """The version's stored records (of one source), by series, origin and step."""
    with sessions(settings)() as session:
        query = select(ForecastRecord).where(ForecastRecord.version_id == version)
        if source is not None:
            query = query.where(ForecastRecord.source == source)
        return list(
            session.scalars(
                query.order_by(ForecastRecord.series_id, ForecastRecord.origin, ForecastRecord.step)
            )
        )
