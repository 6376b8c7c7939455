"""Live accuracy on the real stack (PostgreSQL, Redis, a Celery worker): forecasts stored by
/predict with `record: true` and by a whole-dataset forecast job, scored when rows arrive, the
numbers checked against a hand computation, and the gauge on /metrics."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.accuracy import service
from app.accuracy.models import SOURCE_PREDICT, ForecastRecord
from app.config import Settings
from app.datasets.storage import SeriesTable
from tests.support.accuracy import (
    END,
    HORIZON,
    SEASON,
    SERIES,
    records,
    sessions,
    train_dated,
    version_id,
    window,
)


@pytest.fixture(scope="module")
def trained(client: TestClient, pg_worker, pg_settings: Settings) -> dict:
    found = train_dated(client, "live")
    return {**found, "id": version_id(pg_settings, found["model"])}


def midnight(day) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def hand_naive(rows: list[list[float]]) -> list[float]:
    """Seasonal naive by hand: step h (1-based) repeats y[len - SEASON + (h - 1) % SEASON]."""
    y = [r[0] for r in rows]
    return [y[len(y) - SEASON + (h % SEASON)] for h in range(HORIZON)]


def test_predict_with_record_stores_the_forecast_and_the_seasonal_naive_one(
    client: TestClient, trained: dict, pg_settings: Settings
) -> None:
    rows = window(trained["body"], "a")
    answer = client.post(
        "/predict",
        json={"model": trained["model"], "inputs": [rows], "series_id": "a", "record": True},
    )
    assert answer.status_code == 200, answer.text
    reply = answer.json()
    stored = records(pg_settings, trained["id"], SOURCE_PREDICT)
    assert [r.step for r in stored] == list(range(1, HORIZON + 1))
    assert {(r.series_id, r.target, r.dataset_id) for r in stored} == {
        ("a", "y", trained["dataset_id"])
    }
    assert all(r.origin == midnight(END) for r in stored)  # the series' last training day
    assert [r.forecast_at for r in stored] == [
        midnight(END + timedelta(days=h + 1)) for h in range(HORIZON)
    ]
    assert reply["timestamps"][0] == [str(END + timedelta(days=h + 1)) for h in range(HORIZON)]
    np.testing.assert_allclose(
        [r.forecast for r in stored], [p[0] for p in reply["predictions"][0]], rtol=1e-6
    )
    np.testing.assert_allclose([r.naive for r in stored], hand_naive(rows), rtol=1e-6)
    assert all(r.actual is None and r.scored_at is None for r in stored)

    plain = client.post("/predict", json={"model": trained["model"], "inputs": [rows]})
    assert plain.status_code == 200
    assert len(records(pg_settings, trained["id"], SOURCE_PREDICT)) == HORIZON  # not stored


def test_record_is_refused_without_series_or_dates(
    client: TestClient, trained: dict, trained_lstm: dict
) -> None:
    rows = window(trained["body"], "a")
    cases = [
        ({"model": trained["model"], "inputs": [rows], "record": True}, "series_id"),
        ({"model": trained["model"], "inputs": [rows], "series_id": "a", "record": "yes"}, "true"),
        (
            {
                "model": trained_lstm["model_version"]["model"],
                "inputs": [[[1.0, 0.0]] * 24],
                "series_id": "",
                "record": True,
            },
            "without timestamps",
        ),
    ]
    for body, said in cases:
        answer = client.post("/predict", json=body)
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"][0]
        assert detail["loc"][-1] == "record", detail
        assert said in detail["msg"], detail


def wait_for_forecast(client: TestClient, forecast_id: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = client.get(f"/forecasts/{forecast_id}").json()
        if found["status"] in ("succeeded", "failed", "cancelled"):
            return found
        time.sleep(0.1)
    raise AssertionError(f"forecast {forecast_id} still running after {timeout} s")


def test_forecast_job_stores_every_series(
    client: TestClient, trained: dict, pg_settings: Settings
) -> None:
    started = client.post(
        "/forecasts",
        json={
            "model": trained["model"],
            "version": 1,
            "dataset_id": trained["dataset_id"],
            "format": "parquet",
        },
    )
    assert started.status_code == 202, started.text
    job = wait_for_forecast(client, started.json()["id"])
    assert job["status"] == "succeeded", job
    deadline = time.monotonic() + 30  # stored by the merge task once the job has succeeded
    while len(stored := records(pg_settings, trained["id"], job["id"])) < len(SERIES) * HORIZON:
        assert time.monotonic() < deadline, f"{len(stored)} records after 30 s"
        time.sleep(0.1)
    assert len(stored) == len(SERIES) * HORIZON
    folder = Path(pg_settings.artifact_root) / "forecasts" / job["id"]
    assert (folder / "forecast.parquet").is_file()  # the result beside where they were
    while list(folder.glob("records-*")):  # each chunk's records file, deleted once stored
        assert time.monotonic() < deadline, "records files left behind"
        time.sleep(0.1)
    result = client.get(f"/forecasts/{job['id']}/result")
    rows = pq.read_table(io.BytesIO(result.content)).to_pylist()
    assert [(r.series_id, r.step, r.forecast_at.date().isoformat()) for r in stored] == [
        (r["series_id"], r["step"], r["timestamp"]) for r in rows
    ]
    np.testing.assert_allclose([r.forecast for r in stored], [r["y"] for r in rows], rtol=1e-6)
    for series_id in SERIES:
        own = [r for r in stored if r.series_id == series_id]
        np.testing.assert_allclose(
            [r.naive for r in own], hand_naive(window(trained["body"], series_id)), rtol=1e-6
        )
        assert all(r.origin == midnight(END) for r in own)


def table(values: dict[str, list[tuple[str, float]]]) -> SeriesTable:
    """Rows of column y (and x = 0) by series: {series: [(timestamp, y), ...]}."""
    stamps, ys, blocks = [], [], []
    for series_id, rows in values.items():
        stamps += [t for t, _ in rows]
        ys += [y for _, y in rows]
        blocks.append((series_id, len(rows)))
    data = np.column_stack([ys, np.zeros(len(ys))]).astype(np.float64)
    return SeriesTable(["y", "x"], data, stamps, blocks)


def day(k: int) -> str:
    return str(END + timedelta(days=k))


def test_scores_against_a_hand_computation(
    db_session: Session, isolated_client: TestClient, trained: dict
) -> None:
    vid, dataset_id = trained["id"], trained["dataset_id"]
    db_session.execute(delete(ForecastRecord).where(ForecastRecord.version_id == vid))
    path = f"/models/{trained['model']}/versions/1/accuracy"
    empty = isolated_client.get(path).json()
    assert empty["overall"] == {
        "points": 0,
        "mae": None,
        "naive_mae": None,
        "mase": None,
        "naive_mase": None,
        "mase_ratio": None,
    }
    assert (empty["steps"], empty["series"], empty["last_scored_at"]) == ([], [], None)

    # a: forecasts 10, 20 (naive 12, 18); b: 5, 7 (naive 4, 9); one more step of a that no row
    # reaches stays unscored.
    made = {"a": ([10.0, 20.0, 30.0], [12.0, 18.0, 31.0]), "b": ([5.0, 7.0], [4.0, 9.0])}
    for series_id, (point, naive) in made.items():
        n = len(point)
        service.store(
            db_session,
            [
                service.Forecasts(
                    [series_id],
                    [str(END)],
                    [[day(h + 1) for h in range(n)]],
                    np.asarray(point).reshape(1, n, 1),
                    np.asarray(naive).reshape(1, n, 1),
                    ["y"],
                )
            ],
            version_id=vid,
            dataset_id=dataset_id,
            source="hand",
        )
    # Actuals: a 11, 23; b 6, 4 (b's written with a time: the same instant). Errors by hand:
    # model a 1, 3; b 1, 3 -> MAE 2; naive a 1, 5; b 2, 5 -> MAE 3.25; ratio 2 / 3.25.
    scored = service.score_rows(
        db_session,
        dataset_id,
        table(
            {
                "a": [(day(1), 11.0), (day(2), 23.0)],
                "b": [(day(1) + "T00:00:00", 6.0), (day(2), 4.0), (day(9), 1.0)],
            }
        ),
    )
    assert scored == 4
    db_session.commit()

    scale = (
        trained["metrics"]["seasonal_naive"]["mae"] / trained["metrics"]["seasonal_naive"]["mase"]
    )
    found = isolated_client.get(path, params={"series_limit": 1, "series_offset": 1}).json()
    overall = found["overall"]
    assert overall["points"] == 4
    assert overall["mae"] == pytest.approx(2.0)
    assert overall["naive_mae"] == pytest.approx(3.25)
    assert overall["mase_ratio"] == pytest.approx(2.0 / 3.25)
    assert overall["mase"] == pytest.approx(2.0 / scale)
    assert overall["naive_mase"] == pytest.approx(3.25 / scale)
    assert found["scale"] == pytest.approx(scale)
    assert found["season_length"] == SEASON
    assert found["records"] == 5
    steps = {s["step"]: s for s in found["steps"]}
    assert sorted(steps) == [1, 2]
    assert (steps[1]["mae"], steps[1]["naive_mae"]) == pytest.approx((1.0, 1.5))
    assert steps[1]["mase_ratio"] == pytest.approx(1.0 / 1.5)
    assert steps[2]["mase_ratio"] == pytest.approx(3.0 / 5.0)
    assert found["series_total"] == 2
    assert [s["series_id"] for s in found["series"]] == ["b"]  # the second page of one
    assert found["series"][0]["mase_ratio"] == pytest.approx(2.0 / 3.5)
    assert found["last_scored_at"] is not None
    assert service.live_mase_ratio(db_session, vid) == pytest.approx(2.0 / 3.25)

    # A replaced row scores again with its new value: a's day 1 becomes 15 (model 5, naive 3).
    assert service.score_rows(db_session, dataset_id, table({"a": [(day(1), 15.0)]})) == 1
    db_session.commit()
    again = isolated_client.get(path).json()
    assert again["overall"]["mae"] == pytest.approx((5 + 3 + 1 + 3) / 4)
    assert again["overall"]["naive_mae"] == pytest.approx((3 + 5 + 2 + 5) / 4)
    assert [s["series_id"] for s in again["series"]] == ["a", "b"]
    assert again["series"][0]["mase_ratio"] == pytest.approx(8 / 8)


def scores_by_hand(stored: list[ForecastRecord]) -> tuple[int, float, float]:
    scored = [r for r in stored if r.actual is not None]
    model = sum(abs(r.forecast - r.actual) for r in scored) / len(scored)
    naive = sum(abs(r.naive - r.actual) for r in scored) / len(scored)
    return len(scored), model, naive


def test_appended_rows_score_the_stored_forecasts(
    client: TestClient, trained: dict, pg_settings: Settings
) -> None:
    """POST /datasets/{id}/rows: each stored forecast of these days gets its actual (the
    /predict one and the forecast job's), then a replaced row scores again."""
    actual = {("a", 1): 3.5, ("a", 2): -1.0, ("b", 1): 0.25, ("b", 2): 2.0}
    body = {
        "columns": {"y": list(actual.values()), "x": [0.0] * len(actual)},
        "timestamps": [day(k) for _, k in actual],
        "series": [s for s, _ in actual],
    }
    appended = client.post(f"/datasets/{trained['dataset_id']}/rows", json=body)
    assert appended.status_code == 201, appended.text
    stored = records(pg_settings, trained["id"])
    for r in stored:
        k = (r.forecast_at.date() - END).days
        assert r.actual == actual.get((r.series_id, k)), (r.series_id, k)
    points, model, naive = scores_by_hand(stored)
    assert points == 6  # /predict's a on 2 days, the job's a and b on 2 days
    found = client.get(f"/models/{trained['model']}/versions/1/accuracy").json()
    assert found["overall"]["points"] == points
    assert found["overall"]["mae"] == pytest.approx(model)
    assert found["overall"]["mase_ratio"] == pytest.approx(model / naive)
    assert [s["step"] for s in found["steps"]] == [1, 2]
    assert [s["series_id"] for s in found["series"]] == ["a", "b"]

    replaced = client.post(
        f"/datasets/{trained['dataset_id']}/rows",
        json={
            "columns": {"y": [9.0], "x": [0.0]},
            "timestamps": [day(1)],
            "series": ["a"],
            "on_conflict": "replace",
        },
    )
    assert replaced.status_code == 201, replaced.text
    again = records(pg_settings, trained["id"])
    assert {r.actual for r in again if r.series_id == "a" and r.step == 1} == {9.0}
    points, model, naive = scores_by_hand(again)
    found = client.get(f"/models/{trained['model']}/versions/1/accuracy").json()
    assert found["overall"]["mase_ratio"] == pytest.approx(model / naive)


def test_unknown_version_is_404(client: TestClient, trained: dict) -> None:
    assert client.get(f"/models/{trained['model']}/versions/9/accuracy").status_code == 404


def test_gauge_on_metrics_reads_the_scored_records(
    client: TestClient, trained: dict, pg_settings: Settings
) -> None:
    """Scored in the database by another process (this test's session), seen by the API's
    /metrics within the collector's cache time."""
    with sessions(pg_settings)() as session:
        assert (
            service.score_rows(
                session,
                trained["dataset_id"],
                table({s: [(day(h + 1), 1.0 + h) for h in range(HORIZON)] for s in SERIES}),
            )
            >= HORIZON
        )
        session.commit()
        expected = service.live_mase_ratio(session, trained["id"])
    assert expected is not None
    line = re.compile(
        rf'^seqcast_live_mase_ratio\{{model="{trained["model"]}",version="1"\}} (\S+)$', re.M
    )
    deadline = time.monotonic() + 10
    while not (found := line.search(client.get("/metrics").text)):
        assert time.monotonic() < deadline, "no live MASE ratio on /metrics"
        time.sleep(0.5)
    assert float(found[1]) == pytest.approx(expected)
