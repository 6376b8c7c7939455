"""A version trained with known-future, calendar and static covariates, backtested by the worker
(issue 15): each origin's forecast is fed the dataset's actual future values, the calendar of the
horizon rows and the series' static vector, as a recomputation here with onnxruntime shows."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from fastapi.testclient import TestClient

from app.contract import (
    CALENDAR_INPUT_NAME,
    FUTURE_INPUT_NAME,
    INPUT_NAME,
    OUTPUT_NAME,
    STATIC_INPUT_NAME,
)
from app.covariates import calendar_values
from tests.backtests.test_backtests import run_backtest
from tests.support.stack import train_and_wait

ROWS, INPUT_LENGTH, HORIZON = 60, 8, 3
DAYS = [f"2024-{m:02d}-{d:02d}" for m in (3, 4) for d in range(1, 31)][:ROWS]
CALENDAR = ["day_of_week"]
SIZES = {"north": 2.0, "south": 5.0}


def _series() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    promo = (np.arange(ROWS) % 4 == 0).astype(float)
    return {
        sid: np.column_stack(
            [size + 3 * promo + 0.1 * rng.standard_normal(ROWS), promo, np.full(ROWS, size)]
        )
        for sid, size in SIZES.items()
    }


@pytest.fixture(scope="module")
def covariate_version(client: TestClient, pg_worker) -> dict:
    series = _series()
    values = np.concatenate(list(series.values()))
    dataset = client.post(
        "/datasets",
        json={
            "name": "promos",
            "columns": {c: values[:, j].tolist() for j, c in enumerate(["y", "promo", "size"])},
            "timestamps": DAYS * len(SIZES),
            "series": [sid for sid in SIZES for _ in range(ROWS)],
        },
    )
    assert dataset.status_code == 201, dataset.text
    job = train_and_wait(
        client,
        {
            "model_name": "covariate-backtest",
            "architecture": "gru",
            "dataset_id": dataset.json()["id"],
            "target_columns": ["y"],
            "feature_columns": ["y"],
            "future_columns": ["promo"],
            "calendar": CALENDAR,
            "static_columns": ["size"],
            "horizon": HORIZON,
            "input_length": INPUT_LENGTH,
            "hyperparameters": {"hidden_size": 8, "num_layers": 1, "epochs": 3},
        },
    )
    assert job["status"] == "succeeded", job
    ref = job["model_version"]
    return client.get(f"/models/{ref['model']}/versions/{ref['version']}").json()


def test_a_covariate_version_is_backtested_on_the_actual_covariates(client, covariate_version):
    name, number = covariate_version["model"], covariate_version["version"]
    artifact = client.get(f"/models/{name}/versions/{number}/artifact")
    assert artifact.status_code == 200
    session = ort.InferenceSession(artifact.content, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [
        INPUT_NAME,
        FUTURE_INPUT_NAME,
        CALENDAR_INPUT_NAME,
        STATIC_INPUT_NAME,
    ]

    done = run_backtest(client, {"model": name, "version": number, "folds": 3})
    assert done["status"] == "succeeded", done
    series = _series()
    for fold in done["fold_metrics"]:
        errors = []
        for sid, rows in series.items():
            t = fold["origins"][sid]
            forecast = session.run(
                [OUTPUT_NAME],
                {
                    INPUT_NAME: rows[None, t - INPUT_LENGTH : t, :1].astype(np.float32),
                    FUTURE_INPUT_NAME: rows[None, t : t + HORIZON, 1:2].astype(np.float32),
                    CALENDAR_INPUT_NAME: calendar_values(DAYS[t : t + HORIZON], CALENDAR)[None],
                    STATIC_INPUT_NAME: np.array([[SIZES[sid]]], dtype=np.float32),
                },
            )[0]
            errors.append(np.abs(forecast[0, :, 0] - rows[t : t + HORIZON, 0]))
        assert fold["model"]["mae"] == pytest.approx(float(np.mean(errors)), rel=1e-4)
    assert done["metrics"]["series"] == 2
