"""`fill_missing` (issue 15, item 4): missing values and gaps in the timestamps, on JSON, CSV and
Parquet uploads and on /train's inline data, through the real API. Each test's uploads are
rolled back at its end."""

from __future__ import annotations

import io
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from tests.support.memory import peak_growth

MB = 1 << 20


@pytest.fixture
def client(isolated_client: TestClient) -> TestClient:
    """Here, the app inside the test's transaction (tests/conftest.py)."""
    return isolated_client


def _upload(client: TestClient, **body):
    return client.post("/datasets", json={"name": "gappy", **body})


def _values(client: TestClient, dataset: dict) -> dict:
    response = client.get(f"/datasets/{dataset['id']}/values")
    assert response.status_code == 200, response.text
    return response.json()


def _detail(response) -> dict:
    assert response.status_code == 422, response.text
    return response.json()["detail"][0]


DAYS = ["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-06"]  # 01-03 and 01-04 missing


def test_a_missing_value_without_a_method_is_422_naming_the_column(client):
    detail = _detail(_upload(client, columns={"y": [1.0, None, 3.0]}))
    assert detail["loc"] == ["body", "columns"]
    assert "column 'y' row 1: a missing value; set fill_missing" in detail["msg"]


def test_a_gap_without_a_method_is_kept_as_today_with_no_frequency(client):
    response = _upload(client, columns={"y": [1.0, 2.0, 3.0, 4.0]}, timestamps=DAYS)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["n_rows"] == 4 and body["frequency"] is None and body["filled"] == {}


