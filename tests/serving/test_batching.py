"""The adaptive batcher on a real onnxruntime session of a trained model: batched results equal
unbatched ones, lengths are grouped, a failed run fails only its batch, the queue is bounded."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from app.artifacts import make_store
from app.serving.batcher import AdaptiveBatcher, BatchConfig, BatchFailed, QueueFull
from app.serving.sessions import ServedModel, SessionCache, VersionKey


@pytest.fixture(scope="module")
def served(client, pg_settings, trained_lstm) -> ServedModel:
    ref = trained_lstm["model_version"]
    version = client.get(f"/models/{ref['model']}/versions/{ref['version']}").json()
    cache = SessionCache(
        make_store(pg_settings),
        ThreadPoolExecutor(2),
        max_sessions=2,
        max_bytes=1 << 30,
        device="cpu",
        intra_op_threads=1,
        batch_config=BatchConfig(),
    )
    return cache.get(VersionKey(0, version["artifact_uri"], version["sha256"], "shared-lstm"))


def _windows(lengths: list[int], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(10 + 3 * rng.standard_normal((1, n, 2))).astype(np.float32) for n in lengths]


def _direct(served: ServedModel, x: np.ndarray) -> np.ndarray:
    return served.session.run(None, {"inputs": x})[0]


def _batcher(served: ServedModel, run=None, **config) -> AdaptiveBatcher:
    run = run or (lambda x: _direct(served, x))
    return AdaptiveBatcher(run, ThreadPoolExecutor(2), BatchConfig(**config), name="test")


async def _burst(batcher: AdaptiveBatcher, windows: list[np.ndarray]) -> list:
    return await asyncio.gather(*(batcher.predict(w) for w in windows), return_exceptions=True)


def test_batched_equals_unbatched_with_mixed_lengths(served):
    windows = _windows([24, 12, 48, 24, 1, 12] * 10)
    batcher = _batcher(served, max_batch_size=16, max_queue_delay_ms=20)
    results = asyncio.run(_burst(batcher, windows))
    for window, got in zip(windows, results, strict=True):
        assert not isinstance(got, Exception), got
        # 1e-6 relative: at values near 10 a float32 step is ~1e-6, and onnxruntime's kernels
        # may round a row differently in a batch of another size.
        np.testing.assert_allclose(got, _direct(served, window), rtol=1e-6, atol=1e-6)
    assert batcher.rows_run == len(windows)
    assert batcher.batches_run < len(windows) / 4, batcher.batches_run  # it really batched


def test_lone_request_runs_without_waiting(served):
    batcher = _batcher(served)  # default: no queue delay
    (result,) = asyncio.run(_burst(batcher, _windows([24])))
    assert result.shape == (1, 6, 1) and batcher.batches_run == 1


def test_a_failed_run_fails_only_its_batch(served):
    def flaky(x: np.ndarray) -> np.ndarray:  # fault injection: onnxruntime failing on length 12
        if x.shape[1] == 12:
            raise RuntimeError("injected fault")
        return _direct(served, x)

    windows = _windows([24, 12, 24, 12, 48])
    results = asyncio.run(_burst(_batcher(served, run=flaky, max_queue_delay_ms=20), windows))
    for window, got in zip(windows, results, strict=True):
        if window.shape[1] == 12:
            assert isinstance(got, BatchFailed) and "injected fault" in got.message
        else:
            np.testing.assert_allclose(got, _direct(served, window), rtol=1e-6, atol=1e-6)


def test_queue_is_bounded(served):
    batcher = _batcher(served, max_queue_size=4, max_queue_delay_ms=100)
    results = asyncio.run(_burst(batcher, _windows([24] * 7)))
    refused = [r for r in results if isinstance(r, QueueFull)]
    assert len(refused) == 3 and all(r.status_code == 503 for r in refused)
    assert sum(isinstance(r, np.ndarray) for r in results) == 4
    assert batcher.queued_rows == 0
