"""Per-key limits (issue 13).

Quotas: queued + running jobs, datasets (count and bytes) and live streams per API key, each
answered past its limit with a 429 and Retry-After, in seqcast's shape and in the Open Inference
Protocol's; another key is never affected. Small quotas are set in Settings; the jobs go to a
queue no worker reads, so they stay queued (a job counts while queued).

Ownership: streams and OIP sequences belong to the key that created them; another key cannot
read, observe, replace or delete them, and gets 404 as for an id never used (it cannot even
learn that the id is taken). A tiny registered ONNX model serves the streams.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import numpy as np
import pytest
import redis
from fastapi.testclient import TestClient

from app.artifacts import make_store
from app.auth.service import Scope
from app.config import Settings
from app.contract import INPUT_NAME
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.migrate import upgrade
from app.serving.stream_state import MemoryStreamStore, RedisStreamStore, StreamRecord
from app.training.models import TrainingJob
from app.training.schemas import Hyperparameters, JobSpec
from tests.support.keys import make_key
from tests.support.registry_db import register
from tests.support.servers import REDIS_URL
from tests.support.tiny_model import store_model

RETRY_AFTER = 7
QUOTAS = {
    "max_jobs_per_key": 2,
    "max_datasets_per_key": 2,
    "max_dataset_bytes_per_key": 20_000,
    "max_streams_per_key": 2,
    "quota_retry_after_seconds": RETRY_AFTER,
}


@pytest.fixture(scope="module")
def quota_settings(pg_settings: Settings) -> Iterator[Settings]:
    settings = pg_settings.model_copy(
        update={
            **QUOTAS,
            "task_queue": f"seqcast-quota-{uuid.uuid4().hex[:8]}",  # no worker reads it
            "reconcile_interval_seconds": 0,
        }
    )
    yield settings
    broker = redis.Redis.from_url(REDIS_URL)
    for key in broker.scan_iter(f"{settings.task_queue}*"):
        broker.delete(key)
    broker.close()


@pytest.fixture(scope="module")
def app_client(quota_settings: Settings) -> Iterator[TestClient]:
    """The app with small quotas; each test sends its own keys' headers."""
    with TestClient(create_app(quota_settings)) as client:
        yield client


