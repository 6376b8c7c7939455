"""Which version a prediction goes to, without a database round trip per request.

An explicit version never changes, so its resolution is kept until the version is deleted. An
alias or "latest" can move, so its resolution is trusted for `ttl` seconds (and dropped at once
when this process moves the alias): new requests then go to the new version while requests
already running finish on the old one.

No herd when a resolution ages: past half the TTL the cached answer is still served and one
background lookup refreshes it (stale-while-revalidate), so under steady traffic no request
waits on the database and an alias moved through another replica is seen within the TTL. Past
the whole TTL (an idle model) requests wait, but for one shared lookup per key (single flight),
never one each. When the database is unreachable, a stale resolution is served rather than
failing the request, so loaded models keep serving through an outage.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, fields

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import SeqcastError, ServiceUnavailable
from app.registry import service as registry
from app.serving.batcher import BatchConfig
from app.serving.sessions import VersionKey

log = logging.getLogger("seqcast.serving")

CacheKey = tuple[str, int | None, str | None]


@dataclass(frozen=True)
class Resolved:
    """A servable version and the contract /predict checks inputs against."""

    key: VersionKey
    model: str
    version: int
    feature_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    input_length: int
    horizon: int
    batch_config: BatchConfig


def batch_config(defaults: BatchConfig, overrides: dict | None) -> BatchConfig:
    known = {f.name for f in fields(BatchConfig)}
    return BatchConfig(
        **{**defaults.__dict__, **{k: v for k, v in (overrides or {}).items() if k in known}}
    )


class VersionResolver:
    def __init__(
        self, sessions: sessionmaker[Session], *, ttl: float, defaults: BatchConfig
    ) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._defaults = defaults
        self._cache: dict[CacheKey, tuple[Resolved, float]] = {}
        self._generation: dict[str, int] = {}
        self._lock = threading.Lock()
        self._inflight: dict[CacheKey, asyncio.Future[Resolved]] = {}
        self.lookups = 0
        """Registry lookups made so far (the single-flight tests count them)."""

    def cached(self, model: str, version: int | None, alias: str | None) -> Resolved | None:
        """A resolution that may be served now, or None: never waits on the database (safe on
        the event loop). A resolution past half its TTL is served while one background lookup
        refreshes it."""
        key = (model, version, alias)
        hit = self._cache.get(key)
        if hit is None:
            return None
        resolved, at = hit
        if version is not None:
            return resolved
        age = time.monotonic() - at
        if age > self._ttl:
            return None
        if age > self._ttl / 2 and key not in self._inflight:
            self._lookup(key)  # refreshes the cache when done; this request keeps the answer
        return resolved

    async def resolve_async(self, model: str, version: int | None, alias: str | None) -> Resolved:
        """The registry's answer, looked up in a thread; concurrent callers of one key share one
        lookup. Call on the event loop."""
        key = (model, version, alias)
        running = self._inflight.get(key)
        if running is None:
            running = self._lookup(key)
        return await asyncio.shield(running)

    def _lookup(self, key: CacheKey) -> asyncio.Future[Resolved]:
        future = asyncio.ensure_future(asyncio.to_thread(self.resolve, *key))
        self._inflight[key] = future

        def done(finished: asyncio.Future[Resolved]) -> None:
            if self._inflight.get(key) is finished:
                del self._inflight[key]
            if finished.cancelled():
                return
            exc = finished.exception()
            if exc is not None and not isinstance(exc, SeqcastError):
                log.error("registry lookup of %s failed: %r", key, exc)
            elif exc is not None and exc.status_code == 404:
                with self._lock:  # the alias or model is gone: stop serving the old answer
                    self._cache.pop(key, None)

        future.add_done_callback(done)
        return future

    def resolve(self, model: str, version: int | None, alias: str | None) -> Resolved:
        """Look the version up in the registry (blocking: call it off the event loop)."""
        key = (model, version, alias)
        generation = self._generation.get(model, 0)
        self.lookups += 1
        try:
            with self._sessions() as session:
                found = registry.resolve(session, model, version=version, alias=alias)
                resolved = Resolved(
                    key=VersionKey(
                        found.id,
                        found.artifact_uri,
                        found.sha256,
                        f"{model} v{found.version}",
                        model=model,
                        version=found.version,
                    ),
                    model=model,
                    version=found.version,
                    feature_columns=tuple(found.feature_columns),
                    target_columns=tuple(found.target_columns),
                    input_length=found.input_length,
                    horizon=found.horizon,
                    batch_config=batch_config(self._defaults, found.model.serving),
                )
        except OperationalError as exc:
            stale = self._cache.get(key)
            if stale is None:
                raise ServiceUnavailable(
                    f"the registry database is unreachable and model {model!r} is not cached"
                ) from exc
            log.warning("registry unreachable; serving %s from the cached resolution", model)
            return stale[0]
        with self._lock:
            # A lookup that raced with invalidate() read the old target: use it, don't keep it.
            if self._generation.get(model, 0) == generation:
                self._cache[key] = (resolved, time.monotonic())
        return resolved

    def versions(self, model: str) -> list[int]:
        """The model's version numbers, ascending (blocking: call it off the event loop)."""
        with self._sessions() as session:
            return [v.version for v in registry.get_model(session, model).versions]

    def invalidate(self, model: str) -> None:
        """Forget every resolution of `model` (after an alias move or a version delete)."""
        with self._lock:
            self._generation[model] = self._generation.get(model, 0) + 1
            for key in [k for k in self._cache if k[0] == model]:
                del self._cache[key]
