"""Dataset limits are enforced while a file is read, not after (issue 13): a Parquet file by
its footer before it is decoded, a CSV header by its bytes, CSV rows as they stream; the stored
size is capped; CSV errors name physical lines."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from app.datasets import storage
from app.datasets.csv_parser import parse_csv
from app.datasets.parquet_parser import parse_parquet
from app.datasets.tables import Limits
from app.errors import InvalidInput
from app.main import create_app
from tests.support.memory import peak_growth

DEFAULTS = Limits(rows=1_000_000, columns=256, bytes=256 << 20)
MB = 1 << 20


def _refusal(call: Callable[[], object]) -> tuple[InvalidInput, float, int]:
    """The 422 `call` raises, its seconds, and how far resident memory rose above where it
    started, at its peak (tests/support/memory.py)."""
    with peak_growth() as grew:
        started = time.perf_counter()
        with pytest.raises(InvalidInput) as caught:
            call()
        seconds = time.perf_counter() - started
    return caught.value, seconds, grew.bytes


def _parquet(table: pa.Table, **kwargs) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **kwargs)
    return sink.getvalue()


def test_parquet_rows_are_refused_from_the_footer_before_decoding():
    data = _parquet(pa.table({"y": np.zeros(3_000_000)}), compression="zstd")
    assert len(data) < 64 << 10
    error, seconds, grew = _refusal(lambda: parse_parquet(data, None, DEFAULTS))
    assert error.loc == ("body", "file")
    assert "3000000 rows exceed the limit of 1000000" in error.message
    assert seconds < 1.0 and grew < 50 * MB, (seconds, grew)


def test_parquet_stored_size_is_refused_before_decoding():
    data = _parquet(pa.table({c: np.zeros(1_000_000) for c in "abcd"}), compression="zstd")
    limits = Limits(rows=1_000_000, columns=256, bytes=16 * MB)
    error, seconds, grew = _refusal(lambda: parse_parquet(data, None, limits))
    assert error.loc == ("body", "file")
    assert "at least 32000000 bytes stored, over the limit of 16777216" in error.message
    assert seconds < 1.0 and grew < 50 * MB, (seconds, grew)


def test_parquet_is_decoded_in_batches_with_global_row_numbers():
    y = np.arange(200_000, dtype=np.float64)
    y[150_000] = np.inf
    data = _parquet(pa.table({"y": y}), row_group_size=50_000)
    with pytest.raises(InvalidInput, match="column 'y', row 150000: inf is not finite"):
        parse_parquet(data, None, DEFAULTS)
    y[150_000] = 1.0
    table = parse_parquet(_parquet(pa.table({"y": y})), None, DEFAULTS)
    assert table.n_rows == 200_000 and table.values[199_999, 0] == 199_999.0


def test_csv_columns_are_counted_from_the_header_bytes():
    data = (",".join(f"c{i}" for i in range(1_000_000)) + "\n" + "1," * 999_999 + "1\n").encode()
    assert len(data) > 9 * MB
    error, seconds, grew = _refusal(lambda: parse_csv(data, None, DEFAULTS))
    assert error.loc == ("body", "file")
    assert "line 1: the header has 1000000 columns" in error.message
    assert seconds < 1.0 and grew < 50 * MB, (seconds, grew)


def test_csv_rows_are_capped_while_streaming():
    data = b"y\n" + b"0\n" * 3_000_000
    limits = Limits(rows=1000, columns=256, bytes=256 * MB)
    error, seconds, grew = _refusal(lambda: parse_csv(data, None, limits))
    assert error.loc == ("body", "file")
    assert "line 1002: more than 1000 rows" in error.message
    assert seconds < 1.0 and grew < 50 * MB, (seconds, grew)


@pytest.mark.parametrize(
    ("csv", "expected"),
    [
        ('y,x\n"1\n",2\n3,oops\n', "line 4, column 'x': 'oops' is not a number"),
        ('y,x\n"1\n\n",2\n3\n', "line 5: 1 fields, the header has 2"),
        ('date,y\n2024-01-01,"1\n"\n2024-01-02x,2\n', "line 4: timestamp '2024-01-02x'"),
    ],
)
def test_csv_errors_count_physical_lines(csv, expected):
    with pytest.raises(InvalidInput) as caught:
        parse_csv(csv.encode(), None, DEFAULTS)
    assert expected in caught.value.message


def test_encoded_size_bounds_the_stored_file():
    table = parse_csv(b"series,date,y,x\na,2024-01-01,1,2\nb,2024-01-01T00:00,3,4\n")
    exact = len(storage.encode(table))
    assert exact <= storage.encoded_size(table) <= exact + 4096


def test_oversized_uploads_are_422_and_store_nothing(pg_settings, auth_headers, tmp_path):
    root = tmp_path / "artifacts"
    settings = pg_settings.model_copy(
        update={"max_dataset_bytes": 16 * MB, "artifact_root": str(root)}
    )
    client = TestClient(create_app(settings), headers=auth_headers)
    zeros = _parquet(pa.table({c: np.zeros(1_000_000) for c in "abcd"}), compression="zstd")
    response = client.post("/datasets", files={"file": ("z.parquet", zeros)})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "file"]
    assert "SEQCAST_MAX_DATASET_BYTES" in response.text
    many = _parquet(pa.table({"y": np.zeros(3_000_000)}), compression="zstd")
    response = client.post("/datasets", files={"file": ("m.parquet", many)})
    assert response.status_code == 422 and "3000000 rows exceed" in response.text
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))
    fits = _parquet(pa.table({c: np.zeros(100_000) for c in "abcd"}), compression="zstd")
    response = client.post("/datasets", files={"file": ("fits.parquet", fits)})
    assert response.status_code == 201, response.text
    assert sum(p.is_file() for p in root.rglob("*")) == 1


def test_json_over_the_stored_size_is_422(pg_settings, auth_headers):
    settings = pg_settings.model_copy(update={"max_dataset_bytes": 4096})
    client = TestClient(create_app(settings), headers=auth_headers)
    response = client.post("/datasets", json={"name": "j", "columns": {"y": [1.0] * 600}})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "columns"]
    assert "over the limit of 4096" in response.text
