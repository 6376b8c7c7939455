"""Datasets of many series: long-format CSV and Parquet uploads, timestamps and their frequency,
per-series validation, and a model trained on three series whose version knows them."""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.artifacts import make_store
from app.contract import Manifest, manifest_uri_for, split_plan
from app.datasets.calendar import future_timestamps, infer_frequency, parse_timestamp
from tests.support.stack import train_and_wait


def _message(response) -> str:
    detail = response.json()["detail"]
    return " | ".join(d["msg"] for d in detail) if isinstance(detail, list) else detail


def _days(start: str, n: int, step: int = 1) -> list[str]:
    first = date.fromisoformat(start)
    return [(first + timedelta(days=step * i)).isoformat() for i in range(n)]


def _month_starts(year: int, n: int) -> list[str]:
    return [f"{year + (m // 12)}-{m % 12 + 1:02d}-01" for m in range(n)]


# --- frequency inference and future timestamps (pure) ---------------------------------------


@pytest.mark.parametrize(
    ("timestamps", "expected"),
    [
        (_days("2024-01-01", 10), "D"),
        (_days("2024-01-03", 5, step=7), "7D"),
        ([f"2024-03-09T{h:02d}:00:00" for h in range(24)], "h"),
        ([f"2024-03-09T00:{m:02d}:00Z" for m in range(0, 60, 15)], "15min"),
        (["2024-01-01 00:00:00", "2024-01-01 00:00:30"], "30s"),
        (_month_starts(1949, 30), "MS"),
        (["1949-01", "1949-02", "1949-03", "1949-04"], "MS"),  # year-month, as airpassengers
        (["2023-11-30", "2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31"], "ME"),
        (["2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01", "2025-01-01"], "QS"),
        (["2020-12-31", "2021-12-31", "2022-12-31"], "YE"),
        (["2024-01-01", "2024-03-01", "2024-05-01"], "2MS"),
        (["2024-02-01", "2024-01-01", "2024-03-01"], "MS"),  # order does not matter
        (["2024-01-01", "2024-01-02", "2024-01-04"], None),  # a gap: irregular
        (["2024-01-15", "2024-02-15", "2024-03-15"], None),  # neither month start nor end
        (["2024-01-01", "2024-01-01"], None),  # no step
        (["2024-01-01"], None),
        (["2024-01-01", "2024-01-02T00:00:00Z"], None),  # naive and aware mixed
        (["yesterday", "today"], None),
    ],
)
def test_infer_frequency(timestamps, expected):
    assert infer_frequency(timestamps) == expected


@pytest.mark.parametrize(
    ("last", "frequency", "horizon", "expected"),
    [
        ("2024-02-28", "D", 3, ["2024-02-29", "2024-03-01", "2024-03-02"]),
        ("2024-03-09T22:00:00", "h", 3, ["2024-03-09T23:00:00", "2024-03-10T00:00:00",
                                          "2024-03-10T01:00:00"]),
        ("2024-03-09 23:45", "15min", 2, ["2024-03-10 00:00:00", "2024-03-10 00:15:00"]),
        ("2024-01-01T00:00:00Z", "7D", 2, ["2024-01-08T00:00:00Z", "2024-01-15T00:00:00Z"]),
        ("2024-01-01T06:00:00+02:00", "D", 1, ["2024-01-02T06:00:00+02:00"]),
        ("1960-11-01", "MS", 3, ["1960-12-01", "1961-01-01", "1961-02-01"]),
        ("1960-11", "MS", 2, ["1960-12", "1961-01"]),
        ("2024-01-31", "ME", 4, ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]),
        ("2023-10-01", "QS", 2, ["2024-01-01", "2024-04-01"]),
        ("2022-12-31", "YE", 2, ["2023-12-31", "2024-12-31"]),
        ("2024-05-01", "2MS", 2, ["2024-07-01", "2024-09-01"]),
    ],
)  # fmt: skip
def test_future_timestamps(last, frequency, horizon, expected):
    assert future_timestamps(last, frequency, horizon) == expected


@pytest.mark.parametrize("timestamps", [_days("2023-12-25", 20), _month_starts(2000, 15)])
def test_future_timestamps_continue_the_inferred_frequency(timestamps):
    """Inferring from the first rows and stepping from there reproduces the rest."""
    frequency = infer_frequency(timestamps[:5])
    assert frequency is not None
    assert future_timestamps(timestamps[4], frequency, len(timestamps) - 5) == timestamps[5:]


