"""Uploading series: JSON and CSV, and every way an upload can be wrong. Each test's uploads are
rolled back at its end."""

import pytest
from fastapi.testclient import TestClient

from tests.support.data import seasonal_series


@pytest.fixture
def client(isolated_client: TestClient) -> TestClient:
    """Here, the app inside the test's transaction (tests/conftest.py)."""
    return isolated_client


def test_json_upload_round_trip(client):
    columns = {"y": [1.0, 2.0, 3.0], "x1": [0.5, 0.25, 0.0]}
    created = client.post(
        "/datasets",
        json={
            "name": "tiny",
            "columns": columns,
            "timestamps": ["2024-01-01", "2024-01-02", "2024-01-03"],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "tiny"
    assert body["n_rows"] == 3
    assert body["columns"] == ["y", "x1"]
    assert body["has_timestamps"] is True and body["frequency"] == "D"
    assert body["n_series"] == 1
    assert body["series"] == [{"id": "", "rows": 3, "first": "2024-01-01", "last": "2024-01-03"}]
    assert len(body["sha256"]) == 64
    fetched = client.get(f"/datasets/{body['id']}")
    assert fetched.json() == body
    assert body["id"] in [d["id"] for d in client.get("/datasets").json()]


def test_same_content_same_sha(client):
    data = {"columns": seasonal_series(40)}
    a = client.post("/datasets", json={"name": "a", **data}).json()
    b = client.post("/datasets", json={"name": "b", **data}).json()
    assert a["sha256"] == b["sha256"] and a["id"] != b["id"]


def test_csv_upload(client):
    csv = "date,y,x1\n2024-01-01,1.5,3\n2024-01-02,2.5,4\n2024-01-03,3.5,5\n"
    response = client.post(
        "/datasets", files={"file": ("sales.csv", csv, "text/csv")}, data={"name": "sales"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "sales"
    assert body["columns"] == ["y", "x1"]
    assert body["n_rows"] == 3 and body["has_timestamps"] is True
    assert body["frequency"] == "D" and body["n_series"] == 1


def test_csv_name_defaults_to_file_name(client):
    response = client.post("/datasets", files={"file": ("daily.csv", "y\n1\n2\n", "text/csv")})
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "daily"
    assert response.json()["frequency"] is None and response.json()["has_timestamps"] is False


def _message(response) -> str:
    detail = response.json()["detail"]
    return " | ".join(d["msg"] for d in detail) if isinstance(detail, list) else detail


@pytest.mark.parametrize(
    ("csv", "expected"),
    [
        ("y,x\n1,2\n3,oops\n", "line 3, column 'x': 'oops' is not a number"),
        ("y,x\n1,2\n3\n", "line 3: 1 fields, the header has 2"),
        ("", "the CSV is empty"),
        ("y\n1\n", "at least 2 rows"),
        ("y,y\n1,2\n3,4\n", "column 'y' appears twice"),
        ("y\n1\nnan\n", "line 3, column 'y': 'nan' is not finite"),
    ],
)
def test_bad_csv_is_422_with_line(client, csv, expected):
    response = client.post("/datasets", files={"file": ("bad.csv", csv, "text/csv")})
    assert response.status_code == 422, response.text
    assert expected in _message(response)
    assert response.json()["detail"][0]["loc"] == ["body", "file"]


@pytest.mark.parametrize(
    ("body", "field", "expected"),
    [
        ({"name": "x", "columns": {"y": [1, 2], "z": [1]}}, "columns", "differ in length"),
        ({"name": "x", "columns": {}}, "columns", "at least one column"),
        ({"name": "x", "columns": {"y": [1]}}, "columns", "at least 2 rows"),
        ({"name": "x", "columns": {"y": [1, "a"]}}, "columns", "valid number"),
        ({"name": "../etc", "columns": {"y": [1, 2]}}, "name", "pattern"),
        ({"name": "x", "columns": {"y": [1, 2]}, "timestamps": ["a"]}, "", "timestamps has 1"),
        ({"columns": {"y": [1, 2]}}, "name", "Field required"),
    ],
)
def test_bad_json_upload_is_422(client, body, field, expected):
    response = client.post("/datasets", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(expected in d["msg"] for d in detail), detail
    if field:
        assert any(field in d["loc"] for d in detail), detail


def test_nan_in_json_upload_is_422(client):
    raw = b'{"name": "x", "columns": {"y": [1.0, NaN, 2.0]}}'
    response = client.post("/datasets", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text


def test_unsupported_content_type(client):
    response = client.post("/datasets", content=b"y\n1\n", headers={"content-type": "text/csv"})
    assert response.status_code == 422
    assert "multipart/form-data" in response.json()["detail"][0]["msg"]


def test_unknown_dataset_is_404(client):
    response = client.get("/datasets/nope")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]
