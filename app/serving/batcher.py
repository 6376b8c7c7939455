"""Adaptive batching for one model version, in the manner of Triton's dynamic batcher and
MLServer's adaptive batcher, without a polling loop.

Requests queue by window length (windows of different lengths cannot share a tensor). A batch is
dispatched as soon as a run slot is free and either its length group holds `max_batch_size` rows
or its oldest request has waited `max_queue_delay_ms`. With the default delay of 0, an idle
model runs a lone request at once (no added latency), while under load requests pile up behind
the running batch and leave together: the batch size adapts to the load. Results are split back
to their requests; a failed run fails only the requests in that batch. The queue is bounded: past
`max_queue_size` rows the request is refused (503) instead of waiting without bound.

A request may carry extra inputs beside its windows (a version with covariates: the known-future
values, calendar and static features, each [rows, ...]): they are concatenated along the batch
axis with the windows and passed to the run after them. A request without them stays one array,
and that path is unchanged.

Dispatch is deferred to the end of the event loop's current turn (`call_soon`), so requests
that arrive together leave together even when a run slot is free. A batch whose measured cost
(`RunCost`, timed per version at warm-up) is at most `max_inline_run_ms` runs inline on the
event loop: for a small recurrent model a batch-1 run costs ~30 µs, while handing it to a
thread and waking the loop back costs several times that on a small VM. Larger batches, and
every batch on CUDA, run on the executor.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np

from app.errors import InvalidInput, SeqcastError, ServiceUnavailable

log = logging.getLogger("seqcast.batcher")

Batch = TypeVar("Batch")


@dataclass(frozen=True)
class BatchConfig:
    max_batch_size: int = 64
    """Rows per run; a single request larger than this runs alone."""
    max_queue_delay_ms: float = 0.0
    """How long the oldest request may wait for company while a run slot is free."""
    max_queue_size: int = 2048
    """Rows queued (not yet running) before new requests are refused with 503."""
    max_concurrent_runs: int = 1
    """Batches of this model in onnxruntime at once."""
    max_inline_run_ms: float = 0.3
    """Batches expected to run in at most this long run on the event loop (0: never)."""


@dataclass(frozen=True, slots=True)
class RunCost:
    """A version's measured onnxruntime run time: `fixed + per_cell × rows × length` seconds."""

    fixed: float
    per_cell: float

    def seconds(self, rows: int, length: int) -> float:
        return self.fixed + self.per_cell * rows * length


