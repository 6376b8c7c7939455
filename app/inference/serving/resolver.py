"""Which version a prediction goes to, without a database round trip per request.

An explicit version never changes, so its resolution is kept until the version is deleted. An
alias or "latest" can move, so its resolution is trusted for `ttl` seconds (and dropped at once
when this process moves the alias): new requests then go to the new version while requests
already running finish on the old one. When the database is unreachable, a stale resolution is
served rather than failing the request, so loaded models keep serving through an outage.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, fields

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import ServiceUnavailable
from app.inference.serving.batcher import BatchConfig
from app.inference.serving.sessions import VersionKey
from app.registry import service as registry

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

    def cached(self, model: str, version: int | None, alias: str | None) -> Resolved | None:
        """A fresh resolution, or None: never touches the database (safe on the event loop)."""
        hit = self._cache.get((model, version, alias))
        if hit is None:
            return None
        resolved, at = hit
        if version is None and time.monotonic() - at > self._ttl:
            return None
        return resolved

    def resolve(self, model: str, version: int | None, alias: str | None) -> Resolved:
        """Look the version up in the registry (blocking: call it off the event loop)."""
        key = (model, version, alias)
        generation = self._generation.get(model, 0)
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

    def invalidate(self, model: str) -> None:
        """Forget every resolution of `model` (after an alias move or a version delete)."""
        with self._lock:
            self._generation[model] = self._generation.get(model, 0) + 1
            for key in [k for k in self._cache if k[0] == model]:
                del self._cache[key]
