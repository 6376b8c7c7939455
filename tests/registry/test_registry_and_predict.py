"""Registry routes (aliases, deletes, downloads) and /predict's error contract."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from app.contract import NORMALIZATIONS
from tests.support.data import seasonal_series
from tests.support.stack import train_and_wait, wait_for_job


def _window(length: int = 24) -> list[list[float]]:
    s = seasonal_series()
    return np.column_stack([s["y"], s["x"]])[-length:].tolist()


def test_models_listing(client, trained_lstm):
    ref = trained_lstm["model_version"]
    models = {m["name"]: m for m in client.get("/models").json()}
    assert models[ref["model"]]["latest_version"] == ref["version"]
    one = client.get(f"/models/{ref['model']}").json()
    assert [v["version"] for v in one["versions"]] == [ref["version"]]


def test_version_read_of_a_point_version(client, trained_lstm):
    ref = trained_lstm["model_version"]
    v = client.get(f"/models/{ref['model']}/versions/{ref['version']}").json()
    assert v["quantiles"] == [] and v["normalization"] in NORMALIZATIONS
    assert v["series"] == [] and v["series_count"] == 0 and v["frequency"] is None


def test_alias_moves_and_guards_delete(isolated_client, trained_lstm):
    """On the shared model, inside the test's transaction: the alias is gone after it."""
    client = isolated_client
    name, version = trained_lstm["model_version"]["model"], trained_lstm["model_version"]["version"]
    moved = client.put(f"/models/{name}/aliases/production", json={"version": version})
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"model": name, "alias": "production", "version": version}
    assert client.get(f"/models/{name}").json()["aliases"] == {"production": version}

    by_alias = client.post(
        "/predict", json={"model": name, "alias": "production", "inputs": [_window()]}
    )
    assert by_alias.status_code == 200 and by_alias.json()["version"] == version

    refused = client.delete(f"/models/{name}/versions/{version}")
    assert refused.status_code == 409
    assert "production" in refused.json()["detail"]

    missing = client.put(f"/models/{name}/aliases/production", json={"version": 999})
    assert missing.status_code == 404 and "no version 999" in missing.json()["detail"]
    bad_name = client.put(f"/models/{name}/aliases/a%20b", json={"version": version})
    assert bad_name.status_code == 422


def test_delete_unaliased_version(client, pg_worker, dataset):
    job = train_and_wait(
        client,
        {
            "model_name": "to-delete",
            "architecture": "rnn",
            "dataset_id": dataset["id"],
            "target_columns": ["y"],
            "horizon": 3,
            "hyperparameters": {"hidden_size": 8, "num_layers": 1, "epochs": 2},
        },
    )
    assert job["status"] == "succeeded", job["error"]
    v = job["model_version"]["version"]
    assert client.delete(f"/models/to-delete/versions/{v}").status_code == 204
    assert client.get(f"/models/to-delete/versions/{v}").status_code == 404
    assert client.get(f"/jobs/{job['id']}").json()["model_version"] is None
    gone = client.post("/predict", json={"model": "to-delete", "inputs": [[1.0] * 16]})
    assert gone.status_code == 404 and "no versions" in gone.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"model": "nope", "inputs": [[1.0]]}, 404, "model 'nope' not found"),
        ({"version": 99}, 404, "has no version 99"),
        ({"alias": "staging"}, 404, "has no alias 'staging'"),
        ({"inputs": [[[1.0, 2.0, 3.0]] * 24]}, 422, "expected 2 features per step (y, x), got 3"),
        ({"inputs": [[1.0] * 24]}, 422, "reads 2 features per step"),
        ({"inputs": [[[float("nan"), 1.0]] * 24]}, 422, "NaN, infinity or null"),
        ({"inputs": [[[1e39, 1.0]] * 24]}, 422, "NaN, infinity or null"),
        ({"inputs": []}, 422, "empty"),
        ({"inputs": [[]]}, 422, "empty"),
        ({"inputs": [[[1.0, 2.0]] * 24, [[1.0, 2.0]] * 23]}, 422, "ragged"),
        ({"inputs": [[[1.0, 2.0]] * 97]}, 422, "exceeds 96 (4 × the trained input_length 24)"),
        ({"inputs": [["a"]]}, 422, "only numbers"),
        ({"inputs": [[[None, 1.0]] * 24]}, 422, "null"),
        ({"inputs": "abc"}, 422, "must be an array"),
        ({"model": ""}, 422, "model: required"),
        ({"version": 0}, 422, "version: must be a positive integer"),
        ({"extra": 1}, 422, "extra: unknown field"),
        ({"version": 1, "alias": "production"}, 422, "version or alias, not both"),
    ],
)
def test_predict_errors(client, trained_lstm, body, status, expected):
    request = {"model": trained_lstm["model_version"]["model"], "inputs": [_window()], **body}
    # json.dumps writes NaN as the bare token NaN, as many clients do; httpx's json= refuses it.
    response = client.post(
        "/predict", content=json.dumps(request), headers={"content-type": "application/json"}
    )
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    text = detail if isinstance(detail, str) else " ".join(d["msg"] for d in detail)
    assert expected in text, text
    if status == 422 and "inputs" in body and not isinstance(detail, str):
        assert detail[0]["loc"][:2] == ["body", "inputs"], detail


def test_predict_accepts_other_lengths(client, trained_lstm):
    name = trained_lstm["model_version"]["model"]
    for length in (1, 12, 24, 60, 96):
        response = client.post("/predict", json={"model": name, "inputs": [_window(length)]})
        assert response.status_code == 200, (length, response.text)


def test_cancel_queued_and_running(client, pg_worker, dataset):
    def submit(name: str) -> str:
        response = client.post(
            "/train",
            json={
                "model_name": name,
                "architecture": "lstm",
                "dataset_id": dataset["id"],
                "horizon": 6,
                "hyperparameters": {"epochs": 10_000, "early_stopping_patience": 10_000},
            },
        )
        assert response.status_code == 202, response.text
        return response.json()["id"]

    running = submit("cancel-running")
    deadline = time.monotonic() + 60
    while client.get(f"/jobs/{running}").json()["progress"]["epoch"] < 1:
        assert time.monotonic() < deadline, "job never started an epoch"
        time.sleep(0.2)
    queued = submit("cancel-queued")  # the only worker slot is busy: this one waits

    cancelled = client.post(f"/jobs/{queued}/cancel")
    assert cancelled.status_code == 202
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["error"] == "cancelled before it started"

    stopping = client.post(f"/jobs/{running}/cancel")
    assert stopping.status_code == 202 and stopping.json()["cancel_requested"] is True
    job = wait_for_job(client, running, timeout=60)
    assert job["status"] == "cancelled", job
    assert job["progress"]["epoch"] < 10_000 and job["model_version"] is None
    again = client.post(f"/jobs/{running}/cancel")
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]
    listed = {j["id"] for j in client.get("/jobs", params={"status": "cancelled"}).json()}
    assert {running, queued} <= listed
    # the queued job's message still reaches the worker, which must leave it alone (its task
    # ends at once: waited for in the worker's log, instead of a fixed second)
    handled = f"Task training.run[{queued}] succeeded".encode()
    deadline = time.monotonic() + 30
    while handled not in pg_worker.log.read_bytes():
        assert time.monotonic() < deadline, pg_worker.log.read_text()[-3000:]
        time.sleep(0.05)
    assert client.get(f"/jobs/{queued}").json()["attempts"] == 0
