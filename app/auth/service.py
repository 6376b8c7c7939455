"""API keys: created and revoked by the CLI, checked on every request.

A key is `sk_` + 40 random URL-safe characters; only its sha256 is stored. Keys are high-entropy
random strings, so a plain (unsalted) hash is enough and lets a request be checked with one
indexed lookup. Checked keys are remembered for `auth_cache_seconds`, so the hot path
(/predict) costs one dictionary lookup; a revocation takes effect within that time.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
import time
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import ApiKey
from app.db import utcnow
from app.errors import Forbidden, NotFound, Unauthorized


class Scope(StrEnum):
    read = "read"
    predict = "predict"
    train = "train"
    admin = "admin"
    """Implies every other scope."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(session: Session, *, name: str, scopes: list[Scope]) -> tuple[ApiKey, str]:
    """The new row and the key itself, which is never stored and cannot be shown again."""
    key = "sk_" + secrets.token_urlsafe(30)
    row = ApiKey(name=name, prefix=key[:10], key_hash=hash_key(key), scopes=sorted(set(scopes)))
    session.add(row)
    session.flush()
    return row, key


def revoke(session: Session, key_id: int) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"API key {key_id} not found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.flush()
    return row


def get_all(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


class KeyChecker:
    """Key → its scopes (None: unknown or revoked), cached for `ttl` seconds."""

    def __init__(
        self, sessions: sessionmaker[Session], ttl: float, *, enabled: bool = True
    ) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self.enabled = enabled
        self._cache: dict[str, tuple[frozenset[str] | None, float]] = {}
        self._lock = threading.Lock()

    def cached(self, key: str) -> tuple[bool, frozenset[str] | None]:
        """(hit, scopes) without touching the database."""
        hit = self._cache.get(hash_key(key))
        if hit is None or time.monotonic() - hit[1] > self._ttl:
            return False, None
        return True, hit[0]

    def check(self, key: str) -> frozenset[str] | None:
        digest = hash_key(key)
        with self._sessions() as session:
            row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
            scopes = frozenset(row.scopes) if row is not None and row.revoked_at is None else None
        with self._lock:
            self._cache[digest] = (scopes, time.monotonic())
        return scopes

    async def authorize(self, authorization: str, needed: Scope) -> None:
        """Check the raw `Authorization` header for `needed`, or raise 401/403. One dictionary
        lookup when the key was checked recently; otherwise one query, off the event loop."""
        if not self.enabled:
            return
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized("an API key is required: send `Authorization: Bearer <key>`")
        key = key.strip()
        hit, scopes = self.cached(key)
        if not hit:
            scopes = await asyncio.to_thread(self.check, key)
        if scopes is None:
            raise Unauthorized("the API key is not valid (unknown or revoked)")
        if not allows(scopes, needed):
            raise Forbidden(f"this API key lacks the {needed.value!r} scope this route needs")


def allows(scopes: frozenset[str], needed: Scope) -> bool:
    return Scope.admin in scopes or needed in scopes
