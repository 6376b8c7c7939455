"""Live accuracy on the embedded default (SQLite, migrated by Alembic; no worker): /predict with
`record: true` on a tiny real ONNX model (its forecast is the window's mean of y), scored by the
service, the route's numbers against a hand computation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.accuracy import service
from app.accuracy.models import ForecastRecord
from app.artifacts import make_store
from app.config import Settings
from app.datasets.storage import SeriesTable
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.migrate import upgrade
from tests.support.registry_db import register
from tests.support.tiny_model import store_model

WINDOW = [[1.0, 0.0], [4.0, 0.0], [2.0, 0.0], [6.0, 0.0]]
"""Mean of y 3.25: every step forecasts 3.25; season 2 repeats 2, 6, 2."""


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Settings]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("accuracy-embedded"))
    upgrade(settings.database_url)
    stored = store_model(
        make_store(settings),
        model="tiny-live",
        job_id=uuid.uuid4().hex,
        horizon=3,
        frequency="D",
        series={"a": "2025-01-10"},
    )
    long = store_model(
        make_store(settings),
        model="tiny-long",
        job_id=uuid.uuid4().hex,
        horizon=100,
        frequency="D",
        series={"a": "2025-01-10"},
    )
    single = store_model(
        make_store(settings), model="tiny-single", job_id=uuid.uuid4().hex, horizon=2, frequency="D"
    )
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        version = register(session, "tiny-live", stored)
        version.metrics = {"season_length": 2, "seasonal_naive": {"mae": 3.0, "mase": 1.5}}
        register(session, "tiny-long", long)
        register(session, "tiny-single", single).metrics = {"season_length": 2}
        session.commit()
    engine.dispose()
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield client, settings


def test_record_and_score_on_sqlite(embedded: tuple[TestClient, Settings]) -> None:
    client, settings = embedded
    answer = client.post(
        "/predict",
        json={"model": "tiny-live", "inputs": [WINDOW], "series_id": "a", "record": True},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["predictions"] == [[[3.25]] * 3]
    sessions = make_sessionmaker(make_engine(settings.database_url))
    with sessions() as session:
        stored = session.query(ForecastRecord).order_by(ForecastRecord.step).all()
        assert [(r.step, r.forecast, r.naive) for r in stored] == [
            (1, 3.25, 2.0),
            (2, 3.25, 6.0),
            (3, 3.25, 2.0),
        ]
        dataset_id = stored[0].dataset_id
        rows = SeriesTable(
            ["y", "x"],
            np.array([[5.0, 0.0], [1.0, 0.0]]),
            ["2025-01-11", "2025-01-12"],
            [("a", 2)],
        )
        assert service.score_rows(session, dataset_id, rows) == 2
        session.commit()
    found = client.get("/models/tiny-live/versions/1/accuracy").json()
    # model |3.25 - 5| = 1.75, |3.25 - 1| = 2.25 -> 2.0; naive |2 - 5| = 3, |6 - 1| = 5 -> 4.0;
    # scale 3.0 / 1.5 = 2.0.
    assert found["overall"] == pytest.approx(
        {
            "points": 2,
            "mae": 2.0,
            "naive_mae": 4.0,
            "mase": 1.0,
            "naive_mase": 2.0,
            "mase_ratio": 0.5,
        }
    )
    assert [(s["step"], s["mase_ratio"]) for s in found["steps"]] == [(1, 1.75 / 3), (2, 2.25 / 5)]
    assert found["records"] == 3 and found["series_total"] == 1
    assert (
        'seqcast_live_mase_ratio{model="tiny-live",version="1"} 0.5' in client.get("/metrics").text
    )


def test_a_recorded_request_is_bounded(embedded: tuple[TestClient, Settings]) -> None:
    """1,001 windows × 100 steps would store 100,100 points: refused before the model runs."""
    client, settings = embedded
    sessions = make_sessionmaker(make_engine(settings.database_url))
    with sessions() as session:
        before = session.query(ForecastRecord).count()
    answer = client.post(
        "/predict",
        json={"model": "tiny-long", "inputs": [WINDOW] * 1001, "series_id": "a", "record": True},
    )
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"][0]
    assert detail["loc"][-1] == "record" and "100100 forecast points" in detail["msg"], detail
    with sessions() as session:
        assert session.query(ForecastRecord).count() == before
    plain = client.post("/predict", json={"model": "tiny-long", "inputs": [WINDOW] * 1001})
    assert plain.status_code == 200  # without record, the usual limits only


def test_forecast_job_records_on_sqlite(embedded: tuple[TestClient, Settings]) -> None:
    """The worker's record path on SQLite (batched INSERTs, not COPY): the job's tasks run
    in this process, as a worker would run them."""
    from workers.forecast.job import run_forecast_job

    client, settings = embedded
    y = [1.0, 4.0, 2.0, 6.0, 3.0, 5.0]
    uploaded = client.post(
        "/datasets",
        json={
            "name": "live-embedded",
            "columns": {"y": y, "x": [0.0] * len(y)},
            "timestamps": [f"2025-01-{d:02d}" for d in range(5, 11)],
            "series": ["a"] * len(y),
        },
    )
    assert uploaded.status_code == 201, uploaded.text
    started = client.post(
        "/forecasts",
        json={"model": "tiny-live", "version": 1, "dataset_id": uploaded.json()["id"]},
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    run_forecast_job(job_id, settings, lambda _: None, lambda: None)
    assert client.get(f"/forecasts/{job_id}").json()["status"] == "succeeded"
    with make_sessionmaker(make_engine(settings.database_url))() as session:
        stored = session.query(ForecastRecord).filter_by(source=job_id).order_by("step").all()
    # The window is the last 4 rows (2, 6, 3, 5): the forecast their mean, naive season 2.
    assert [(r.step, r.forecast, r.naive) for r in stored] == [
        (1, 4.0, 3.0),
        (2, 4.0, 5.0),
        (3, 4.0, 3.0),
    ]
    assert [r.forecast_at.day for r in stored] == [11, 12, 13]
    assert {(r.series_id, r.target, r.origin.day) for r in stored} == {("a", "y", 10)}
    folder = Path(settings.artifact_root) / "forecasts" / job_id
    assert (folder / "forecast.parquet").is_file()
    assert not list(folder.glob("records-*"))  # deleted once stored


def test_one_unnamed_series_records_without_series_id(
    embedded: tuple[TestClient, Settings],
) -> None:
    """A version trained on one series without a series column (a plain CSV of dates and
    values, the README's walk-through) records with last_timestamp alone, and its rows score."""
    client, settings = embedded
    body = {"model": "tiny-single", "inputs": [WINDOW], "record": True}
    undated = client.post("/predict", json=body)
    assert undated.status_code == 422, undated.text
    assert undated.json()["detail"][0]["loc"][-1] == "record"
    answer = client.post("/predict", json={**body, "last_timestamp": "2025-01-10"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["timestamps"] == [["2025-01-11", "2025-01-12"]]
    sessions = make_sessionmaker(make_engine(settings.database_url))
    with sessions() as session:
        stored = session.query(ForecastRecord).filter_by(series_id="").all()
        assert sorted(r.step for r in stored) == [1, 2]
        rows = SeriesTable(
            ["y", "x"], np.array([[5.0, 0.0], [1.0, 0.0]]), ["2025-01-11", "2025-01-12"]
        )
        assert service.score_rows(session, stored[0].dataset_id, rows) == 2
        session.commit()
    found = client.get("/models/tiny-single/versions/1/accuracy").json()
    # |3.25 - 5| and |3.25 - 1| -> 2.0; naive (season 2: 2, 6) |2 - 5|, |6 - 1| -> 4.0
    assert found["overall"]["mae"] == pytest.approx(2.0)
    assert found["overall"]["mase_ratio"] == pytest.approx(0.5)
