"""Whole-dataset forecasts end to end: POST /forecasts on a small trained LSTM with quantiles, the
real worker forecasting the latest window of every series (in several chunks, merged), and each
format's file checked row by row against /predict on the same windows."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from datetime import date, timedelta

import numpy as np
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from app.artifacts import make_store
from app.auth.service import Scope
from app.contract import Manifest
from app.datasets.models import Dataset
from app.db import make_engine, make_sessionmaker, utcnow
from app.errors import InvalidInput
from app.forecasts import service
from app.forecasts.models import ForecastJob
from app.forecasts.plan import MEDIA_TYPES, chunk_key, result_columns
from app.forecasts.reconciler import publish_stranded
from app.forecasts.schemas import ForecastRequest
from app.main import create_app
from app.queue import make_celery
from app.training.models import JobStatus
from tests.support.data import seasonal_series
from tests.support.keys import make_key
from tests.support.stack import train_and_wait
from workers.forecast.job import merge, run_chunk, run_forecast_job

LEVELS = [0.1, 0.5, 0.9]
LENGTH, HORIZON = 12, 4
END = date(2025, 6, 30)
TRAIN = {"a": 60, "b": 50, "c": 45}
FORECAST = {"a": 60, "b": 50, "short": 7, "c": 45, "d": 40, "e": 30, "f": 20}
"""Series id -> rows, in upload order; "short" has fewer rows than the input length."""


def long_format(lengths: dict[str, int], name: str) -> dict:
    """Daily series ending a day apart (a on END, b the day before, ...), columns y and x."""
    columns: dict[str, list[float]] = {"y": [], "x": []}
    stamps, ids = [], []
    for i, (series_id, n) in enumerate(lengths.items()):
        values = seasonal_series(n, period=7, seed=i)
        columns["y"] += values["y"]
        columns["x"] += values["x"]
        last = END - timedelta(days=i)
        stamps += [(last - timedelta(days=n - 1 - t)).isoformat() for t in range(n)]
        ids += [series_id] * n
    return {"name": name, "columns": columns, "timestamps": stamps, "series": ids}


@pytest.fixture(scope="module")
def version(client: TestClient, pg_worker) -> dict:
    job = train_and_wait(
        client,
        {
            "model_name": "bulk-lstm",
            "architecture": "lstm",
            "data": long_format(TRAIN, "bulk-train"),
            "target_columns": ["y"],
            "feature_columns": ["y", "x"],
            "input_length": LENGTH,
            "horizon": HORIZON,
            "quantiles": LEVELS,
            "hyperparameters": {"hidden_size": 8, "num_layers": 1, "epochs": 1, "seed": 1},
        },
    )
    assert job["status"] == "succeeded", job["error"]
    ref = job["model_version"]
    return client.get(f"/models/{ref['model']}/versions/{ref['version']}").json()


@pytest.fixture(scope="module")
def upload(client: TestClient) -> dict:
    body = long_format(FORECAST, "bulk-forecast")
    response = client.post("/datasets", json=body)
    assert response.status_code == 201, response.text
    return {**response.json(), "body": body}


def wait_for_forecast(client: TestClient, forecast_id: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = client.get(f"/forecasts/{forecast_id}").json()
        if found["status"] in ("succeeded", "failed", "cancelled"):
            return found
        time.sleep(0.1)
    raise AssertionError(f"forecast {forecast_id} still {found['status']} after {timeout} s")


def expected(client: TestClient, upload: dict, series_ids: list[str]) -> list[dict]:
    """The rows the file must hold, from /predict on each series' latest window."""
    body = upload["body"]
    ids = np.asarray(body["series"])
    rows = []
    for series_id in series_ids:
        own = np.flatnonzero(ids == series_id)[-LENGTH:]
        window = [[body["columns"]["y"][i], body["columns"]["x"][i]] for i in own]
        got = client.post(
            "/predict",
            json={
                "model": "bulk-lstm",
                "inputs": [window],
                "last_timestamp": body["timestamps"][own[-1]],
            },
        )
        assert got.status_code == 200, got.text
        answer = got.json()
        for step in range(HORIZON):
            row = {
                "series_id": series_id,
                "timestamp": answer["timestamps"][0][step],
                "step": step + 1,
                "y": answer["predictions"][0][step][0],
            }
            for k, level in enumerate(LEVELS):
                row[f"y_q{level!r}"] = answer["quantiles"]["values"][0][step][0][k]
            rows.append(row)
    return rows


