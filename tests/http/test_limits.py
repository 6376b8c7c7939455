"""Limits on what one request may ask for: body size (413), dataset rows and columns, windows
per /predict (422 naming the field)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app


@pytest.fixture(scope="module")
def strict(pg_settings, auth_headers) -> TestClient:
    settings = pg_settings.model_copy(
        update={
            "max_body_bytes": 4096,
            "max_dataset_rows": 10,
            "max_dataset_columns": 2,
            "max_predict_windows": 2,
        }
    )
    return TestClient(create_app(settings), headers=auth_headers)


def test_body_over_the_cap_is_413(strict):
    big = {"name": "big", "columns": {"y": [1.0] * 2000}}
    response = strict.post("/datasets", json=big)
    assert response.status_code == 413, response.text
    assert "larger than 4096 bytes" in response.json()["detail"]


def test_streamed_body_over_the_cap_is_413(strict):
    def chunks():
        for _ in range(10):
            yield b"x" * 1000

    response = strict.post(
        "/predict", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413, response.text


def test_inference_bodies_have_their_own_smaller_cap(pg_settings, auth_headers):
    """/predict, observe and OIP infer refuse a body over SEQCAST_MAX_INFERENCE_BODY_BYTES from
    its Content-Length, unread, while other routes keep the general cap."""
    settings = pg_settings.model_copy(update={"max_inference_body_bytes": 2048})
    client = TestClient(create_app(settings), headers=auth_headers)
    body = b'{"model": "m", "inputs": [[' + b"1.0, " * 1000 + b"1.0]]}"
    for path in ("/predict", "/streams/s1/observe", "/v2/models/m/infer"):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 413, (path, response.text)
        assert "SEQCAST_MAX_INFERENCE_BODY_BYTES" in response.text, response.text
    dataset = client.post("/datasets", json={"name": "fits", "columns": {"y": [1.0] * 600}})
    assert dataset.status_code == 201, dataset.text


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"y": [1.0] * 11}, "11 rows exceed the limit of 10"),
        ({"a": [1.0, 2.0], "b": [1.0, 2.0], "c": [1.0, 2.0]}, "3 columns exceed the limit of 2"),
    ],
)
def test_dataset_caps(strict, columns, expected):
    response = strict.post("/datasets", json={"name": "capped", "columns": columns})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "columns"]
    assert expected in response.json()["detail"][0]["msg"]
    csv = "y\n" + "\n".join("1" for _ in range(11))
    capped = strict.post("/datasets", files={"file": ("c.csv", csv, "text/csv")})
    assert capped.status_code == 422 and capped.json()["detail"][0]["loc"] == ["body", "file"]


def test_inline_training_data_is_capped(strict):
    response = strict.post(
        "/train",
        json={
            "model_name": "capped",
            "architecture": "gru",
            "data": {"columns": {"y": [1.0] * 11}},
            "horizon": 1,
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "data"]


def test_windows_per_predict_are_capped(strict, trained_lstm):
    window = [[1.0, 2.0]] * 24
    response = strict.post("/predict", json={"model": "shared-lstm", "inputs": [window] * 3})
    assert response.status_code == 422
    assert "3 windows exceed the limit of 2" in response.json()["detail"][0]["msg"]
