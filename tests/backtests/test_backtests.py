"""Backtests end to end: POST /backtest on a trained version, the real worker evaluating its ONNX
artifact at rolling origins, and the stored fold metrics checked against a recomputation here
(onnxruntime on the downloaded artifact, MAE and the seasonal-naive forecast written out)."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import numpy as np
import onnxruntime as ort
import pytest
from fastapi.testclient import TestClient

from app.artifacts import make_store
from app.auth.service import Scope
from app.backtests import service
from app.backtests.models import Backtest
from app.backtests.plan import FoldPlan
from app.backtests.reconciler import publish_stranded
from app.backtests.schemas import BacktestRequest
from app.backtests.service import check_fits
from app.contract import INPUT_NAME, ONNX_FILENAME, OUTPUT_NAME, model_artifact_key
from app.db import make_engine, make_sessionmaker, utcnow
from app.errors import InvalidInput
from app.main import create_app
from app.queue import make_celery
from tests.support.data import seasonal_series
from tests.support.keys import make_key
from tests.support.stack import train_and_wait

INPUT_LENGTH, HORIZON = 24, 6  # trained_lstm's


def wait_for_backtest(client: TestClient, backtest_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = client.get(f"/backtests/{backtest_id}").json()
        if found["status"] in ("succeeded", "failed"):
            return found
        time.sleep(0.1)
    raise AssertionError(f"backtest {backtest_id} still {found['status']} after {timeout} s")


def run_backtest(client: TestClient, body: dict) -> dict:
    response = client.post("/backtest", json=body)
    assert response.status_code == 202, response.text
    queued = response.json()
    assert response.headers["location"] == f"/backtests/{queued['id']}"
    assert queued["status"] in ("queued", "running", "succeeded")
    return wait_for_backtest(client, queued["id"])


@pytest.fixture(scope="module")
def lstm_version(client: TestClient, trained_lstm: dict) -> dict:
    ref = trained_lstm["model_version"]
    return client.get(f"/models/{ref['model']}/versions/{ref['version']}").json()


@pytest.fixture(scope="module")
def onnx_session(client: TestClient, lstm_version: dict) -> ort.InferenceSession:
    url = f"/models/{lstm_version['model']}/versions/{lstm_version['version']}/artifact"
    response = client.get(url)
    assert response.status_code == 200
    return ort.InferenceSession(response.content, providers=["CPUExecutionProvider"])


def recompute(session: ort.InferenceSession, origin: int, season: int) -> tuple[float, ...]:
    """MAE of the model and of seasonal naive, and the model's MASE, for one origin."""
    series = seasonal_series()
    y, x = np.asarray(series["y"]), np.asarray(series["x"])
    window = np.stack([y, x], axis=1)[origin - INPUT_LENGTH : origin][None].astype(np.float32)
    forecast = session.run([OUTPUT_NAME], {INPUT_NAME: window})[0][0, :, 0]
    actual = y[origin : origin + HORIZON]
    naive = np.array([y[origin - season + h % season] for h in range(HORIZON)])
    scale = np.abs(y[season:origin] - y[: origin - season]).mean()
    model_mae = np.abs(forecast - actual).mean()
    return model_mae, np.abs(naive - actual).mean(), model_mae / scale


def test_backtest_stores_folds_that_match_a_recomputation(client, lstm_version, onnx_session):
    done = run_backtest(
        client, {"model": lstm_version["model"], "version": lstm_version["version"], "folds": 4}
    )
    assert done["status"] == "succeeded", done
    assert (done["folds"], done["stride"], done["horizon"]) == (4, HORIZON, HORIZON)
    n_rows = len(seasonal_series()["y"])
    season = lstm_version["metrics"]["season_length"]
    folds = done["fold_metrics"]
    assert [f["fold"] for f in folds] == [1, 2, 3, 4]
    assert [f["origins"][""] for f in folds] == [n_rows - HORIZON - 6 * k for k in (3, 2, 1, 0)]
    for fold in folds:
        for side in ("model", "seasonal_naive"):
            assert fold[side]["mase_reason"] is None, fold  # a seasonal series has a scale
            numbers = [fold[side][k] for k in ("mae", "rmse", "smape", "mase")]
            assert all(np.isfinite(v) for v in numbers), fold
        model_mae, naive_mae, model_mase = recompute(onnx_session, fold["origins"][""], season)
        assert fold["model"]["mae"] == pytest.approx(model_mae, rel=1e-4)
        assert fold["seasonal_naive"]["mae"] == pytest.approx(naive_mae, rel=1e-9)
        assert fold["model"]["mase"] == pytest.approx(model_mase, rel=1e-4)
        assert fold["beats_seasonal_naive"] == (
            fold["model"]["mase"] < fold["seasonal_naive"]["mase"]
        )
        assert fold["held_out"]  # the last 4 × 6 rows lie in the last 20 % (64 rows)
    summary = done["metrics"]
    assert summary["model"]["mae"] == pytest.approx(np.mean([f["model"]["mae"] for f in folds]))
    assert summary["season_length"] == season and summary["series"] == 1
    assert summary["mase_scale"] == {"seasonal_naive": 4}
    assert summary["folds_won"] == sum(f["beats_seasonal_naive"] for f in folds)
    assert done["error"] is None and done["attempts"] == 1


