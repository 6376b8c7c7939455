"""Keep glibc's malloc from handing training memory back to the kernel after every step.

A training step allocates and frees the same tens of megabytes each batch. With glibc's dynamic
mmap threshold those blocks are mapped and unmapped again and again, and every remap costs page
faults: benchmarks/train_speed.py measured ~15,500 faults per epoch and up to 28 % more CPU time
in a fresh process against 3 with the thresholds pinned (RESULTS.md, "Training speed"). Pinning
them keeps up to ~64 MB more memory in the worker.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("seqcast.worker")

M_TRIM_THRESHOLD = -1  # glibc <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 64 << 20


def pin_malloc_thresholds() -> bool:
    """Set the thresholds once, before the pool forks (children inherit them). False where the C
    library is not glibc, which has no mallopt: nothing to tune there."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    ok = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    if not ok:
        log.warning("mallopt refused the malloc thresholds; training may page-fault more")
    return ok