def read_rows(content: bytes, fmt: str) -> list[dict]:
    if fmt == "parquet":
        return pq.read_table(io.BytesIO(content)).to_pylist()
    if fmt == "csv":
        found = list(csv.DictReader(io.StringIO(content.decode())))
        return [
            {k: v if k in ("series_id", "timestamp") else float(v) for k, v in row.items()}
            for row in found
        ]
    return [json.loads(line) for line in content.decode().splitlines()]


def check_rows(found: list[dict], wanted: list[dict]) -> None:
    assert [(r["series_id"], r["step"]) for r in found] == [
        (r["series_id"], r["step"]) for r in wanted
    ]
    for got, want in zip(found, wanted, strict=True):
        assert list(got) == list(want)
        assert got["timestamp"] == want["timestamp"]
        for column in list(want)[3:]:
            assert got[column] == pytest.approx(want[column], rel=1e-5, abs=1e-5), (got, want)


@pytest.mark.parametrize(
    ("fmt", "chunk_size", "subset", "chunks"),
    [
        ("parquet", 3, None, 3),  # 7 series in chunks of 3, 3, 1: merged in series order
        ("csv", 2000, None, 1),  # one chunk, forecast and merged by the one task
        ("json", 2, ["f", "short", "b"], 2),  # a subset, listed in the dataset's order
    ],
)
def test_each_format_matches_predict_on_the_same_windows(
    client, version, upload, fmt, chunk_size, subset, chunks
):
    body = {"model": "bulk-lstm", "dataset_id": upload["id"], "format": fmt}
    response = client.post("/forecasts", json={**body, "chunk_size": chunk_size, "series": subset})
    assert response.status_code == 202, response.text
    queued = response.json()
    assert response.headers["location"] == f"/forecasts/{queued['id']}"
    done = wait_for_forecast(client, queued["id"])
    assert done["status"] == "succeeded", done
    ids = [s for s in FORECAST if subset is None or s in subset]
    assert done["progress"] == {
        "series_done": len(ids),
        "series_total": len(ids),
        "chunks_done": chunks,
        "chunks_total": chunks,
    }
    assert done["series_short"] == ("short" in ids)
    assert done["rows"] == len(ids) * HORIZON and done["version"] == version["version"]
    assert done["timings"]["series_per_second"] > 0 and done["error"] is None

    result = client.get(done["result_url"])
    assert result.status_code == 200
    assert result.headers["content-type"] == MEDIA_TYPES[fmt]
    assert int(result.headers["content-length"]) == done["result_bytes"] == len(result.content)
    found = read_rows(result.content, fmt)
    assert list(found[0]) == result_columns(["y"], LEVELS)
    check_rows(found, expected(client, upload, ids))
    short = [r for r in found if r["series_id"] == "short"]
    assert not short or short[0]["timestamp"] == (END - timedelta(days=1)).isoformat()


def test_the_list_and_cancel(client, version, upload, pg_settings):
    job_id = queued_job(pg_settings, upload)
    listed = client.get("/forecasts", params={"dataset_id": upload["id"], "status": "queued"})
    assert [f["id"] for f in listed.json()] == [job_id]
    assert client.get(f"/forecasts/{job_id}/result").status_code == 409
    cancelled = client.post(f"/forecasts/{job_id}/cancel")
    assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
    assert client.post(f"/forecasts/{job_id}/cancel").status_code == 409
    assert client.get(f"/forecasts/{job_id}/result").status_code == 409
    assert client.get(f"/forecasts/{uuid.uuid4().hex}").status_code == 404
    # found by the stateful fuzz run: a NUL byte reached PostgreSQL and was a 500
    malformed = client.get("/forecasts", params={"dataset_id": "s\x00@6"})
    assert malformed.status_code == 422, malformed.text
    assert malformed.json()["detail"][0]["loc"] == ["query", "dataset_id"]