def test_stride_spaces_the_origins_and_marks_folds_seen_in_training(client, lstm_version):
    done = run_backtest(
        client, {"model": lstm_version["model"], "alias": None, "folds": 4, "stride": 20}
    )
    assert done["status"] == "succeeded", done
    assert done["version"] == lstm_version["version"]  # no version, no alias: the latest
    n_rows = len(seasonal_series()["y"])
    origins = [f["origins"][""] for f in done["fold_metrics"]]
    assert origins == [n_rows - HORIZON - 20 * k for k in (3, 2, 1, 0)]
    cut = n_rows - round(0.2 * n_rows)  # the version's validation part starts here
    assert [f["held_out"] for f in done["fold_metrics"]] == [o >= cut for o in origins]
    assert not all(f["held_out"] for f in done["fold_metrics"])


def test_a_version_lists_its_backtests(client, lstm_version):
    done = run_backtest(client, {"model": lstm_version["model"], "folds": 2})
    base = f"/models/{lstm_version['model']}/versions/{lstm_version['version']}"
    listed = client.get(f"{base}/backtests").json()
    assert listed[0]["id"] == done["id"]  # newest first
    assert listed[0]["fold_metrics"] == done["fold_metrics"]
    brief = {b["id"]: b for b in client.get(base).json()["backtests"]}
    assert brief[done["id"]]["status"] == "succeeded"
    assert brief[done["id"]]["beats_seasonal_naive"] == done["metrics"]["beats_seasonal_naive"]


def test_idempotency_key_returns_the_first_backtest(client, lstm_version):
    headers = {"Idempotency-Key": f"bt-{uuid.uuid4()}"}
    body = {"model": lstm_version["model"], "folds": 1}
    first = client.post("/backtest", json=body, headers=headers)
    again = client.post("/backtest", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]


