"""Where a large hot-route body is decoded: in a separate process, so the event loop keeps
answering every other request while it is parsed.

A thread is not enough: msgspec and numpy hold the GIL for the whole parse of a body (measured:
a 4.8 MB /predict body stalled the loop 279 ms decoded inline and still 195 ms decoded in a
thread), so `/healthz` and every other request would wait behind it. The decode functions are
pure (bytes, path parameters and headers in, a call or a domain error out) and module-level,
so they travel to a child by name. One child per API process, started on the first large body
(`spawn`: a child forked from a process with onnxruntime and event-loop threads is unsafe),
bounds the memory and the CPU that large bodies can take; they queue for it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from app.errors import ServiceUnavailable

log = logging.getLogger("seqcast.http")

Decode = Callable[[bytes, Mapping[str, str], Mapping[str, str]], Any]
"""(body, path parameters, request headers by lower-case name) -> the route's call."""
Offload = Callable[[Decode, bytes, Mapping[str, str], Mapping[str, str]], Any]


async def in_thread(
    decode: Decode, body: bytes, params: Mapping[str, str], headers: Mapping[str, str]
) -> Any:
    """Decode in a thread (for decoders that release the GIL, and for tests of the edge)."""
    return await asyncio.to_thread(decode, body, params, headers)


class ProcessDecoder:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    async def __call__(
        self, decode: Decode, body: bytes, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> Any:
        pool = self._pool or await asyncio.to_thread(self._start)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(pool, decode, body, dict(params), dict(headers))
        except BrokenProcessPool:
            log.error("the decoding process died; starting a new one for the next large body")
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            raise ServiceUnavailable("the request could not be decoded; retry") from None

    def _start(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(1, mp_context=context)
                self._pool.submit(int).result()  # the child is up before the first body goes
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
