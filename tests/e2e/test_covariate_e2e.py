"""Covariates end to end (issue 15) with a really trained model of each architecture: a dataset of
two stores whose sales respond to a known-in-advance promotion flag and price
(tests/support/promotions.py), a store size as static covariate and the day of the week as
calendar feature; the real worker trains and exports it; then /predict with `future`, the Open
Inference Protocol (tritonclient, the calendar and static tensors made by the client) and a
stream, which all agree, and a backtest fed the dataset's actual covariates.
"""

from __future__ import annotations

import numpy as np
import pytest
import tritonclient.http as triton

from app.covariates import calendar_values
from app.datasets.calendar import future_timestamps
from tests.backtests.test_backtests import run_backtest
from tests.support.promotions import promotion_series
from tests.support.stack import train_and_wait

INPUT_LENGTH, HORIZON = 14, 7
SIZES = {"store-a": 120.0, "store-b": 450.0}
N = 200
ARCHITECTURES = ("rnn", "lstm", "gru", "transformer")
SMALL = {"hidden_size": 16, "num_layers": 1, "d_model": 16, "nhead": 2, "dim_feedforward": 32}


@pytest.fixture(scope="module")
def stores() -> dict[str, tuple[np.ndarray, list[str]]]:
    return {name: promotion_series(N, seed=i) for i, name in enumerate(SIZES)}


@pytest.fixture(scope="module")
def dataset_id(client, stores) -> str:
    columns: dict[str, list[float]] = {"sales": [], "promotion": [], "price": [], "size": []}
    timestamps: list[str] = []
    series: list[str] = []
    for name, (values, stamps) in stores.items():
        for j, column in enumerate(("sales", "promotion", "price")):
            columns[column] += values[:, j].tolist()
        columns["size"] += [SIZES[name]] * len(stamps)
        timestamps += stamps
        series += [name] * len(stamps)
    dataset = client.post(
        "/datasets",
        json={"name": "promotions", "columns": columns, "timestamps": timestamps, "series": series},
    )
    assert dataset.status_code == 201, dataset.text
    return dataset.json()["id"]


@pytest.fixture(scope="module", params=ARCHITECTURES)
def trained(request, client, pg_worker, dataset_id) -> str:
    name = f"promotions-{request.param}"
    job = train_and_wait(
        client,
        {
            "model_name": name,
            "architecture": request.param,
            "dataset_id": dataset_id,
            "target_columns": ["sales"],
            "feature_columns": ["sales", "promotion", "price"],
            "future_columns": ["promotion", "price"],
            "calendar": ["day_of_week"],
            "static_columns": ["size"],
            "input_length": INPUT_LENGTH,
            "horizon": HORIZON,
            "hyperparameters": {**SMALL, "epochs": 3, "seed": 1},
        },
        timeout=600,
    )
    assert job["status"] == "succeeded", job["error"]
    return name


