"""The data plane both transports call (/predict and the Open Inference Protocol routes):
resolve a version, get its loaded model (whose `info` says what else a request may ask of it:
quantiles, series, timestamps), queue the batch on its batcher.

Everything that may block (a registry lookup, loading a model) runs in the thread pool and only
on a cache miss; the hot path stays on the event loop until onnxruntime, which runs on the
batcher's executor.
"""

from __future__ import annotations

import numpy as np
from fastapi.concurrency import run_in_threadpool

from app.inference.serving.resolver import Resolved, VersionResolver
from app.inference.serving.sessions import ServedModel, SessionCache
from app.inference.serving.version_info import Forecast
from app.metrics import note_model


class DataPlane:
    def __init__(self, resolver: VersionResolver, cache: SessionCache, max_windows: int) -> None:
        self.resolver = resolver
        self.cache = cache
        self.max_windows = max_windows

    async def resolve(self, model: str, version: int | None, alias: str | None) -> Resolved:
        resolved = self.resolver.cached(model, version, alias)
        if resolved is None:
            resolved = await run_in_threadpool(self.resolver.resolve, model, version, alias)
        note_model(resolved.model)  # the request's metrics are labelled with a real model only
        return resolved

    async def load(self, resolved: Resolved) -> ServedModel:
        served = self.cache.peek(resolved.key.id)
        if served is None:
            served = await run_in_threadpool(self.cache.get, resolved.key, resolved.batch_config)
        if served.batcher.config != resolved.batch_config:  # the model's settings were changed
            served.batcher.config = resolved.batch_config
        return served

    async def infer(self, served: ServedModel, batch: np.ndarray) -> Forecast:
        """The forecast for `batch` (and its quantiles when the version has them), batched
        with concurrent requests. Load first (`load`) to check a request against `served.info`."""
        return served.info.unpack(await served.batcher.predict(batch))

    def forget(self, model: str, version_id: int | None = None) -> None:
        """After a registry change: drop cached resolutions, and a deleted version's session."""
        self.resolver.invalidate(model)
        if version_id is not None:
            self.cache.unload(version_id)
