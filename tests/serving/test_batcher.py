"""AdaptiveBatcher on a real onnxruntime session of the tiny model: concurrent requests merge,
results split back per request, lengths never mix, the queue is bounded, a failed run fails only
its own batch, and reconfigure() takes effect."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnxruntime as ort
import pytest

from app.contract import INPUT_NAME, OUTPUT_NAME
from app.errors import InvalidInput
from app.serving.batcher import AdaptiveBatcher, BatchConfig, BatchFailed, QueueFull
from tests.support.tiny_model import expected_forecast, window_model

HORIZON = 3
N_FEATURES = 2


class Recorder:
    """The tiny model's run function, recording each batch's shape; `gate` (when cleared)
    holds every run until it is set, so requests pile up behind a running batch."""

    def __init__(self) -> None:
        self.session = ort.InferenceSession(
            window_model(N_FEATURES, HORIZON), providers=["CPUExecutionProvider"]
        )
        self.shapes: list[tuple[int, ...]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.started = threading.Event()
        self.poison: float | None = None

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        self.started.set()
        assert self.gate.wait(timeout=10), "the test never opened the gate"
        self.shapes.append(batch.shape)
        if self.poison is not None and (batch == self.poison).any():
            raise RuntimeError("poisoned batch")
        return self.session.run([OUTPUT_NAME], {INPUT_NAME: batch})[0]


class Sizes:
    def __init__(self) -> None:
        self.seen: list[float] = []

    def observe(self, amount: float) -> None:
        self.seen.append(amount)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def windows(rows: int, length: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(10, 3, size=(rows, length, N_FEATURES)).astype(np.float32)


async def wait_started(recorder: Recorder) -> None:
    """Until the executor has picked up a batch (the gate holds it there)."""
    deadline = time.monotonic() + 5
    while not recorder.started.is_set():
        assert time.monotonic() < deadline, "no batch started"
        await asyncio.sleep(0.005)


def test_concurrent_requests_merge_and_split_back(recorder, executor):
    sizes = Sizes()
    batcher = AdaptiveBatcher(
        recorder, executor, BatchConfig(max_batch_size=64), name="tiny v1", batch_sizes=sizes
    )
    requests = [windows(1 + i % 3, 5, seed=i) for i in range(30)]

    async def main() -> list[np.ndarray]:
        return await asyncio.gather(*(batcher.predict(r) for r in requests))

    results = asyncio.run(main())

    assert len(results) == len(requests)
    for inputs, result in zip(requests, results, strict=True):
        assert result.shape == (len(inputs), HORIZON, 1)
        np.testing.assert_allclose(result, expected_forecast(inputs, HORIZON), rtol=1e-6)
    assert batcher.batches_run < len(requests)
    assert batcher.rows_run == sum(len(r) for r in requests)
    assert any(shape[0] > 3 for shape in recorder.shapes), recorder.shapes  # really merged
    assert sizes.seen == [shape[0] for shape in recorder.shapes]
    assert batcher.queued_rows == 0 and batcher.inflight == 0


def test_an_idle_model_runs_a_lone_request_at_once(recorder, executor):
    batcher = AdaptiveBatcher(recorder, executor, BatchConfig())
    inputs = windows(2, 4, seed=1)
    result = asyncio.run(batcher.predict(inputs))
    np.testing.assert_allclose(result, expected_forecast(inputs, HORIZON), rtol=1e-6)
    assert recorder.shapes == [(2, 4, N_FEATURES)]


def test_different_lengths_never_share_a_batch(recorder, executor):
    batcher = AdaptiveBatcher(recorder, executor, BatchConfig(max_batch_size=64))
    requests = [windows(1, 4 if i % 2 else 6, seed=i) for i in range(20)]

    async def main() -> list[np.ndarray]:
        recorder.gate.clear()
        first = asyncio.ensure_future(batcher.predict(windows(1, 5, seed=99)))
        await wait_started(recorder)
        rest = [asyncio.ensure_future(batcher.predict(r)) for r in requests]
        await asyncio.sleep(0)
        recorder.gate.set()
        await first
        return await asyncio.gather(*rest)

    results = asyncio.run(main())

    for inputs, result in zip(requests, results, strict=True):
        np.testing.assert_allclose(result, expected_forecast(inputs, HORIZON), rtol=1e-6)
    lengths = [shape[1] for shape in recorder.shapes]
    assert lengths[0] == 5
    # Both queued groups ran, each as one batch of its own length.
    assert sorted(recorder.shapes[1:]) == [(10, 4, N_FEATURES), (10, 6, N_FEATURES)]


def test_a_full_queue_refuses_with_503_and_the_queued_requests_still_finish(recorder, executor):
    batcher = AdaptiveBatcher(recorder, executor, BatchConfig(max_queue_size=4), name="tiny v1")

    async def main() -> None:
        recorder.gate.clear()
        running = asyncio.ensure_future(batcher.predict(windows(1, 4, seed=0)))
        await wait_started(recorder)
        queued = [asyncio.ensure_future(batcher.predict(windows(2, 4, seed=i))) for i in (1, 2)]
        await asyncio.sleep(0)
        assert batcher.queued_rows == 4
        with pytest.raises(QueueFull) as refused:
            await batcher.predict(windows(1, 4, seed=3))
        assert refused.value.status_code == 503
        assert refused.value.headers == {"Retry-After": "5"}
        assert "tiny v1" in refused.value.message
        with pytest.raises(InvalidInput) as too_big:  # could never fit: a 422, not a retry
            await batcher.predict(windows(5, 4, seed=4))
        assert too_big.value.status_code == 422 and too_big.value.loc == ("body", "inputs")
        recorder.gate.set()
        await running
        for task in queued:
            assert (await task).shape == (2, HORIZON, 1)
        assert batcher.queued_rows == 0
        # Room again once the queue drained.
        assert (await batcher.predict(windows(4, 4, seed=5))).shape == (4, HORIZON, 1)

    asyncio.run(main())


def test_a_failing_run_fails_only_its_batch(recorder, executor):
    recorder.poison = 666.0
    batcher = AdaptiveBatcher(recorder, executor, BatchConfig(max_batch_size=64), name="tiny v1")
    bad = windows(1, 4, seed=1)
    bad[0, 0, 0] = recorder.poison
    same_batch = [windows(1, 4, seed=i) for i in (2, 3)]  # length 4: queued with the bad one
    other_batch = [windows(1, 6, seed=i) for i in (4, 5)]  # length 6: a batch of its own

    async def main() -> list:
        recorder.gate.clear()
        first = asyncio.ensure_future(batcher.predict(windows(1, 5, seed=0)))
        await wait_started(recorder)
        tasks = [
            asyncio.ensure_future(batcher.predict(r)) for r in [bad, *same_batch, *other_batch]
        ]
        await asyncio.sleep(0)
        recorder.gate.set()
        await first
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = asyncio.run(main())

    for failed in outcomes[:3]:
        assert isinstance(failed, BatchFailed), failed
        assert failed.status_code == 500
        assert "poisoned batch" in failed.message and "tiny v1" in failed.message
    for inputs, result in zip(other_batch, outcomes[3:], strict=True):
        assert isinstance(result, np.ndarray), result
        np.testing.assert_allclose(result, expected_forecast(inputs, HORIZON), rtol=1e-6)
    assert batcher.inflight == 0 and batcher.queued_rows == 0
    # The batcher keeps serving after a failure.
    inputs = windows(1, 4, seed=7)
    result = asyncio.run(batcher.predict(inputs))
    np.testing.assert_allclose(result, expected_forecast(inputs, HORIZON), rtol=1e-6)


def test_reconfigure_applies_to_the_next_batches(recorder, executor):
    batcher = AdaptiveBatcher(recorder, executor, BatchConfig(max_batch_size=64))
    unchanged = batcher.config
    batcher.reconfigure(BatchConfig(max_batch_size=64))
    assert batcher.config is unchanged  # an equal config is kept as is

    batcher.reconfigure(BatchConfig(max_batch_size=2, max_queue_size=6))
    requests = [windows(1, 4, seed=i) for i in range(6)]

    async def main() -> list[np.ndarray]:
        recorder.gate.clear()
        first = asyncio.ensure_future(batcher.predict(windows(1, 4, seed=99)))
        await wait_started(recorder)
        tasks = [asyncio.ensure_future(batcher.predict(r)) for r in requests]
        await asyncio.sleep(0)
        with pytest.raises(QueueFull):  # the new max_queue_size, 6 rows, is reached
            await batcher.predict(windows(1, 4, seed=100))
        recorder.gate.set()
        await first
        return await asyncio.gather(*tasks)

    results = asyncio.run(main())

    for inputs, result in zip(requests, results, strict=True):
        np.testing.assert_allclose(result, expected_forecast(inputs, HORIZON), rtol=1e-6)
    assert [shape[0] for shape in recorder.shapes] == [1, 2, 2, 2]


def test_queue_delay_lets_a_lone_request_wait_for_company(recorder, executor):
    batcher = AdaptiveBatcher(recorder, executor, BatchConfig(max_queue_delay_ms=300))
    early, late = windows(1, 4, seed=1), windows(2, 4, seed=2)

    async def main() -> list[np.ndarray]:
        first = asyncio.ensure_future(batcher.predict(early))
        await asyncio.sleep(0.02)  # well inside the 300 ms delay
        return await asyncio.gather(first, batcher.predict(late))

    started = time.monotonic()
    results = asyncio.run(main())
    elapsed = time.monotonic() - started

    assert recorder.shapes == [(3, 4, N_FEATURES)]
    assert batcher.batches_run == 1
    assert elapsed >= 0.25  # the timer, not the second request, dispatched the batch
    for inputs, result in zip([early, late], results, strict=True):
        np.testing.assert_allclose(result, expected_forecast(inputs, HORIZON), rtol=1e-6)


def test_a_full_batch_does_not_wait_for_the_delay(recorder, executor):
    batcher = AdaptiveBatcher(
        recorder, executor, BatchConfig(max_batch_size=4, max_queue_delay_ms=5000)
    )
    requests = [windows(1, 4, seed=i) for i in range(4)]

    async def main() -> list[np.ndarray]:
        return await asyncio.wait_for(
            asyncio.gather(*(batcher.predict(r) for r in requests)), timeout=2
        )

    asyncio.run(main())
    assert recorder.shapes == [(4, 4, N_FEATURES)]


def test_a_full_group_is_not_held_behind_a_younger_group_of_another_length(recorder, executor):
    batcher = AdaptiveBatcher(
        recorder, executor, BatchConfig(max_batch_size=4, max_queue_delay_ms=600)
    )

    async def main() -> float:
        lone = asyncio.ensure_future(batcher.predict(windows(1, 6, seed=0)))
        await asyncio.sleep(0.01)  # the length-6 group is now the oldest, and not full
        started = time.monotonic()
        await asyncio.gather(*(batcher.predict(windows(1, 4, seed=i)) for i in range(4)))
        waited = time.monotonic() - started
        await lone
        return waited

    waited = asyncio.run(main())
    # The module's contract: a group holding max_batch_size rows is dispatched at once.
    assert waited < 0.3, f"a full batch waited {waited:.2f} s for another length's delay"


def test_runs_happen_off_the_event_loop_thread(executor):
    threads: list[str] = []
    session = Recorder().session

    def run(batch: np.ndarray) -> np.ndarray:
        threads.append(threading.current_thread().name)
        return session.run([OUTPUT_NAME], {INPUT_NAME: batch})[0]

    batcher = AdaptiveBatcher(run, executor, BatchConfig())
    asyncio.run(batcher.predict(windows(1, 4, seed=0)))
    assert threads and all(name.startswith("ort-test") for name in threads)


def test_a_cancelled_request_is_skipped_but_its_batch_runs(recorder):
    with ThreadPoolExecutor(1) as pool:
        batcher = AdaptiveBatcher(recorder, pool, BatchConfig())
        kept = windows(1, 4, seed=2)

        async def main() -> np.ndarray:
            recorder.gate.clear()
            first = asyncio.ensure_future(batcher.predict(windows(1, 4, seed=0)))
            await wait_started(recorder)
            gone = asyncio.ensure_future(batcher.predict(windows(1, 4, seed=1)))
            stays = asyncio.ensure_future(batcher.predict(kept))
            await asyncio.sleep(0)
            gone.cancel()  # its client left while it was queued
            await asyncio.sleep(0)
            recorder.gate.set()
            await first
            return await stays

        result = asyncio.run(main())
    np.testing.assert_allclose(result, expected_forecast(kept, HORIZON), rtol=1e-6)
    assert [shape[0] for shape in recorder.shapes] == [1, 1]