def test_future_timestamps_refuses_unknown_input():
    with pytest.raises(ValueError, match="unknown frequency"):
        future_timestamps("2024-01-01", "fortnightly", 2)
    with pytest.raises(ValueError):
        future_timestamps("not a date", "D", 2)


def test_parse_timestamp_forms():
    assert parse_timestamp("1949-07") == datetime(1949, 7, 1)
    assert parse_timestamp(" 2024-01-31T12:00:00Z ") == datetime(2024, 1, 31, 12, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_timestamp("2025-01-01+3d")


# --- uploads ---------------------------------------------------------------------------------


def _long_rows(n: int = 60, shuffle: bool = True) -> list[tuple[str, str, float, float]]:
    """Three seasonal series of different lengths (n, n - 5, n + 5 days) and a covariate x."""
    rows = []
    for k, (series_id, length) in enumerate((("north", n), ("south", n - 5), ("east", n + 5))):
        start = date(2024, 1, 1) + timedelta(days=k)
        for t in range(length):
            y = 10 * (k + 1) + 3 * math.sin(2 * math.pi * t / 7) + 0.05 * t
            x = math.cos(2 * math.pi * t / 7)
            rows.append((series_id, (start + timedelta(days=t)).isoformat(), round(y, 4), x))
    if shuffle:  # the server groups by series and sorts by time; keep first appearances
        head, tail = rows[:1], rows[1:]
        np.random.default_rng(0).shuffle(tail)
        rows = head + tail
    return rows


def _csv(rows, header: str = "unique_id,date,y,x") -> str:
    return header + "\n" + "".join(f"{s},{d},{y},{x}\n" for s, d, y, x in rows)


def _upload(client, name: str, content, filename: str = "long.csv", **kwargs):
    return client.post(
        "/datasets", files={"file": (filename, content)}, data={"name": name}, **kwargs
    )


@pytest.fixture(scope="module")
def long_dataset(client) -> dict:
    response = _upload(client, "long-three", _csv(_long_rows()))
    assert response.status_code == 201, response.text
    return response.json()


def test_long_csv_is_grouped_by_series_and_sorted(client, long_dataset):
    rows = _long_rows(shuffle=False)
    body = long_dataset
    assert body["columns"] == ["y", "x"]
    assert body["n_rows"] == len(rows) and body["n_series"] == 3
    assert body["has_timestamps"] is True and body["frequency"] == "D"
    first_seen = list(dict.fromkeys(s for s, *_ in _long_rows()))
    assert [s["id"] for s in body["series"]] == first_seen
    by_id = {s["id"]: s for s in body["series"]}
    assert by_id["south"] == {"id": "south", "rows": 55, "first": "2024-01-02",
                              "last": "2024-02-25"}  # fmt: skip
    assert client.get(f"/datasets/{body['id']}").json() == body

    values = client.get(f"/datasets/{body['id']}/values", params={"series": "east"})
    assert values.status_code == 200, values.text
    east = [r for r in rows if r[0] == "east"]
    got = values.json()
    assert got["timestamps"] == [d for _, d, _, _ in east]
    assert got["columns"]["y"] == [y for _, _, y, _ in east]
    assert got["series"] == ["east"] * len(east)

    everything = client.get(f"/datasets/{body['id']}/values").json()
    assert everything["series"] == [s for s in first_seen for r in rows if r[0] == s]
    assert len(everything["columns"]["x"]) == len(rows)
    missing = client.get(f"/datasets/{body['id']}/values", params={"series": "west"})
    assert missing.status_code == 404 and "west" in missing.json()["detail"]


def test_series_listing_pages(client, long_dataset):
    url = f"/datasets/{long_dataset['id']}/series"
    assert [s["id"] for s in client.get(url).json()] == [s["id"] for s in long_dataset["series"]]
    page = client.get(url, params={"limit": 1, "offset": 1}).json()
    assert page == long_dataset["series"][1:2]


def test_values_of_an_uploaded_json_dataset_round_trip(client):
    upload = {
        "columns": {"y": [3.0, 1.0, 2.0, 5.0]},
        "timestamps": ["2024-01-03", "2024-01-01", "2024-01-02", "2024-01-01"],
        "series": ["a", "a", "a", "b"],
    }
    created = client.post("/datasets", json={"name": "json-long", **upload})
    assert created.status_code == 201, created.text
    assert created.json()["n_series"] == 2 and created.json()["frequency"] == "D"
    values = client.get(f"/datasets/{created.json()['id']}/values").json()
    assert values == {
        "columns": {"y": [1.0, 2.0, 3.0, 5.0]},
        "timestamps": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-01"],
        "series": ["a", "a", "a", "b"],
    }
    again = client.post("/datasets", json={"name": "json-long-again", **values})
    assert again.json()["sha256"] == created.json()["sha256"]


def test_series_column_named_explicitly(client):
    csv = "store,ds,sales\nS1,2024-01-01,1\nS2,2024-01-01,2\nS1,2024-01-02,3\nS2,2024-01-02,4\n"
    for kwargs in ({"data": {"series_column": "store"}}, {"params": {"series_column": "store"}}):
        response = client.post("/datasets", files={"file": ("s.csv", csv)}, **kwargs)
        assert response.status_code == 201, response.text
        assert response.json()["columns"] == ["sales"]
        assert [s["id"] for s in response.json()["series"]] == ["S1", "S2"]
    unknown = client.post(
        "/datasets", files={"file": ("s.csv", csv)}, data={"series_column": "shop"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "series_column"]
    assert "no column 'shop'" in _message(unknown)
    as_json = client.post(
        "/datasets", params={"series_column": "store"}, json={"name": "j", "columns": {"y": [1, 2]}}
    )
    assert as_json.status_code == 422 and "applies to file uploads" in _message(as_json)


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def test_parquet_round_trip(client, long_dataset):
    rows = _long_rows()
    stamps = [datetime.fromisoformat(d) for _, d, _, _ in rows]
    table = pa.table(
        {
            "unique_id": pa.array([s for s, *_ in rows]).dictionary_encode(),
            "ds": pa.array(stamps, pa.timestamp("ns")),
            "y": pa.array([y for _, _, y, _ in rows], pa.float64()),
            "x": pa.array([x for *_, x in rows], pa.float64()),
        }
    )
    response = _upload(client, "long-parquet", _parquet(table), "long.parquet")
    assert response.status_code == 201, response.text
    body = response.json()
    same = ("columns", "n_rows", "n_series", "series", "frequency", "sha256")
    assert {k: body[k] for k in same} == {k: long_dataset[k] for k in same}
    csv_values = client.get(f"/datasets/{long_dataset['id']}/values").json()
    assert client.get(f"/datasets/{body['id']}/values").json() == csv_values


def test_parquet_types_are_converted(client):
    table = pa.table(
        {
            "when": pa.array([datetime(2024, 1, 1, 6, tzinfo=UTC) + timedelta(hours=i)
                              for i in range(4)], pa.timestamp("us", tz="UTC")),
            "sku": pa.array([7, 7, 8, 8], pa.int64()),
            "units": pa.array([1, 2, 3, 4], pa.int32()),
        }
    )  # fmt: skip
    response = client.post(
        "/datasets",
        files={"file": ("t.parquet", _parquet(table))},
        data={"series_column": "sku"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["columns"] == ["units"] and body["frequency"] == "h"
    assert body["series"][0] == {
        "id": "7", "rows": 2, "first": "2024-01-01T06:00:00+00:00",
        "last": "2024-01-01T07:00:00+00:00",
    }  # fmt: skip
    dates = pa.table({"d": pa.array(_month_starts(1949, 3)).cast(pa.date32()), "y": [1, 2, 3]})
    monthly = _upload(client, "monthly", _parquet(dates), "m.parquet")
    assert monthly.status_code == 201, monthly.text
    assert monthly.json()["frequency"] == "MS" and monthly.json()["series"][0]["last"] == (
        "1949-03-01"
    )


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"y\n1\n2\n", "data.parquet", "is not a Parquet file"),
        (b"PAR1 not really PAR1", "data.bin", "not a readable Parquet file"),
        (pa.table({"y": ["a", "b"]}), "p.parquet", "column 'y': type string is not numeric"),
        (pa.table({"y": [1.0, None, 2.0]}), "p.parquet", "column 'y': 1 missing values"),
        (pa.table({"y": [1.0, float("nan")]}), "p.parquet", "column 'y', row 1: nan is not finite"),
        (pa.table({"y": [[1.0], [2.0]]}), "p.parquet", "is not numeric"),
        (pa.table({"y": [1.0]}), "p.parquet", "at least 2 rows"),
        (pa.table({"y": [1, 2], "ds": [1, 2]}), "p.parquet", "cannot hold timestamps"),
        (
            pa.table({"ds": ["2024-01-01", "2024-01-01"], "y": [1, 2]}),
            "p.parquet",
            "duplicate rows",
        ),
    ],
)
def test_bad_parquet_is_422(client, content, filename, expected):
    if isinstance(content, pa.Table):
        content = _parquet(content)
    response = client.post("/datasets", files={"file": (filename, content)})
    assert response.status_code == 422, response.text
    assert expected in _message(response)
    assert response.json()["detail"][0]["loc"] == ["body", "file"]


@pytest.mark.parametrize(
    ("csv", "expected"),
    [
        (
            "id,date,y\na,2024-01-01,1\nb,2024-01-01,2\na,2024-01-01,3\n",
            "1 duplicate rows: each (series, timestamp) pair may appear once; "
            "series 'a' at '2024-01-01'",
        ),
        (
            "date,y\n2024-01-02,1\n2024-01-02T00:00:00,2\n",
            "each timestamp may appear once; '2024-01-02T00:00:00'",
        ),
        ("date,y\n2024-01-01,1\n\n2025-01-01+1d,2\n", "line 4: timestamp '2025-01-01+1d' is not"),
        ("date,y\n2024-01-01,1\n2024-01-02T00:00Z,2\n", "line 3: timestamp '2024-01-02T00:00Z'"),
        ("series,date,y\na,2024-01-01,1\n,2024-01-02,2\n", "line 3: a series id is empty"),
    ],
)
def test_bad_timestamps_and_series_are_422(client, csv, expected):
    response = client.post("/datasets", files={"file": ("bad.csv", csv)})
    assert response.status_code == 422, response.text
    assert expected in _message(response)


def test_bad_json_series_is_422(client):
    base = {"name": "j", "columns": {"y": [1.0, 2.0, 3.0]}}
    short = client.post("/datasets", json={**base, "series": ["a", "b"]})
    assert short.status_code == 422 and "series has 2 entries for 3 rows" in _message(short)
    twice = {**base, "series": ["a", "a", "b"], "timestamps": ["2024-01-01"] * 3}
    duplicate = client.post("/datasets", json=twice)
    assert duplicate.status_code == 422
    assert duplicate.json()["detail"][0]["loc"] == ["body", "timestamps"]
    assert "series 'a' at '2024-01-01'" in _message(duplicate)


# --- training on many series -----------------------------------------------------------------


def test_every_series_must_fit_a_window(client):
    rows = [(s, d, float(i), 0.0) for s, n in (("long", 100), ("tiny", 30), ("mid", 32))
            for i, d in enumerate(_days("2024-01-01", n))]  # fmt: skip
    created = _upload(client, "one-short", _csv(rows))
    assert created.status_code == 201, created.text
    response = client.post(
        "/train",
        json={
            "model_name": "refused",
            "architecture": "gru",
            "dataset_id": created.json()["id"],
            "target_columns": ["y"],
            "input_length": 24,
            "horizon": 6,
        },
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "input_length"]
    assert "series 'tiny', the shortest (30 rows)" in detail["msg"]
    assert "2 of 3 series are shorter" in detail["msg"]
    needed = int(detail["msg"].split("needs at least ")[1].split()[0])
    enough, fewer = split_plan(needed, 24, 6, 0.2), split_plan(needed - 1, 24, 6, 0.2)
    assert enough.n_train_windows >= 1 and enough.n_val_windows >= 1
    assert fewer.n_train_windows < 1 or fewer.n_val_windows < 1
    assert client.get("/jobs", params={"model_name": "refused"}).json() == []


def test_train_on_three_series(client, pg_worker, pg_settings, long_dataset):
    job = train_and_wait(
        client,
        {
            "model_name": "three-series",
            "architecture": "gru",
            "dataset_id": long_dataset["id"],
            "target_columns": ["y"],
            "feature_columns": ["y", "x"],
            "input_length": 14,
            "horizon": 3,
            "quantiles": [0.9, 0.1],
            "hyperparameters": {
                "hidden_size": 8,
                "num_layers": 1,
                "epochs": 2,
                "normalization": "instance",
            },
        },
    )
    assert job["status"] == "succeeded", job["error"]
    assert job["spec"]["quantiles"] == [0.1, 0.5, 0.9]
    version = client.get("/models/three-series/versions/1").json()
    assert version["quantiles"] == [0.1, 0.5, 0.9]
    assert version["metrics"]["series_count"] == 3
    assert set(version["metrics"]["series"]) == {"north", "south", "east"}

    store = make_store(pg_settings)
    manifest = Manifest.from_json(store.get(manifest_uri_for(version["artifact_uri"])))
    assert manifest.frequency == "D"
    assert manifest.series == {s["id"]: s["last"] for s in long_dataset["series"]}
    assert manifest.quantiles == [0.1, 0.5, 0.9]
    assert manifest.normalization["mode"] == "instance"
    assert json.loads(manifest.to_json())["series"]["south"] == "2024-02-25"
