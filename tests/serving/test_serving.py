"""Serving under concurrency over real HTTP: backpressure and alias moves during a burst."""

from __future__ import annotations

import asyncio

import httpx
import numpy as np
import pytest

from tests.support.data import seasonal_series
from tests.support.stack import train_and_wait

WINDOW = np.column_stack([seasonal_series()["y"], seasonal_series()["x"]])[-24:].tolist()


@pytest.fixture(scope="module")
def two_versions(client, pg_worker, dataset) -> str:
    """A model with two versions, trained with different seeds."""
    for seed in (1, 2):
        job = train_and_wait(
            client,
            {
                "model_name": "flip",
                "architecture": "gru",
                "dataset_id": dataset["id"],
                "target_columns": ["y"],
                "feature_columns": ["y", "x"],
                "input_length": 24,
                "horizon": 6,
                "hyperparameters": {"hidden_size": 8, "num_layers": 1, "epochs": 2, "seed": seed},
            },
        )
        assert job["status"] == "succeeded", job["error"]
    return "flip"


async def _burst(
    url: str, bodies: list[dict], concurrency: int, headers: dict
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, limits=limits, timeout=30, headers=headers
    ) as client:
        return await asyncio.gather(*(client.post("/predict", json=b) for b in bodies))


def test_full_queue_answers_503_with_retry_after(client, live_url, two_versions, auth_headers):
    settings = {"max_queue_size": 3, "max_queue_delay_ms": 400, "max_batch_size": 64}
    assert client.put(f"/models/{two_versions}/serving", json=settings).status_code == 200
    try:
        body = {"model": two_versions, "version": 1, "inputs": [WINDOW]}
        responses = asyncio.run(_burst(live_url, [body] * 10, 10, auth_headers))
    finally:
        client.put(f"/models/{two_versions}/serving", json={})
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 3 + [503] * 7, codes
    refused = next(r for r in responses if r.status_code == 503)
    assert refused.headers["retry-after"] == "5"
    assert "max_queue_size 3" in refused.json()["detail"]
    assert client.get(f"/models/{two_versions}").json()["serving"]["max_queue_size"] is None


def test_alias_flip_during_a_burst_fails_no_request(client, live_url, two_versions, auth_headers):
    name = two_versions
    assert client.put(f"/models/{name}/aliases/live", json={"version": 1}).status_code == 200
    body = {"model": name, "alias": "live", "inputs": [WINDOW]}

    async def scenario() -> tuple[list[httpx.Response], list[httpx.Response]]:
        first = asyncio.create_task(_burst(live_url, [body] * 150, 16, auth_headers))
        await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=live_url, headers=auth_headers) as admin:
            flipped = await admin.put(f"/models/{name}/aliases/live", json={"version": 2})
            assert flipped.status_code == 200
        second = await _burst(live_url, [body] * 50, 16, auth_headers)
        return await first, second

    during, after = asyncio.run(scenario())
    assert [r.status_code for r in during + after] == [200] * 200
    assert {r.json()["version"] for r in after} == {2}
    assert {r.json()["version"] for r in during} <= {1, 2}
    one = client.post("/predict", json={**body, "alias": None, "version": 1}).json()
    two = client.post("/predict", json={**body, "alias": None, "version": 2}).json()
    assert one["predictions"] != two["predictions"]  # the flip really changed the model


def test_explicit_load_and_unload(client, two_versions):
    loaded = client.post(f"/models/{two_versions}/versions/1/load")
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["loaded"] is True and loaded.json()["provider"] == "CPUExecutionProvider"
    assert client.post(f"/models/{two_versions}/versions/1/unload").json()["loaded"] is False
    again = client.post("/predict", json={"model": two_versions, "version": 1, "inputs": [WINDOW]})
    assert again.status_code == 200  # loads again on first use
    assert client.post(f"/models/{two_versions}/versions/9/load").status_code == 404


def test_serving_settings_are_validated(client, two_versions):
    bad = client.put(f"/models/{two_versions}/serving", json={"max_batch_size": 0})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "max_batch_size"]
    assert client.put("/models/nope/serving", json={}).status_code == 404


def test_session_cache_is_bounded_by_count_and_bytes(client, pg_settings, two_versions):
    from concurrent.futures import ThreadPoolExecutor

    from app.artifacts import make_store
    from app.serving.batcher import BatchConfig
    from app.serving.sessions import SessionCache, VersionKey

    keys = []
    for number in (1, 2):
        v = client.get(f"/models/{two_versions}/versions/{number}").json()
        keys.append(VersionKey(number, v["artifact_uri"], v["sha256"], f"flip v{number}"))
        size = v["size_bytes"]

    def cache(**bounds) -> SessionCache:
        return SessionCache(
            make_store(pg_settings),
            ThreadPoolExecutor(1),
            device="cpu",
            intra_op_threads=1,
            batch_config=BatchConfig(),
            **bounds,
        )

    by_count = cache(max_sessions=1, max_bytes=1 << 30)
    by_count.get(keys[0])
    by_count.get(keys[1])
    assert [m.key.id for m in by_count.loaded()] == [2]
    by_bytes = cache(max_sessions=10, max_bytes=size + size // 2)  # room for one model only
    first = by_bytes.get(keys[0])
    by_bytes.get(keys[1])
    assert [m.key.id for m in by_bytes.loaded()] == [2] and by_bytes.bytes_loaded == size
    assert first.session.run(None, {"inputs": np.ones((1, 24, 2), np.float32)})  # still usable


def test_aliased_versions_are_preloaded_at_start_up(client, pg_settings, two_versions):
    from fastapi.testclient import TestClient

    from app.main import create_app

    assert (
        client.put(f"/models/{two_versions}/aliases/warm", json={"version": 2}).status_code == 200
    )
    app = create_app(pg_settings)
    assert len(app.state.dataplane.models.cache) == 0
    with TestClient(app):  # the lifespan runs the preload
        loaded = {m.key.label for m in app.state.dataplane.models.cache.loaded()}
    assert f"{two_versions} v2" in loaded
