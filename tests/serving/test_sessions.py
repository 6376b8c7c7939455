"""SessionCache over a local artifact store holding the tiny real ONNX model: it loads and
serves it, refuses an artifact whose sha256 is not the registry's, and stays within its bounds."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from concurrent.futures import Executor
from pathlib import Path

import numpy as np
import pytest

from app.artifacts import ArtifactNotFound, ArtifactStore
from app.contract import MANIFEST_FILENAME, manifest_uri_for, model_artifact_key
from app.serving.batcher import BatchConfig
from app.serving.sessions import CPU, ArtifactCorrupt, SessionCache
from tests.support.tiny_model import (
    expected_forecast,
    expected_quantiles,
    store_model,
    window_model,
)

BIG = 1 << 30


def cache(store: ArtifactStore, executor: Executor, **overrides) -> SessionCache:
    options = {
        "max_sessions": 4,
        "max_bytes": BIG,
        "device": "cpu",
        "intra_op_threads": 1,
        "batch_config": BatchConfig(),
        **overrides,
    }
    return SessionCache(store, executor, **options)


def inputs(rows: int = 3, length: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(5, 2, size=(rows, length, 2)).astype(np.float32)


class CountingStore(ArtifactStore):
    def __init__(self, root: str) -> None:
        super().__init__(root)
        self.reads: list[str] = []
        self._reads_lock = threading.Lock()

    def get(self, uri_or_key: str) -> bytes:
        with self._reads_lock:
            self.reads.append(uri_or_key)
        return super().get(uri_or_key)


def test_loads_the_tiny_model_and_serves_it_through_its_batcher(store, executor):
    stored = store_model(store, horizon=3)
    sessions = cache(store, executor)

    served = sessions.get(stored.key)

    assert served.provider == CPU
    assert served.size_bytes == len(stored.onnx)
    assert served.key == stored.key
    assert served.info.quantiles == () and served.info.output_names == ["forecast"]
    assert sessions.get(stored.key) is served  # cached: not loaded twice
    assert sessions.peek(stored.key.id) is served
    assert len(sessions) == 1 and sessions.bytes_loaded == len(stored.onnx)
    batch = inputs()
    forecast = served.info.unpack(asyncio.run(served.batcher.predict(batch)))
    np.testing.assert_allclose(forecast.point, expected_forecast(batch, 3), rtol=1e-6)
    assert forecast.quantiles is None


def test_a_quantile_model_packs_and_unpacks_both_outputs(store, executor):
    levels = (0.1, 0.5, 0.9)
    stored = store_model(store, horizon=2, quantiles=levels)
    served = cache(store, executor).get(stored.key)

    assert served.info.quantiles == levels
    assert served.info.output_names == ["forecast", "quantiles"]
    batch = inputs(rows=2)
    forecast = served.info.unpack(asyncio.run(served.batcher.predict(batch)))
    np.testing.assert_allclose(forecast.point, expected_forecast(batch, 2), rtol=1e-6)
    assert forecast.quantiles is not None
    np.testing.assert_allclose(forecast.quantiles, expected_quantiles(batch, 2, levels), rtol=1e-6)


def test_a_sha256_mismatch_is_refused_and_nothing_is_cached(store, executor):
    stored = store_model(store)
    sessions = cache(store, executor)
    wrong = dataclasses.replace(stored.key, sha256="0" * 64)

    with pytest.raises(ArtifactCorrupt) as refused:
        sessions.get(wrong)

    assert refused.value.status_code == 500
    assert "0" * 64 in refused.value.message and stored.key.sha256 in refused.value.message
    assert len(sessions) == 0 and sessions.peek(stored.key.id) is None
    # The right sha256 still loads it: the refusal left no half-loaded state behind.
    assert sessions.get(stored.key).key == stored.key


def test_an_artifact_changed_on_disk_is_refused(store, executor):
    stored = store_model(store)
    Path(stored.uri.removeprefix("file://")).write_bytes(window_model(2, horizon=5))
    with pytest.raises(ArtifactCorrupt, match="refusing to load"):
        cache(store, executor).get(stored.key)


def test_a_manifest_that_contradicts_the_graph_is_refused(store, executor):
    stored = store_model(store, quantiles=(0.1, 0.5, 0.9))
    manifest = dataclasses.replace(stored.manifest, quantiles=[])
    store.put(f"{model_artifact_key('tiny', 'job-1')}/{MANIFEST_FILENAME}", manifest.to_json())
    assert manifest_uri_for(stored.uri) == store.uri(f"models/tiny/job-1/{MANIFEST_FILENAME}")
    with pytest.raises(ArtifactCorrupt, match="quantiles"):
        cache(store, executor).get(stored.key)


def test_a_missing_artifact_is_artifact_not_found(store, executor):
    stored = store_model(store)
    Path(stored.uri.removeprefix("file://")).unlink()
    with pytest.raises(ArtifactNotFound):
        cache(store, executor).get(stored.key)


def test_bounded_by_count_evicting_the_least_recently_used(store, executor):
    keys = [store_model(store, job_id=f"job-{i}", version_id=i, version=i).key for i in (1, 2, 3)]
    sessions = cache(store, executor, max_sessions=2)

    first = sessions.get(keys[0])
    sessions.get(keys[1])
    assert sessions.peek(keys[0].id) is first  # used again: now the most recent
    sessions.get(keys[2])

    assert len(sessions) == 2
    assert sessions.peek(keys[1].id) is None  # the least recently used went
    assert {m.key.id for m in sessions.loaded()} == {keys[0].id, keys[2].id}
    # The evicted version loads again on its next use, evicting the next least recent.
    assert sessions.get(keys[1]).key == keys[1]
    assert sessions.peek(keys[0].id) is None
    assert len(sessions) == 2


def test_bounded_by_bytes_but_always_keeps_the_one_just_loaded(store, executor):
    keys = [store_model(store, job_id=f"job-{i}", version_id=i).key for i in (1, 2)]
    size = len(store.get(keys[0].artifact_uri))
    sessions = cache(store, executor, max_bytes=size + size // 2)
    sessions.get(keys[0])
    sessions.get(keys[1])
    assert [m.key.id for m in sessions.loaded()] == [keys[1].id]

    tiny_budget = cache(store, executor, max_bytes=1)  # smaller than any model
    assert tiny_budget.get(keys[0]).key == keys[0]
    assert len(tiny_budget) == 1


def test_unload_drops_only_the_cache_reference(store, executor):
    stored = store_model(store)
    sessions = cache(store, executor)
    served = sessions.get(stored.key)
    assert sessions.unload(stored.key.id) is True
    assert sessions.unload(stored.key.id) is False
    assert len(sessions) == 0
    batch = inputs(rows=1)
    result = asyncio.run(served.batcher.predict(batch))
    np.testing.assert_allclose(result, expected_forecast(batch, 3), rtol=1e-6)


def test_concurrent_first_requests_load_a_version_once(tmp_path, executor):
    counting = CountingStore(str(tmp_path / "artifacts"))
    stored = store_model(counting)
    counting.reads.clear()
    sessions = cache(counting, executor)
    barrier = threading.Barrier(8)
    got = []

    def load() -> None:
        barrier.wait(timeout=5)
        got.append(sessions.get(stored.key))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert len(got) == 8 and all(served is got[0] for served in got)
    assert counting.reads.count(stored.uri) == 1  # the model file was read once