def measure_line(
    run: Callable[[Batch], object],
    batch_of: Callable[[int], Batch],
    max_rows: int,
    cells_per_row: int = 1,
) -> tuple[float, float]:
    """(fixed, per_cell) seconds of `run` on `batch_of(rows)`, timed at 1 and `max_rows` rows
    (capped at 64; medians of 7 runs after one warm-up each), as a line in rows × cells_per_row:
    the measurement behind every RunCost."""
    timings = []
    for rows in (1, max(2, min(max_rows, 64))):
        batch = batch_of(rows)
        run(batch)
        runs = []
        for _ in range(7):
            start = time.perf_counter()
            run(batch)
            runs.append(time.perf_counter() - start)
        timings.append((rows * cells_per_row, sorted(runs)[len(runs) // 2]))
    (small, t_small), (large, t_large) = timings
    per_cell = max(0.0, (t_large - t_small) / (large - small))
    return max(0.0, t_small - per_cell * small), per_cell


class Observer(Protocol):
    """A histogram (child) to record batch sizes in, e.g. app.metrics.BATCH_SIZE.labels(...)."""

    def observe(self, amount: float) -> None: ...


class QueueFull(ServiceUnavailable):
    pass


class BatchFailed(SeqcastError):
    """onnxruntime failed on a batch: a server-side fault, reported to that batch only."""


@dataclass(slots=True)
class _Request:
    inputs: np.ndarray
    future: asyncio.Future[np.ndarray]
    enqueued: float
    extras: tuple[np.ndarray, ...] = ()
    """The request's other graph inputs, each with `len(inputs)` rows (empty: none)."""


class AdaptiveBatcher:
    def __init__(
        self,
        run: Callable[..., np.ndarray],
        executor: Executor,
        config: BatchConfig,
        name: str = "",
        batch_sizes: Observer | None = None,
        cost: RunCost | None = None,
    ) -> None:
        self._run = run
        self._executor = executor
        self.config = config
        self.name = name
        self._batch_sizes = batch_sizes
        self.cost = cost
        """None: unmeasured (or CUDA), so every batch runs on the executor."""
        self._groups: dict[int, deque[_Request]] = {}
        self._queued_rows = 0
        self._inflight = 0
        self._timer: asyncio.TimerHandle | None = None
        self._scheduled = False
        self.batches_run = 0
        self.rows_run = 0
        self.inline_runs = 0

    def reconfigure(self, config: BatchConfig) -> None:
        """Take the model's current settings (PUT /models/{name}/serving); queued requests stay."""
        if config != self.config:
            self.config = config

    @property
    def queued_rows(self) -> int:
        return self._queued_rows

    @property
    def inflight(self) -> int:
        return self._inflight

    async def predict(self, inputs: np.ndarray, extras: tuple[np.ndarray, ...] = ()) -> np.ndarray:
        """Forecast for `inputs` [batch, length, features] (and `extras`, each [batch, ...], the
        version's other graph inputs); waits for its share of a batch."""
        rows = inputs.shape[0]
        if rows > self.config.max_queue_size:
            raise InvalidInput(
                "inputs",
                f"batch of {rows} windows exceeds model {self.name}'s max_queue_size "
                f"({self.config.max_queue_size}); split it",
            )
        if self._queued_rows + rows > self.config.max_queue_size:
            raise QueueFull(
                f"model {self.name} has {self._queued_rows} rows queued "
                f"(max_queue_size {self.config.max_queue_size}); retry shortly"
            )
        loop = asyncio.get_running_loop()
        request = _Request(inputs, loop.create_future(), time.monotonic(), extras)
        self._groups.setdefault(inputs.shape[1], deque()).append(request)
        self._queued_rows += rows
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._dispatch)
        return await request.future

    def _dispatch(self) -> None:
        """Start every batch that may start now; arm a timer for one that must wait."""
        self._scheduled = False
        while self._inflight < self.config.max_concurrent_runs and self._queued_rows:
            ready = self._ready_group()
            if isinstance(ready, float):  # nothing may leave yet: wake up when the oldest may
                if self._timer is None:
                    self._timer = asyncio.get_running_loop().call_later(ready, self._on_timer)
                return
            self._start(self._take(*ready))

    def _ready_group(self) -> tuple[int, deque[_Request]] | float:
        """The oldest group that may leave now (full, or its oldest request has waited long
        enough), or the seconds until the first one may: a full group of one length never
        waits behind a younger, half-empty group of another."""
        delay = self.config.max_queue_delay_ms / 1000
        now = time.monotonic()
        soonest = delay
        for length, group in sorted(self._groups.items(), key=lambda kv: kv[1][0].enqueued):
            wait = delay - (now - group[0].enqueued)
            if wait <= 0 or sum(r.inputs.shape[0] for r in group) >= self.config.max_batch_size:
                return length, group
            soonest = min(soonest, wait)
        return soonest

    def _on_timer(self) -> None:
        self._timer = None
        self._dispatch()

    def _take(self, length: int, group: deque[_Request]) -> list[_Request]:
        batch = [group.popleft()]
        rows = batch[0].inputs.shape[0]
        while group and rows + group[0].inputs.shape[0] <= self.config.max_batch_size:
            batch.append(group.popleft())
            rows += batch[-1].inputs.shape[0]
        if not group:
            del self._groups[length]
        self._queued_rows -= rows
        return batch

    def _start(self, batch: list[_Request]) -> None:
        """Run one batch inline when it is cheap, else hand it to the executor; a done-callback
        (not a task) splits the result, which saves a coroutine and a scheduling round per
        batch on the hot path."""
        live = [r for r in batch if not r.future.done()]  # skip requests whose client left
        if not live:
            return
        inputs = live[0].inputs if len(live) == 1 else np.concatenate([r.inputs for r in live])
        extras = live[0].extras
        if extras and len(live) > 1:  # every request of a version carries the same inputs
            extras = tuple(np.concatenate([r.extras[i] for r in live]) for i in range(len(extras)))
        if self._batch_sizes is not None:
            self._batch_sizes.observe(len(inputs))
        budget = self.config.max_inline_run_ms / 1000
        if self.cost is not None and self.cost.seconds(*inputs.shape[:2]) <= budget:
            self.inline_runs += 1
            try:
                outputs = self._run(inputs, *extras)
            except Exception as exc:
                self._settle(live, len(inputs), None, exc)
            else:
                self._settle(live, len(inputs), outputs, None)
            return
        self._inflight += 1
        loop = asyncio.get_running_loop()
        running = loop.run_in_executor(self._executor, self._run, inputs, *extras)
        running.add_done_callback(lambda done: self._finish(live, len(inputs), done))

    def _finish(self, live: list[_Request], rows: int, done: asyncio.Future[np.ndarray]) -> None:
        self._inflight -= 1
        try:
            exc = done.exception()
            self._settle(live, rows, None if exc else done.result(), exc)
        finally:
            self._dispatch()

    def _settle(
        self,
        live: list[_Request],
        rows: int,
        outputs: np.ndarray | None,
        exc: BaseException | None,
    ) -> None:
        """Split a batch's outputs back to its requests, or fail them all."""
        if exc is not None or outputs is None:
            log.error("batch of %d rows failed on model %s: %s", rows, self.name, exc)
            error = BatchFailed(f"inference failed on model {self.name}: {exc}")
            for r in live:
                if not r.future.done():
                    r.future.set_exception(error)
            return
        self.batches_run += 1
        self.rows_run += rows
        start = 0
        for r in live:
            end = start + r.inputs.shape[0]
            if not r.future.done():
                r.future.set_result(outputs[start:end])
            start = end