def test_ffill_inserts_the_gap_rows_and_counts_per_column(client):
    response = _upload(
        client,
        columns={"y": [1.0, None, 5.0, 6.0], "x": [10.0, 20.0, 50.0, 60.0]},
        timestamps=DAYS,
        fill_missing="ffill",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["n_rows"] == 6 and body["frequency"] == "D"
    assert body["filled"] == {"y": 3, "x": 2}  # y: row 1 and two gap rows; x: the gap rows
    assert body["series"][0] == {"id": "", "rows": 6, "first": "2024-01-01", "last": "2024-01-06"}
    stored = _values(client, body)
    assert stored["timestamps"] == [f"2024-01-0{d}" for d in range(1, 7)]
    assert stored["columns"] == {
        "y": [1.0, 1.0, 1.0, 1.0, 5.0, 6.0],
        "x": [10.0, 20.0, 20.0, 20.0, 50.0, 60.0],
    }
    assert client.get(f"/datasets/{body['id']}").json()["filled"] == body["filled"]


def test_interpolate_is_linear_in_time_and_zero_is_zero(client):
    interpolated = _upload(
        client, columns={"y": [1.0, 2.0, 5.0, None]}, timestamps=DAYS, fill_missing="interpolate"
    ).json()
    assert _values(client, interpolated)["columns"]["y"] == [1.0, 2.0, 3.0, 4.0, 5.0, 5.0]
    assert interpolated["filled"] == {"y": 3}
    zero = _upload(
        client, columns={"y": [1.0, 2.0, 5.0, None]}, timestamps=DAYS, fill_missing="zero"
    ).json()
    assert _values(client, zero)["columns"]["y"] == [1.0, 2.0, 0.0, 0.0, 5.0, 0.0]


def test_leading_missing_values_take_the_first_value(client):
    body = _upload(client, columns={"y": [None, None, 3.0, 4.0]}, fill_missing="ffill").json()
    assert _values(client, body)["columns"]["y"] == [3.0, 3.0, 3.0, 4.0]
    assert body["filled"] == {"y": 2} and body["frequency"] is None


def test_a_series_column_with_no_value_at_all_is_422_naming_it(client):
    detail = _detail(
        _upload(
            client,
            columns={"y": [1.0, 2.0, None, None]},
            series=["a", "a", "b", "b"],
            fill_missing="interpolate",
        )
    )
    assert detail["loc"] == ["body", "fill_missing"]
    assert "column 'y' of series 'b' has no value at all" in detail["msg"]


def test_each_series_fills_its_own_gaps_monthly(client):
    body = _upload(
        client,
        columns={"y": [1.0, 3.0, 10.0, 20.0]},
        timestamps=["2024-01", "2024-03", "2024-01", "2024-02"],
        series=["a", "a", "b", "b"],
        fill_missing="interpolate",
    ).json()
    assert body["frequency"] == "MS" and body["filled"] == {"y": 1}
    assert [(s["id"], s["rows"]) for s in body["series"]] == [("a", 3), ("b", 2)]
    stored = _values(client, body)
    assert stored["timestamps"][:3] == ["2024-01", "2024-02", "2024-03"]
    assert stored["columns"]["y"] == [1.0, 2.0, 3.0, 10.0, 20.0]


def test_csv_empty_and_na_cells_fill_with_the_form_field(client):
    csv = "date,y,x\n2024-01-01,1,NA\n2024-01-02,,2\n2024-01-04,4,-nan\n2024-01-05,5,5\n"
    plain = client.post("/datasets", files={"file": ("g.csv", csv, "text/csv")})
    detail = _detail(plain)
    assert detail["loc"] == ["body", "file"] and "line 2, column 'x'" in detail["msg"]
    response = client.post(
        "/datasets",
        files={"file": ("g.csv", csv, "text/csv")},
        data={"fill_missing": "interpolate"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["n_rows"] == 5 and body["frequency"] == "D"
    assert body["filled"] == {"y": 2, "x": 3}
    assert _values(client, body)["columns"] == {
        "y": [1.0, 2.0, 3.0, 4.0, 5.0],
        "x": [2.0, 2.0, 3.0, 4.0, 5.0],
    }
    infinite = csv.replace("-nan", "inf")
    detail = _detail(
        client.post(
            "/datasets",
            files={"file": ("g.csv", infinite, "text/csv")},
            data={"fill_missing": "ffill"},
        )
    )
    assert "'inf' is not finite" in detail["msg"]


def test_parquet_nulls_fill_with_the_query_parameter(client):
    sink = io.BytesIO()
    pq.write_table(
        pa.table({"ds": ["2024-01-01", "2024-01-02", "2024-01-03"], "y": [1.0, None, 3.0]}), sink
    )
    files = {"file": ("g.parquet", sink.getvalue(), "application/octet-stream")}
    detail = _detail(client.post("/datasets", files=files))
    assert "1 missing values" in detail["msg"] and "fill_missing" in detail["msg"]
    response = client.post("/datasets", files=files, params={"fill_missing": "zero"})
    assert response.status_code == 201, response.text
    assert response.json()["filled"] == {"y": 1}
    assert _values(client, response.json())["columns"]["y"] == [1.0, 0.0, 3.0]


def test_an_unknown_method_is_422_naming_the_field(client):
    detail = _detail(_upload(client, columns={"y": [1.0, 2.0]}, fill_missing="bfill"))
    assert detail["loc"] == ["body", "fill_missing"]
    form = client.post(
        "/datasets", files={"file": ("g.csv", "y\n1\n2\n", "text/csv")}, data={"fill_missing": "x"}
    )
    assert _detail(form)["loc"] == ["body", "fill_missing"]
    query = client.post("/datasets", json={"name": "q", "columns": {"y": [1.0, 2.0]}},
                        params={"fill_missing": "ffill"})  # fmt: skip
    assert _detail(query)["loc"] == ["body", "fill_missing"]


JANUARY = [f"2024-01-{d:02d}" for d in range(1, 31)]


@pytest.mark.parametrize(
    ("timestamps", "field", "words"),
    [
        # ten years missing from minute data: 5.3 million rows
        (
            ["2020-01-01T00:00", "2020-01-01T00:01", "2030-01-01T00:00"],
            "fill_missing",
            "over the limit of 1000000 (SEQCAST_MAX_DATASET_ROWS); the largest gap leaves out "
            "5260318 steps of min",
        ),
        # a one-second step in daily data: off the daily grid
        (
            [*JANUARY, "2024-01-30T00:00:01", "2024-03-01"],
            "timestamps",
            "'2024-01-30T00:00:01' is not a whole number of steps (D)",
        ),
        # ... and where no step is more common than one second, a grid of seconds: 63 million
        (
            ["2024-01-01", "2024-01-01T00:00:01", "2026-01-01"],
            "fill_missing",
            "steps of s",
        ),
    ],
)
def test_a_gap_that_would_make_too_many_rows_is_refused_before_any_is_made(
    client, timestamps, field, words
):
    body = {"columns": {"y": [1.0] * len(timestamps)}, "timestamps": timestamps}
    with peak_growth() as grew:
        started = time.perf_counter()
        response = _upload(client, **body, fill_missing="ffill")
        seconds = time.perf_counter() - started
    detail = _detail(response)
    assert detail["loc"] == ["body", field]
    assert words in detail["msg"]
    assert seconds < 2.0 and grew.bytes < 50 * MB, (seconds, grew.bytes)


def test_steps_off_the_grid_are_422_naming_the_timestamps(client):
    detail = _detail(
        _upload(
            client,
            columns={"y": [1.0, 2.0, 3.0, 4.0, 5.0]},
            timestamps=["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-07", "2024-01-10"],
            fill_missing="ffill",
        )
    )
    assert detail["loc"] == ["body", "timestamps"]
    assert "'2024-01-10' is not a whole number of steps (2D)" in detail["msg"]


def test_train_inline_data_fills_and_refuses_like_an_upload(client):
    days = [f"2024-01-{d:02d}" for d in range(1, 32)] + [f"2024-02-{d:02d}" for d in range(1, 30)]
    y = [float(i % 7) for i in range(len(days))]
    y[10] = None
    kept = [i for i in range(len(days)) if i not in (20, 21)]  # a two-day gap
    data = {"columns": {"y": [y[i] for i in kept]}, "timestamps": [days[i] for i in kept]}
    train = {"model_name": "filled", "architecture": "gru", "horizon": 2, "input_length": 8,
             "hyperparameters": {"epochs": 1}}  # fmt: skip

    refused = client.post("/train", json={**train, "data": data})
    assert _detail(refused)["loc"] == ["body", "data", "columns"]

    accepted = client.post("/train", json={**train, "data": {**data, "fill_missing": "ffill"}})
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    client.post(f"/jobs/{job['id']}/cancel")
    dataset = client.get(f"/datasets/{job['dataset_id']}").json()
    assert dataset["n_rows"] == len(days) and dataset["frequency"] == "D"
    assert dataset["filled"] == {"y": 3}
    assert np.allclose(_values(client, dataset)["columns"]["y"][19:23], [y[19]] * 3 + [y[22]])

    far = {**data, "timestamps": [*data["timestamps"][:-1], "9999-01-01"], "fill_missing": "zero"}
    assert _detail(client.post("/train", json={**train, "data": far}))["loc"] == [
        "body",
        "data",
        "fill_missing",
    ]