def key_headers(settings: Settings) -> dict[str, str]:
    """A fresh key (train + predict): its own quotas, untouched by the other tests."""
    key = make_key(settings, Scope.train, Scope.predict, name=f"quota-{uuid.uuid4().hex[:6]}")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def tiny(quota_settings: Settings) -> str:
    """A registered tiny ONNX window model (features y, x; input_length 4; horizon 3): streams
    need a version, not a trained one."""
    name = f"quota-tiny-{uuid.uuid4().hex[:6]}"
    stored = store_model(make_store(quota_settings), model=name, job_id=uuid.uuid4().hex)
    engine = make_engine(quota_settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            version = register(session, name, stored)
            # the session's database is shared: its job must read like a real one (GET /jobs)
            job = session.get(TrainingJob, version.job_id)
            job.spec = JobSpec(
                target_columns=["y"],
                feature_columns=["y", "x"],
                input_length=4,
                horizon=3,
                validation_fraction=0.2,
                season_length=None,
                hyperparameters=Hyperparameters(),
            ).model_dump()
            session.commit()
    finally:
        engine.dispose()
    return name


def assert_over_quota(response, setting: str, retry_after: int | None = RETRY_AFTER) -> str:
    assert response.status_code == 429, response.text
    if retry_after is not None:
        assert response.headers["retry-after"] == str(retry_after)
    else:
        assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    message = body["detail"] if "detail" in body else body["error"]  # seqcast / OIP shape
    assert setting in message, message
    return message


def _series(n: int) -> dict:
    return {"y": [float(i % 17) for i in range(n)]}


def test_job_quota_counts_queued_jobs_of_one_key(app_client, dataset):
    a, b = key_headers(app_client.app.state.settings), key_headers(app_client.app.state.settings)
    body = {
        "model_name": f"quota-jobs-{uuid.uuid4().hex[:6]}",
        "architecture": "gru",
        "dataset_id": dataset["id"],
        "target_columns": ["y"],
        "horizon": 6,
    }
    queued = []
    try:
        for i in range(2):
            response = app_client.post(
                "/train", json=body, headers={**a, "Idempotency-Key": f"{i}"}
            )
            assert response.status_code == 202, response.text
            queued.append(response.json()["id"])

        over = app_client.post("/train", json=body, headers=a)
        assert_over_quota(over, "SEQCAST_MAX_JOBS_PER_KEY=2")
        backtest = app_client.post("/backtest", json={"model": "whatever"}, headers=a)
        assert_over_quota(backtest, "SEQCAST_MAX_JOBS_PER_KEY=2")  # backtests share the quota
        forecast = app_client.post("/forecasts", json={"model": "x", "dataset_id": "y"}, headers=a)
        assert_over_quota(forecast, "SEQCAST_MAX_JOBS_PER_KEY=2")  # and forecasts
        retried = app_client.post("/train", json=body, headers={**a, "Idempotency-Key": "0"})
        assert retried.status_code == 202 and retried.json()["id"] == queued[0]  # not a new job

        other = app_client.post("/train", json=body, headers=b)  # another key: its own quota
        assert other.status_code == 202, other.text
        queued.append(other.json()["id"])

        cancelled = app_client.post(f"/jobs/{queued[0]}/cancel", headers=a)
        assert cancelled.json()["status"] == "cancelled"
        again = app_client.post("/train", json=body, headers=a)  # a finished job frees its slot
        assert again.status_code == 202, again.text
        queued.append(again.json()["id"])
    finally:
        for job_id in queued:
            app_client.post(f"/jobs/{job_id}/cancel", headers=a)


def test_dataset_count_quota_refuses_uploads_and_inline_data(app_client):
    a, b = key_headers(app_client.app.state.settings), key_headers(app_client.app.state.settings)
    for i in range(2):
        created = app_client.post(
            "/datasets", json={"name": f"count-{i}", "columns": _series(10)}, headers=a
        )
        assert created.status_code == 201, created.text

    over = app_client.post("/datasets", json={"name": "third", "columns": _series(10)}, headers=a)
    assert_over_quota(over, "SEQCAST_MAX_DATASETS_PER_KEY=2")
    csv = app_client.post("/datasets", files={"file": ("third.csv", b"y\n1\n2\n3\n")}, headers=a)
    assert_over_quota(csv, "SEQCAST_MAX_DATASETS_PER_KEY=2")  # refused before it is read
    inline = app_client.post(
        "/train",
        json={
            "model_name": "quota-inline",
            "architecture": "rnn",
            "data": {"columns": _series(200)},
            "horizon": 4,
        },
        headers=a,
    )
    assert_over_quota(inline, "SEQCAST_MAX_DATASETS_PER_KEY=2")  # inline data is a dataset

    mine = app_client.post("/datasets", json={"name": "b", "columns": _series(10)}, headers=b)
    assert mine.status_code == 201, mine.text


def test_dataset_bytes_quota_counts_what_is_stored(app_client):
    """20,000 bytes per key: one 1,500-row dataset (12.5 kB stored) fits, a second does not, a
    small one still does."""
    a, b = key_headers(app_client.app.state.settings), key_headers(app_client.app.state.settings)
    first = app_client.post("/datasets", json={"name": "big", "columns": _series(1500)}, headers=a)
    assert first.status_code == 201, first.text

    over = app_client.post("/datasets", json={"name": "big2", "columns": _series(1500)}, headers=a)
    message = assert_over_quota(over, "SEQCAST_MAX_DATASET_BYTES_PER_KEY")
    assert "over its limit of 20,000" in message
    small = app_client.post("/datasets", json={"name": "s", "columns": _series(10)}, headers=a)
    assert small.status_code == 201, small.text
    other = app_client.post("/datasets", json={"name": "b", "columns": _series(1500)}, headers=b)
    assert other.status_code == 201, other.text


def _oip(tiny: str, rows: np.ndarray, sequence: str, **flags) -> tuple[str, dict]:
    return f"/v2/models/{tiny}/infer", {
        "inputs": [
            {
                "name": INPUT_NAME,
                "shape": [1, *rows.shape],
                "datatype": "FP32",
                "data": rows.ravel().tolist(),
            }
        ],
        "parameters": {"sequence_id": sequence, **flags},
    }


ROWS = np.arange(10, dtype=np.float32).reshape(5, 2)


def test_stream_quota_is_429_in_both_protocols_until_a_stream_goes(app_client, tiny):
    a, b = key_headers(app_client.app.state.settings), key_headers(app_client.app.state.settings)
    streams = []
    for _ in range(2):
        created = app_client.post("/streams", json={"model": tiny}, headers=a)
        assert created.status_code == 201, created.text
        streams.append(created.json()["id"])

    over = app_client.post("/streams", json={"model": tiny}, headers=a)
    assert_over_quota(over, "SEQCAST_MAX_STREAMS_PER_KEY=2", retry_after=None)
    # the oldest stream expires in about a day (the stream TTL): Retry-After says so
    assert 86_000 < int(over.headers["retry-after"]) <= 86_400
    path, body = _oip(tiny, ROWS, "s-1", sequence_start=True)
    oip = app_client.post(path, json=body, headers=a)
    assert_over_quota(oip, "SEQCAST_MAX_STREAMS_PER_KEY=2", retry_after=None)
    assert set(oip.json()) == {"error"}  # the OIP shape

    assert app_client.post("/streams", json={"model": tiny}, headers=b).status_code == 201
    assert app_client.delete(f"/streams/{streams[0]}", headers=a).status_code == 204
    started = app_client.post(path, json=body, headers=a)  # a slot is free again
    assert started.status_code == 200, started.text


def _record(stream_id: str, owner: str | None) -> StreamRecord:
    now = time.time()
    return StreamRecord(
        id=stream_id,
        incarnation="a",
        model="m",
        version=1,
        version_id=1,
        mode="window",
        observations=0,
        sequence=0,
        state=np.zeros((0, 2), np.float32),
        created_at=now,
        updated_at=now,
        owner=owner,
    )


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_both_stream_stores_count_live_streams_per_owner(kind):
    """At the limit a new id is refused with the time until the owner's first stream expires;
    replacing one's own id is not a new stream; owners do not see or count each other's; expiry
    and deletion free slots."""

    async def scenario() -> None:
        ttl = 0.6
        store = MemoryStreamStore(ttl) if kind == "memory" else RedisStreamStore(REDIS_URL, ttl)
        owner, other = (uuid.uuid4().hex[:16] for _ in range(2))
        ids = [f"quota-{uuid.uuid4().hex[:8]}" for _ in range(3)]
        try:
            assert await store.create(_record(ids[0], owner), 2) is None
            assert await store.create(_record(ids[1], owner), 2) is None
            wait = await store.create(_record(ids[2], owner), 2)
            assert wait is not None and 0 < wait <= ttl
            assert await store.get(ids[2], owner) is None
            assert await store.create(_record(ids[0], owner), 2) is None  # its own id: replaced
            assert await store.create(_record(ids[0], other), 2) is None  # another owner's
            assert await store.live(owner) == 2 and await store.live(other) == 1
            assert (await store.get(ids[0], owner)).owner == owner
            assert (await store.get(ids[0], other)).owner == other
            assert await store.get(ids[1], other) is None  # not its stream
            assert await store.delete(ids[1], other) is False
            assert await store.delete(ids[1], owner) is True
            assert await store.create(_record(ids[2], owner), 2) is None
            await asyncio.sleep(ttl + 0.1)
            assert await store.live(owner) == 0
            assert await store.create(_record(ids[1], owner), 2) is None
        finally:
            for stream_id in ids:
                await store.delete(stream_id, owner)
                await store.delete(stream_id, other)
            await store.close()

    asyncio.run(scenario())


def test_with_auth_off_every_request_shares_one_bucket(tmp_path):
    """A local install (SQLite, no keys): the quotas still apply, to everyone together."""
    settings = Settings(data_dir=tmp_path, max_datasets_per_key=1, reconcile_interval_seconds=0)
    upgrade(settings.database_url)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        first = client.post("/datasets", json={"name": "one", "columns": _series(10)})
        assert first.status_code == 201, first.text
        second = client.post("/datasets", json={"name": "two", "columns": _series(10)})
        assert_over_quota(second, "SEQCAST_MAX_DATASETS_PER_KEY=1", retry_after=30)


OWNED_ROWS = np.arange(20, dtype=np.float32).reshape(10, 2)


@pytest.fixture
def keys(app_client):
    settings = app_client.app.state.settings
    return key_headers(settings), key_headers(settings)


def test_another_key_cannot_read_observe_or_delete_a_stream(app_client, tiny, keys):
    a, b = keys
    created = app_client.post("/streams", json={"model": tiny}, headers=a)
    assert created.status_code == 201, created.text
    stream_id = created.json()["id"]
    observed = app_client.post(
        f"/streams/{stream_id}/observe", json={"values": OWNED_ROWS[:3].tolist()}, headers=a
    )
    assert observed.status_code == 200, observed.text

    never = f"never-{uuid.uuid4().hex}"
    for path in (stream_id, never):  # the same answer for a taken id and an unused one
        read = app_client.get(f"/streams/{path}", headers=b)
        assert read.status_code == 404
        assert read.json()["detail"] == (
            f"stream {path} has expired (streams idle for 86400 s are dropped), was deleted, "
            "or never existed"
        )
    observe = app_client.post(
        f"/streams/{stream_id}/observe", json={"values": [[1.0, 2.0]]}, headers=b
    )
    assert observe.status_code == 404, observe.text
    assert app_client.delete(f"/streams/{stream_id}", headers=b).status_code == 404

    mine = app_client.get(f"/streams/{stream_id}", headers=a)
    assert mine.status_code == 200 and mine.json()["observations"] == 3  # untouched
    assert app_client.delete(f"/streams/{stream_id}", headers=a).status_code == 204


def test_another_key_cannot_continue_replace_or_end_an_oip_sequence(app_client, tiny, keys):
    a, b = keys
    sequence = f"seq-{uuid.uuid4().hex[:8]}"
    stream_id = f"{tiny}:{sequence}"

    path, start = _oip(tiny, OWNED_ROWS[:4], sequence, sequence_start=True)
    assert app_client.post(path, json=start, headers=a).status_code == 200

    _, more = _oip(tiny, OWNED_ROWS[4:6], sequence)
    continued = app_client.post(path, json=more, headers=b)
    assert continued.status_code == 404
    assert "has not started or has expired" in continued.json()["error"]
    _, end = _oip(tiny, OWNED_ROWS[4:5], sequence, sequence_end=True)
    assert app_client.post(path, json=end, headers=b).status_code == 404
    assert app_client.get(f"/streams/{stream_id}", headers=b).status_code == 404

    # b's sequence_start of the same id starts b's own sequence; a's is not replaced
    _, b_start = _oip(tiny, OWNED_ROWS[:1], sequence, sequence_start=True)
    assert app_client.post(path, json=b_start, headers=b).status_code == 200
    assert app_client.get(f"/streams/{stream_id}", headers=b).json()["observations"] == 1
    assert app_client.get(f"/streams/{stream_id}", headers=a).json()["observations"] == 4
    assert app_client.post(path, json=end, headers=b).status_code == 200  # b ends its own

    assert app_client.post(path, json=more, headers=a).status_code == 200
    assert app_client.get(f"/streams/{stream_id}", headers=a).json()["observations"] == 6
    assert app_client.post(path, json=end, headers=a).status_code == 200
    assert app_client.get(f"/streams/{stream_id}", headers=a).status_code == 404