@pytest.fixture(scope="module")
def y_only(client: TestClient) -> str:
    body = long_format({"a": 30}, "bulk-y-only")
    del body["columns"]["x"]
    response = client.post("/datasets", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"dataset_id": "nope"}, "dataset_id", "'nope' does not exist"),
        ({"dataset_id": "Y_ONLY"}, "dataset_id", "lacks the column(s) bulk-lstm version 1 reads"),
        ({"series": ["a", "zz", "yy"]}, "series", "has no series 'zz', 'yy'"),
        ({"model": "no-such-model"}, "model", "not found"),
        ({"version": 99}, "version", "no version 99"),
        ({"format": "xlsx"}, "format", "'parquet', 'csv' or 'json'"),
        ({"dataset_id": "a\x00b"}, "dataset_id", "should match pattern"),
        ({"future_dataset_id": "a\x00b"}, "future_dataset_id", "should match pattern"),
    ],
)
def test_impossible_forecasts_are_422_naming_the_field(
    client, version, upload, y_only, change, field, words
):
    before = len(client.get("/forecasts").json())
    body = {"model": "bulk-lstm", "dataset_id": upload["id"], **change}
    if body["dataset_id"] == "Y_ONLY":
        body["dataset_id"] = y_only
    response = client.post("/forecasts", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert error["loc"][:2] == ["body", field], error
    assert words in error["msg"], error
    assert len(client.get("/forecasts").json()) == before


def test_calendar_needs_regular_timestamps():
    manifest = Manifest(
        architecture="lstm",
        feature_columns=["y"],
        target_columns=["y"],
        input_length=4,
        horizon=2,
        opset=17,
        exporter="test",
        sha256="",
        size_bytes=0,
        parity_error=0.0,
        calendar=["day_of_week"],
    )
    dataset = Dataset(id="d", columns=["y"], has_timestamps=True, frequency="D")
    service.check_inputs(manifest, dataset, "m version 1")
    dataset.frequency = None
    with pytest.raises(InvalidInput, match="no regular timestamps") as undated:
        service.check_inputs(manifest, dataset, "m version 1")
    assert undated.value.loc == ("body", "dataset_id")


def test_forecasts_need_the_train_scope_to_start(client, pg_settings, version, upload):
    body = {"model": "bulk-lstm", "dataset_id": upload["id"], "series": ["a"]}
    reader = {"Authorization": f"Bearer {make_key(pg_settings, Scope.read, name='fc-read')}"}
    assert client.post("/forecasts", json=body, headers=reader).status_code == 403
    assert client.get("/forecasts", headers=reader).status_code == 200


def test_broker_down_is_503_and_nothing_is_stored(client, pg_settings, auth_headers, upload):
    settings = pg_settings.model_copy(
        update={"broker_url": "redis://127.0.0.1:1/0", "task_queue": "nobody"}
    )
    down = TestClient(create_app(settings), headers=auth_headers)
    before = [f["id"] for f in client.get("/forecasts").json()]
    refused = down.post("/forecasts", json={"model": "bulk-lstm", "dataset_id": upload["id"]})
    assert refused.status_code == 503, refused.text
    assert [f["id"] for f in client.get("/forecasts").json()] == before


def test_idempotency_key_returns_the_first_forecast(client, version, upload):
    headers = {"Idempotency-Key": f"fc-{uuid.uuid4()}"}
    body = {"model": "bulk-lstm", "dataset_id": upload["id"], "series": ["a"]}
    first = client.post("/forecasts", json=body, headers=headers)
    again = client.post("/forecasts", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert wait_for_forecast(client, first.json()["id"])["status"] == "succeeded"


def queued_job(pg_settings, upload: dict, **fields) -> str:
    """A job as the API records it, never published: the test runs its tasks' bodies."""
    engine = make_engine(pg_settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            request = ForecastRequest(model="bulk-lstm", dataset_id=upload["id"], **fields)
            job = service.create(session, make_store(pg_settings), request)
            session.commit()
            return job.id
    finally:
        engine.dispose()


def test_redelivered_chunks_count_once_and_merge_in_series_order(
    client, pg_settings, version, upload
):
    job_id = queued_job(pg_settings, upload, chunk_size=3, format="json")
    published: list = []
    run_forecast_job(job_id, pg_settings, published.extend, lambda: published.append("merge"))
    assert published == [0, 1, 2]  # the group's chunks, for the workers
    assert not run_chunk(job_id, 2, pg_settings)
    assert not run_chunk(job_id, 2, pg_settings)  # redelivered: stored again, counted once
    assert not run_chunk(job_id, 0, pg_settings)
    assert client.get(f"/forecasts/{job_id}").json()["progress"] == {
        "series_done": 4,
        "series_total": 7,
        "chunks_done": 2,
        "chunks_total": 3,
    }
    assert run_chunk(job_id, 1, pg_settings)  # the last one completes the set: merge now
    merge(job_id, pg_settings)
    done = client.get(f"/forecasts/{job_id}").json()
    assert done["status"] == "succeeded" and done["progress"]["series_done"] == 7, done
    found = read_rows(client.get(done["result_url"]).content, "json")
    check_rows(found, expected(client, upload, list(FORECAST)))
    store = make_store(pg_settings)
    assert not any(store.exists(chunk_key(job_id, k)) for k in range(3))  # merged, removed


def test_a_cancelled_job_keeps_no_chunk_and_is_not_merged(client, pg_settings, version, upload):
    job_id = queued_job(pg_settings, upload, chunk_size=3)
    run_forecast_job(job_id, pg_settings, lambda _: None, lambda: None)
    assert not run_chunk(job_id, 0, pg_settings)
    store = make_store(pg_settings)
    assert store.exists(chunk_key(job_id, 0))
    assert client.post(f"/forecasts/{job_id}/cancel").json()["status"] == "cancelled"
    assert not store.exists(chunk_key(job_id, 0))  # deleted after the cancel's commit
    assert not run_chunk(job_id, 1, pg_settings)  # a chunk that starts late does nothing
    assert not store.exists(chunk_key(job_id, 1))
    merge(job_id, pg_settings)
    cancelled = client.get(f"/forecasts/{job_id}").json()
    assert cancelled["status"] == "cancelled" and cancelled["result_url"] is None
    assert client.get(f"/forecasts/{job_id}/result").status_code == 409


def test_the_reconciler_publishes_stranded_jobs_and_fails_overdue_ones(
    client, pg_settings, version, upload
):
    stranded = queued_job(pg_settings, upload, series=["a"])  # committed, never published
    overdue = queued_job(pg_settings, upload, series=["b"])
    engine = make_engine(pg_settings.database_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            session.get(ForecastJob, stranded).created_at = utcnow() - timedelta(minutes=1)
            late = session.get(ForecastJob, overdue)
            late.status, late.started_at = JobStatus.running, utcnow() - timedelta(days=1)
            session.commit()
        publish_stranded(sessions, make_celery(pg_settings), pg_settings)  # or the app's own pass
    finally:
        engine.dispose()
    assert wait_for_forecast(client, stranded)["status"] == "succeeded"
    failed = client.get(f"/forecasts/{overdue}").json()
    assert failed["status"] == "failed" and "SEQCAST_JOB_DEADLINE_SECONDS" in failed["error"]


PROMO_TRAIN = {"a": 60, "b": 50, "c": 45}


def with_promo(body: dict, seed: int = 7) -> dict:
    """A known-future column: a 0/1 promotion that lifts y."""
    promo = (np.random.default_rng(seed).random(len(body["series"])) < 0.3).astype(float)
    columns = {**body["columns"], "promo": promo.tolist()}
    columns["y"] = (np.asarray(columns["y"]) + 3 * promo).round(4).tolist()
    return {**body, "columns": columns}


def future_rows(lengths: dict[str, int], name: str) -> dict:
    """Each series' `HORIZON` promo values for the days after its end in long_format."""
    promo, stamps, ids = [], [], []
    for i, series_id in enumerate(lengths):
        last = END - timedelta(days=i)
        promo += [float((i + t) % 2) for t in range(HORIZON)]
        stamps += [(last + timedelta(days=t + 1)).isoformat() for t in range(HORIZON)]
        ids += [series_id] * HORIZON
    return {"name": name, "columns": {"promo": promo}, "timestamps": stamps, "series": ids}


@pytest.fixture(scope="module")
def promo_version(client: TestClient, pg_worker) -> dict:
    job = train_and_wait(
        client,
        {
            "model_name": "bulk-promo",
            "architecture": "gru",
            "data": with_promo(long_format(PROMO_TRAIN, "bulk-promo-train")),
            "target_columns": ["y"],
            "feature_columns": ["y", "x"],
            "future_columns": ["promo"],
            "input_length": LENGTH,
            "horizon": HORIZON,
            "hyperparameters": {"hidden_size": 8, "num_layers": 1, "epochs": 1, "seed": 1},
        },
    )
    assert job["status"] == "succeeded", job["error"]
    return job["model_version"]


def test_known_future_columns_come_from_a_future_dataset(client, promo_version, upload):
    lengths = {"a": 60, "b": 50, "short": 7}
    future = future_rows(lengths, "bulk-promo-future")
    made = client.post("/datasets", json=future)
    assert made.status_code == 201, made.text
    body = {"model": "bulk-promo", "dataset_id": upload["id"], "series": list(lengths)}
    refused = client.post("/forecasts", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "model"]
    assert "give future_dataset_id" in refused.json()["detail"][0]["msg"]
    wide = client.post(
        "/forecasts", json={**body, "series": None, "future_dataset_id": made.json()["id"]}
    )
    assert wide.status_code == 422 and "series 'c', 'd', 'e'" in wide.text, wide.text

    queued = client.post("/forecasts", json={**body, "future_dataset_id": made.json()["id"]})
    assert queued.status_code == 202, queued.text
    done = wait_for_forecast(client, queued.json()["id"])
    assert done["status"] == "succeeded", done
    found = pq.read_table(io.BytesIO(client.get(done["result_url"]).content)).to_pylist()
    source, ids = upload["body"], np.asarray(upload["body"]["series"])
    for k, series_id in enumerate(lengths):
        own = np.flatnonzero(ids == series_id)[-LENGTH:]
        window = [[source["columns"]["y"][i], source["columns"]["x"][i]] for i in own]
        promo = future["columns"]["promo"][k * HORIZON : (k + 1) * HORIZON]
        answer = client.post(
            "/predict",
            json={
                "model": "bulk-promo",
                "inputs": [window],
                "future": [[[p] for p in promo]],
                "last_timestamp": source["timestamps"][own[-1]],
            },
        )
        assert answer.status_code == 200, answer.text
        rows = found[k * HORIZON : (k + 1) * HORIZON]
        assert [r["series_id"] for r in rows] == [series_id] * HORIZON
        assert [r["timestamp"] for r in rows] == answer.json()["timestamps"][0]
        wanted = [step[0] for step in answer.json()["predictions"][0]]
        assert [r["y"] for r in rows] == pytest.approx(wanted, rel=1e-5, abs=1e-5)


def test_future_rows_must_follow_on_and_cover_the_horizon(client, promo_version, upload):
    late = future_rows({"a": 60}, "bulk-promo-late")
    late["timestamps"] = [
        (date.fromisoformat(t) + timedelta(days=1)).isoformat() for t in late["timestamps"]
    ]
    short = future_rows({"a": 60}, "bulk-promo-short")  # one row less than the horizon
    short = {
        "name": short["name"],
        "columns": {"promo": short["columns"]["promo"][:-1]},
        "timestamps": short["timestamps"][:-1],
        "series": short["series"][:-1],
    }
    for body, words in ((late, "starts at 2025-07-02, not 2025-07-01"), (short, "at least 4 rows")):
        made = client.post("/datasets", json=body)
        assert made.status_code == 201, made.text
        request = {
            "model": "bulk-promo",
            "dataset_id": upload["id"],
            "series": ["a"],
            "future_dataset_id": made.json()["id"],
        }
        refused = client.post("/forecasts", json=request)
        assert refused.status_code == 422, refused.text
        error = refused.json()["detail"][0]
        assert error["loc"] == ["body", "future_dataset_id"] and words in error["msg"], error
    point = client.post(
        "/forecasts",
        json={"model": "bulk-lstm", "dataset_id": upload["id"], "future_dataset_id": upload["id"]},
    )
    assert point.status_code == 422 and "has no known-future columns" in point.text


def test_a_dataset_of_one_unnamed_undated_series(client, trained_lstm, dataset):
    """The shared LSTM on its own dataset: series id "", no timestamps, point forecasts only."""
    ref = trained_lstm["model_version"]
    body = {"model": ref["model"], "version": ref["version"], "dataset_id": dataset["id"]}
    queued = client.post("/forecasts", json={**body, "format": "csv"})
    assert queued.status_code == 202, queued.text
    done = wait_for_forecast(client, queued.json()["id"])
    assert done["status"] == "succeeded" and done["rows"] == 6, done
    rows = read_rows(client.get(done["result_url"]).content, "csv")
    series = seasonal_series()
    window = np.column_stack([series["y"], series["x"]])[-24:].tolist()
    model = {"model": ref["model"], "version": ref["version"]}
    answer = client.post("/predict", json={**model, "inputs": [window]}).json()
    assert [(r["series_id"], r["timestamp"], r["step"]) for r in rows] == [
        ("", "", float(step)) for step in range(1, 7)
    ]
    wanted = [step[0] for step in answer["predictions"][0]]
    assert [r["y"] for r in rows] == pytest.approx(wanted, rel=1e-5, abs=1e-5)
