"""The API process's garbage collector, set on purpose rather than switched off.

Under load the tail of /predict was the collector's: every request allocates a few dozen
containers (the decoded JSON lists, dicts, futures), so young collections run hundreds of
times a second, and every 100th of them is a full collection that walks every object the
process holds — FastAPI, pydantic, SQLAlchemy, numpy, onnxruntime, several hundred thousand
objects — for tens of milliseconds, while every request in flight waits.

So, once start-up and warm-up are done, `freeze()` moves everything alive into the permanent
generation, which collections never walk: a full collection then costs what the requests made
since, not what the process imported. The thresholds make young collections rarer (each still
short: the young generation holds only the requests in flight). Pauses are measured by a
callback into `seqcast_gc_pause_seconds{generation}`; the benchmark reads it.
"""

from __future__ import annotations

import gc
import time

from prometheus_client import Histogram

THRESHOLDS = (10_000, 20, 50)
"""gen0 allocations before a young collection (default 700); gen0 collections per gen1; gen1
collections per full one. Chosen by benchmarks/predict_load.py (see RESULTS.md)."""

GC_PAUSES = Histogram(
    "seqcast_gc_pause_seconds",
    "Garbage-collector pauses of the API process, by generation.",
    ["generation"],
    buckets=(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1),
)
_pauses = [GC_PAUSES.labels(str(g)) for g in range(3)]
_started = [0.0]


def _measure(phase: str, info: dict) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        _pauses[info["generation"]].observe(time.perf_counter() - _started[0])


def install(thresholds: tuple[int, int, int] = THRESHOLDS) -> None:
    """Set the thresholds and start measuring pauses (idempotent)."""
    gc.set_threshold(*thresholds)
    if _measure not in gc.callbacks:
        gc.callbacks.append(_measure)


def freeze() -> None:
    """After start-up: collect once, then keep everything alive now out of every collection."""
    gc.collect()
    gc.freeze()


def unfreeze() -> None:
    """At shutdown: hand the frozen objects back, so an app that is stopped (tests make many)
    can be collected."""
    gc.unfreeze()
