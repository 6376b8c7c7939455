"""The artifact store (app/artifacts.py) on a local folder and on S3: moto's S3 server on
loopback stands in for AWS. The end-to-end test runs an API and a real worker process that share
no disk: the model travels through the bucket."""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer

from app.artifacts import ArtifactNotFound, ArtifactStore, make_store
from app.config import Settings
from app.main import create_app
from tests.support.data import seasonal_series
from tests.support.private_services import free_port
from tests.support.servers import REDIS_URL
from tests.support.stack import start_worker, wait_for_job

BUCKET = "seqcast-test"
BAD_KEYS = ["", ".", "..", "../x", "a/../../x", "/etc/passwd", "a\\b"]


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    """moto's S3 server on a free loopback port, with fake AWS credentials in the environment
    (inherited by the worker processes, as real ones would be)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            env.delenv(name, raising=False)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        url = f"http://127.0.0.1:{port}"
        boto3.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)
        yield url
        server.stop()


def bucket_keys(s3_url: str, prefix: str) -> set[str]:
    listing = boto3.client("s3", endpoint_url=s3_url).list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return {item["Key"] for item in listing.get("Contents", [])}


def check_store(store: ArtifactStore) -> None:
    """The interface, the same on every backend."""
    uri = store.put("models/m/job/model.onnx", b"first")
    assert uri == store.uri("models/m/job/model.onnx")
    assert store.put("models/m/job/model.onnx", b"second") == uri  # a retried write replaces
    assert store.get(uri) == store.get("models/m/job/model.onnx") == b"second"
    assert store.exists(uri) and store.exists("models/m/job/model.onnx")
    assert not store.exists("models/m/job") and not store.exists("models/other")
    store.delete(uri)
    store.delete(uri)  # missing is fine
    assert not store.exists(uri)
    with pytest.raises(ArtifactNotFound, match="missing from the store"):
        store.get(uri)
    for key in BAD_KEYS:
        with pytest.raises(ValueError, match="escapes the store"):
            store.put(key, b"x")
        with pytest.raises(ValueError, match="escapes the store"):
            store.uri(key)
    with pytest.raises(ValueError, match="unsupported artifact URI"):
        store.get("http://example.com/x")
    # Files too big for memory (forecast results): stored from disk, read back in pieces.
    with tempfile.NamedTemporaryFile() as source:
        source.write(b"0123456789" * 1000)
        source.flush()
        uri = store.put_file("forecasts/f/result.csv", source.name)
    assert uri == store.uri("forecasts/f/result.csv")
    with store.open(uri) as reader:
        assert reader.read(10) == b"0123456789"
        reader.seek(9_995)
        assert reader.read() == b"56789"
    store.delete(uri)
    with pytest.raises(ArtifactNotFound, match="missing from the store"):
        store.open(uri)


def test_local_store(tmp_path: Path):
    root = tmp_path / "with space"
    store = make_store(Settings(data_dir=tmp_path, artifact_root=root))
    check_store(store)
    uri = store.put("a/b.bin", b"payload")
    assert uri.startswith("file://") and uri == (root / "a" / "b.bin").as_uri()
    assert "%20" in uri and store.get(uri) == b"payload"  # percent-encoded URIs read back
    assert [p.name for p in (root / "a").iterdir()] == ["b.bin"]  # no temp file left behind
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(ValueError, match="escapes the store"):
        store.put("link/outside.bin", b"x")
    assert ArtifactStore(uri.rsplit("/", 2)[0]).get("a/b.bin") == b"payload"  # a file:// root


def test_settings_artifact_root(tmp_path: Path):
    assert Settings(data_dir=tmp_path).artifact_root == str(tmp_path.resolve() / "artifacts")
    assert Settings(data_dir=tmp_path, artifact_root=tmp_path / "x").artifact_root == str(
        tmp_path.resolve() / "x"
    )
    assert Settings(data_dir=tmp_path, artifact_root="s3://b/p/").artifact_root == "s3://b/p"
    for bad in ("s3://", "gs://bucket/x"):
        with pytest.raises(ValueError, match="SEQCAST_ARTIFACT_ROOT"):
            Settings(data_dir=tmp_path, artifact_root=bad)


def test_s3_store(s3_url: str, tmp_path: Path):
    prefix = f"unit-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        data_dir=tmp_path, artifact_root=f"s3://{BUCKET}/{prefix}", s3_endpoint_url=s3_url
    )
    store = make_store(settings)
    check_store(store)
    uri = store.put("datasets/abc.npz", b"values")
    assert uri == f"s3://{BUCKET}/{prefix}/datasets/abc.npz"
    assert bucket_keys(s3_url, prefix) == {f"{prefix}/datasets/abc.npz"}
    # A store rooted elsewhere (or a local one) still reads a recorded s3:// URI.
    other = ArtifactStore(f"s3://{BUCKET}/elsewhere", s3_endpoint_url=s3_url)
    assert other.get(uri) == b"values"
    local = ArtifactStore(tmp_path / "local", s3_endpoint_url=s3_url)
    assert local.get(uri) == b"values" and local.exists(uri)
    assert not list(tmp_path.rglob("*.npz"))


def test_api_and_worker_share_no_disk(
    s3_url: str, pg_url: str, auth_headers: dict[str, str], tmp_path: Path
):
    """upload → train on a real worker → predict, with the artifacts only in the bucket."""
    prefix = f"e2e-{uuid.uuid4().hex[:8]}"
    common = dict(
        database_url=pg_url,
        broker_url=REDIS_URL,
        artifact_root=f"s3://{BUCKET}/{prefix}",
        s3_endpoint_url=s3_url,
        task_queue=f"seqcast-s3-{uuid.uuid4().hex[:8]}",
        reconcile_interval_seconds=0,
    )
    api_dir, worker_dir = tmp_path / "api", tmp_path / "worker"
    api_settings = Settings(data_dir=api_dir, **common)
    worker_settings = Settings(data_dir=worker_dir, **common)
    worker = start_worker(worker_settings, tmp_path / "worker.log")
    try:
        with TestClient(create_app(api_settings), headers=auth_headers) as client:
            dataset = client.post(
                "/datasets", json={"name": "s3-series", "columns": seasonal_series(200)}
            )
            assert dataset.status_code == 201, dataset.text
            assert [k for k in bucket_keys(s3_url, prefix) if "/datasets/" in k]
            name = f"s3-gru-{uuid.uuid4().hex[:6]}"
            response = client.post(
                "/train",
                json={
                    "model_name": name,
                    "architecture": "gru",
                    "dataset_id": dataset.json()["id"],
                    "target_columns": ["y"],
                    "input_length": 12,
                    "horizon": 3,
                    "hyperparameters": {"hidden_size": 8, "num_layers": 1, "epochs": 2},
                },
            )
            assert response.status_code == 202, response.text
            job = wait_for_job(client, response.json()["id"], timeout=120)
            assert job["status"] == "succeeded", (job, worker.log.read_text()[-3000:])

            version = client.get(f"/models/{name}/versions/1").json()
            uri = version["artifact_uri"]
            assert uri.startswith(f"s3://{BUCKET}/{prefix}/") and uri.endswith("/model.onnx")
            keys = bucket_keys(s3_url, prefix)
            assert uri.removeprefix(f"s3://{BUCKET}/") in keys
            assert not [k for k in keys if "checkpoints/" in k]  # removed after success
            download = client.get(f"/models/{name}/versions/1/artifact")
            assert download.status_code == 200 and len(download.content) == version["size_bytes"]

            window = [[v] for v in seasonal_series(200)["y"][-12:]]
            predicted = client.post("/predict", json={"model": name, "inputs": [window]})
            assert predicted.status_code == 200, predicted.text
            assert len(predicted.json()["predictions"][0]) == 3

            assert client.delete(f"/models/{name}/versions/1").status_code == 204
            assert uri.removeprefix(f"s3://{BUCKET}/") not in bucket_keys(s3_url, prefix)
    finally:
        worker.stop()
    for folder in (api_dir, worker_dir):  # neither side wrote an artifact to its own disk
        assert not (folder / "artifacts").exists(), list(folder.rglob("*"))