def _window(stores, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The store's last window and known-future values over a horizon after its data (a
    promotion on the first two days, the last price)."""
    values, _ = stores[name]
    future = np.zeros((HORIZON, 2), np.float32)
    future[:2, 0] = 1.0
    future[:, 1] = values[-1, 2]
    return values[-INPUT_LENGTH:].astype(np.float32), future


def test_predict_oip_and_a_stream_agree(client, live_url, auth_headers, trained, stores):
    windows, futures = zip(*(_window(stores, name) for name in SIZES), strict=True)
    x, future = np.stack(windows), np.stack(futures)
    body = {"model": trained, "inputs": x.tolist(), "future": future.tolist()}
    response = client.post("/predict", json={**body, "series_id": list(SIZES)})
    assert response.status_code == 200, response.text
    doc = response.json()
    forecast = np.asarray(doc["predictions"], np.float32)
    assert forecast.shape == (2, HORIZON, 1) and np.isfinite(forecast).all()
    ends = {name: stores[name][1][-1] for name in SIZES}
    days = [future_timestamps(ends[name], "D", HORIZON) for name in SIZES]
    assert doc["timestamps"] == days

    # the known-future values reach the model: no promotion gives another forecast
    calm = future.copy()
    calm[:, :, 0] = 0.0
    other = client.post(
        "/predict", json={**body, "future": calm.tolist(), "series_id": list(SIZES)}
    )
    assert other.status_code == 200, other.text
    assert not np.allclose(other.json()["predictions"], forecast)

    refused = client.post("/predict", json={"model": trained, "inputs": x.tolist()})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "future"]
    undated = client.post("/predict", json=body)
    assert undated.status_code == 422  # calendar and static need the series (or a timestamp)

    # Open Inference Protocol: the client sends the calendar and static tensors itself
    triton_client = triton.InferenceServerClient(live_url.removeprefix("http://"))
    try:
        meta = triton_client.get_model_metadata(trained, headers=auth_headers)
        assert [(i["name"], i["shape"]) for i in meta["inputs"]] == [
            ("inputs", [-1, -1, 3]),
            ("future", [-1, HORIZON, 2]),
            ("calendar", [-1, HORIZON, 1]),
            ("static", [-1, 1]),
        ]
        assert meta["parameters"]["static_features"] == ["size"]
        tensors = {
            "inputs": x,
            "future": future,
            "calendar": np.stack([calendar_values(d, ["day_of_week"]) for d in days]),
            "static": np.array([[SIZES[name]] for name in SIZES], np.float32),
        }
        inputs = []
        for name, array in tensors.items():
            tensor = triton.InferInput(name, list(array.shape), "FP32")
            tensor.set_data_from_numpy(np.ascontiguousarray(array, np.float32))
            inputs.append(tensor)
        result = triton_client.infer(trained, inputs, headers=dict(auth_headers))
        np.testing.assert_allclose(result.as_numpy("forecast"), forecast, rtol=1e-5, atol=1e-5)
    finally:
        triton_client.close()

    # a stream of store-b, warmed up with its last window: its forecast is /predict's
    created = client.post(
        "/streams",
        json={
            "model": trained,
            "history": x[1].tolist(),
            "series_id": "store-b",
            "future": future[1].tolist(),
        },
    )
    assert created.status_code == 201, created.text
    stream = created.json()
    assert stream["mode"] == "window" and stream["timestamps"] == days[1]
    np.testing.assert_allclose(stream["forecast"], forecast[1], rtol=1e-5, atol=1e-5)

    new = np.array([[30.0, 1.0, 9.0]], np.float32)
    observed = client.post(
        f"/streams/{stream['id']}/observe",
        json={"values": new.tolist(), "future": future[1].tolist()},
    )
    assert observed.status_code == 200, observed.text
    window = np.concatenate([x[1], new])[-INPUT_LENGTH:]
    next_day = future_timestamps(ends["store-b"], "D", 1)[0]
    again = client.post(
        "/predict",
        json={
            "model": trained,
            "inputs": [window.tolist()],
            "future": [future[1].tolist()],
            "series_id": "store-b",
            "last_timestamp": next_day,
        },
    )
    assert again.status_code == 200, again.text
    assert observed.json()["timestamps"] == again.json()["timestamps"][0]
    np.testing.assert_allclose(
        observed.json()["forecast"], again.json()["predictions"][0], rtol=1e-5, atol=1e-5
    )


def test_a_backtest_feeds_the_actual_covariates(client, trained):
    """The recomputation of each origin's forecast is tests/backtests/test_covariate_backtests.py's
    (GRU); here every architecture's graph takes the backtester's covariate inputs."""
    done = run_backtest(client, {"model": trained, "folds": 2})
    assert done["status"] == "succeeded", done
    assert len(done["fold_metrics"]) == 2
    assert done["metrics"]["series"] == 2
    assert np.isfinite(done["metrics"]["model"]["mae"])