def test_concurrent_retries_with_one_key_make_one_backtest(
    client, live_url, auth_headers, lstm_version
):
    """Retries racing the first request: their INSERTs wait on the unique key and then fail at
    the flush; each must still get the first backtest (202), not a 500."""
    headers = {**auth_headers, "Idempotency-Key": f"race-{uuid.uuid4()}"}
    body = {"model": lstm_version["model"], "folds": 1}
    with (
        httpx.Client(base_url=live_url, headers=headers, timeout=30) as http,
        ThreadPoolExecutor(8) as pool,
    ):
        answers = list(pool.map(lambda _: http.post("/backtest", json=body), range(8)))
    assert [a.status_code for a in answers] == [202] * 8, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert {a.headers["location"] for a in answers} == {f"/backtests/{answers[0].json()['id']}"}
    done = wait_for_backtest(client, answers[0].json()["id"])
    assert done["status"] == "succeeded" and done["attempts"] == 1, done


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"model": "no-such-model"}, "model", "not found"),
        ({"model": "shared-lstm", "version": 999}, "version", "no version 999"),
        ({"model": "shared-lstm", "alias": "nowhere"}, "alias", "no alias"),
        ({"model": "shared-lstm", "folds": 100}, "folds", "at most 49 fold(s) fit"),
        ({"model": "shared-lstm", "folds": 2, "stride": 400}, "folds", "at most 1 fold(s) fit"),
        ({"model": "shared-lstm", "folds": 101}, "folds", "less than or equal to 100"),
        ({"model": "shared-lstm", "folds": 0}, "folds", "greater than or equal to 1"),
        ({"model": "shared-lstm", "version": 1, "alias": "a"}, "", "not both"),
    ],
)
def test_impossible_backtests_are_422_naming_the_field(client, trained_lstm, body, field, words):
    before = len(client.get("/models/shared-lstm/versions/1/backtests").json())
    response = client.post("/backtest", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert error["loc"][: 1 + bool(field)] == ["body", field][: 1 + bool(field)], error
    assert words in error["msg"], error
    assert len(client.get("/models/shared-lstm/versions/1/backtests").json()) == before


def test_too_many_folds_names_the_rows_needed(client, trained_lstm):
    response = client.post("/backtest", json={"model": "shared-lstm", "folds": 60})
    message = response.json()["detail"][0]["msg"]
    needed = FoldPlan(60, HORIZON, HORIZON, INPUT_LENGTH, season=12).min_rows
    assert f"need at least {needed} rows" in message and "has 320" in message, message


def test_the_shortest_series_decides_and_is_named():
    plan = FoldPlan(folds=3, stride=4, horizon=6, input_length=24, season=12)
    assert plan.origins(100) == [86, 90, 94] and plan.min_rows == 24 + 6 + 2 * 4
    check_fits(plan, [("a", 100), ("b", 38)])
    with pytest.raises(InvalidInput, match=r"series 'b' has 37, so at most 2 fold\(s\) fit"):
        check_fits(plan, [("a", 100), ("b", 37)])
    with pytest.raises(InvalidInput, match="series 'c' has 29, so not even one fold fits"):
        check_fits(plan, [("c", 29), ("a", 100)])


def test_unknown_backtests_are_404(client, trained_lstm):
    assert client.get(f"/backtests/{uuid.uuid4().hex}").status_code == 404
    assert client.get("/models/no-such-model/versions/1/backtests").status_code == 404
    assert client.get("/models/shared-lstm/versions/999/backtests").status_code == 404


def test_backtest_needs_the_train_scope(client, pg_settings, lstm_version):
    body = {"model": lstm_version["model"], "folds": 1}
    assert client.post("/backtest", json=body, headers={"Authorization": ""}).status_code == 401
    for scope in (Scope.read, Scope.predict):
        key = make_key(pg_settings, scope, name=f"bt-{scope.value}")
        refused = client.post("/backtest", json=body, headers={"Authorization": f"Bearer {key}"})
        assert refused.status_code == 403, refused.text
    reader = {"Authorization": f"Bearer {make_key(pg_settings, Scope.read, name='bt-reader')}"}
    trainer = {"Authorization": f"Bearer {make_key(pg_settings, Scope.train, name='bt-train')}"}
    accepted = client.post("/backtest", json=body, headers=trainer)
    assert accepted.status_code == 202, accepted.text
    assert client.get(f"/backtests/{accepted.json()['id']}", headers=reader).status_code == 200


def test_broker_down_is_503_and_nothing_is_stored(client, pg_settings, auth_headers, trained_lstm):
    settings = pg_settings.model_copy(
        update={"broker_url": "redis://127.0.0.1:1/0", "task_queue": "nobody"}
    )
    down = TestClient(create_app(settings), headers=auth_headers)
    listing = "/models/shared-lstm/versions/1/backtests"
    before = [b["id"] for b in client.get(listing).json()]
    refused = down.post("/backtest", json={"model": "shared-lstm", "folds": 1})
    assert refused.status_code == 503, refused.text
    assert "broker is unreachable" in refused.json()["detail"]
    assert [b["id"] for b in client.get(listing).json()] == before


def test_a_backtest_never_published_is_published_by_the_reconciler(
    client, pg_settings, lstm_version
):
    engine = make_engine(pg_settings.database_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:  # committed, then the API "died" before publishing
            stranded = service.create(session, BacktestRequest(model="shared-lstm", folds=1))
            stranded.created_at = utcnow() - timedelta(minutes=1)
            session.commit()
        publish_stranded(sessions, make_celery(pg_settings), pg_settings)
        with sessions() as session:
            assert session.get(Backtest, stranded.id).published_at is not None
    finally:
        engine.dispose()
    assert wait_for_backtest(client, stranded.id)["status"] == "succeeded"


def long_format(lengths: dict[str, int]) -> dict:
    """Daily series of different lengths in long format, each ending on the same day."""
    end = date(2025, 6, 30)
    columns, stamps, ids = {"y": []}, [], []
    for i, (series_id, n) in enumerate(lengths.items()):
        columns["y"] += seasonal_series(n, seed=i)["y"]
        stamps += [(end - timedelta(days=n - 1 - t)).isoformat() for t in range(n)]
        ids += [series_id] * n
    return {"name": "two-series", "columns": columns, "timestamps": stamps, "series": ids}


def test_many_series_then_a_tampered_artifact_then_deleting_the_version(
    client, pg_settings, pg_worker
):
    lengths = {"a": 150, "b": 110}
    job = train_and_wait(
        client,
        {
            "model_name": "backtest-scratch",
            "architecture": "gru",
            "data": long_format(lengths),
            "horizon": 3,
            "input_length": 8,
            "hyperparameters": {"hidden_size": 4, "num_layers": 1, "epochs": 1},
        },
    )
    assert job["status"] == "succeeded", job
    done = run_backtest(client, {"model": "backtest-scratch", "folds": 3, "stride": 5})
    assert done["status"] == "succeeded", done
    assert done["metrics"]["series"] == 2
    last = {s: n - 3 for s, n in lengths.items()}  # the newest origin of each series
    end = date(2025, 6, 30)
    for fold, back in zip(done["fold_metrics"], (10, 5, 0), strict=True):
        assert fold["origins"] == {s: t - back for s, t in last.items()}
        day = (end - timedelta(days=2 + back)).isoformat()
        assert fold["origin_timestamps"] == {"a": day, "b": day}

    key = f"{model_artifact_key('backtest-scratch', job['id'])}/{ONNX_FILENAME}"
    make_store(pg_settings).put(key, b"not the registered model")
    failed = run_backtest(client, {"model": "backtest-scratch", "folds": 2})
    assert failed["status"] == "failed"
    assert "sha256" in failed["error"] and failed["fold_metrics"] == []
    assert failed["metrics"] is None
    assert client.delete("/models/backtest-scratch/versions/1").status_code in (200, 204)
    for gone in (done, failed):
        assert client.get(f"/backtests/{gone['id']}").status_code == 404
