"""The versions this process can serve: resolve a name to a version, get its loaded model,
queue a batch on its batcher. The building blocks of the data plane (app.serving.dataplane) and
of the streams (app.serving.streams); transports never call these directly.

Everything that may block (a registry lookup, loading a model) runs in a thread and only on a
cache miss; the hot path stays on the event loop until onnxruntime.
"""

from __future__ import annotations

import asyncio

import numpy as np

from app.metrics import note_model
from app.serving.resolver import Resolved, VersionResolver
from app.serving.sessions import ServedModel, SessionCache
from app.serving.version_info import Forecast


class LiveModels:
    def __init__(self, resolver: VersionResolver, cache: SessionCache) -> None:
        self.resolver = resolver
        self.cache = cache

    async def resolve(self, model: str, version: int | None, alias: str | None) -> Resolved:
        resolved = self.resolver.cached(model, version, alias)
        if resolved is None:
            resolved = await self.resolver.resolve_async(model, version, alias)
        note_model(resolved.model)  # the request's metrics are labelled with a real model only
        return resolved

    async def load(self, resolved: Resolved) -> ServedModel:
        served = self.cache.peek(resolved.key.id)
        if served is None:
            served = await asyncio.to_thread(self.cache.get, resolved.key, resolved.batch_config)
        served.batcher.reconfigure(resolved.batch_config)  # the model's settings may have changed
        return served

    async def infer(
        self, served: ServedModel, batch: np.ndarray, extras: tuple[np.ndarray, ...] = ()
    ) -> Forecast:
        """The forecast for `batch` (and its quantiles when the version has them), batched
        with concurrent requests; `extras`: the version's other graph inputs, checked
        (app.serving.known_inputs)."""
        return served.info.unpack(await served.batcher.predict(batch, extras))

    def forget(self, model: str, version_id: int | None = None) -> None:
        """After a registry change: drop cached resolutions, and a deleted version's session."""
        self.resolver.invalidate(model)
        if version_id is not None:
            self.cache.unload(version_id)
