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
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, select
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


def lock(session: Session, key_id: int | None) -> None:
    """Serialize one key's quota checks until the transaction ends, so two concurrent requests
    cannot both take its last slot (a row lock; PostgreSQL honours it). With auth off (key_id
    None: a local SQLite install, one user) nothing is locked, and requests racing for the last
    slot may all get it."""
    if key_id is not None:
        session.execute(select(ApiKey.id).where(ApiKey.id == key_id).with_for_update())


def owned_by(column: ColumnElement[int | None], key_id: int | None) -> ColumnElement[bool]:
    """Rows of one owner; owner None is the shared bucket of auth-off installs."""
    return column.is_(None) if key_id is None else column == key_id


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request: the key's row id, which the rows it creates record and the quotas
    count, and its owner tag, under which its streams live in the stream store (Redis): the
    first 16 hex digits of the key's hash, unique across databases, whose ids restart from 1
    when one is recreated while the stream store lives on. Both None with auth off: every
    caller is then one owner."""

    key_id: int | None
    tag: str | None


ANONYMOUS = Caller(None, None)


@dataclass(frozen=True, slots=True)
class Grant:
    """What a valid key may do, and who it is."""

    caller: Caller
    scopes: frozenset[str]


class KeyChecker:
    """Key → its grant (None: unknown or revoked), cached for `ttl` seconds.

    Grants are as many as the keys in the database; refusals are as many as a caller cares to
    invent, so only the latest `max_refusals` are remembered (the oldest forgotten first): a
    flood of random keys costs one indexed query each, never memory."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ttl: float,
        *,
        enabled: bool = True,
        max_refusals: int = 1024,
    ) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self.enabled = enabled
        self.max_refusals = max_refusals
        self._cache: dict[str, tuple[Grant | None, float]] = {}
        self._refused: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, key: str) -> tuple[bool, Grant | None]:
        """(hit, grant) without touching the database."""
        hit = self._cache.get(hash_key(key))
        if hit is None or time.monotonic() - hit[1] > self._ttl:
            return False, None
        return True, hit[0]

    def cache_size(self) -> int:
        return len(self._cache)

    def _remember(self, digest: str, grant: Grant | None) -> None:
        with self._lock:
            self._cache[digest] = (grant, time.monotonic())
            if grant is not None:
                self._refused.pop(digest, None)
                return
            self._refused[digest] = None
            self._refused.move_to_end(digest)
            while len(self._refused) > self.max_refusals:
                forgotten, _ = self._refused.popitem(last=False)
                self._cache.pop(forgotten, None)

    def check(self, key: str) -> Grant | None:
        digest = hash_key(key)
        with self._sessions() as session:
            row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
            grant = None
            if row is not None and row.revoked_at is None:
                grant = Grant(Caller(row.id, digest[:16]), frozenset(row.scopes))
        self._remember(digest, grant)
        return grant

    async def authorize(self, authorization: str, needed: Scope) -> Caller:
        """Check the raw `Authorization` header for `needed` and return who the key is, or raise
        401/403; ANONYMOUS when auth is off. One dictionary lookup when the key was checked
        recently; otherwise one query, off the event loop."""
        if not self.enabled:
            return ANONYMOUS
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized("an API key is required: send `Authorization: Bearer <key>`")
        key = key.strip()
        hit, grant = self.cached(key)
        if not hit:
            grant = await asyncio.to_thread(self.check, key)
        if grant is None:
            raise Unauthorized("the API key is not valid (unknown or revoked)")
        if not allows(grant.scopes, needed):
            raise Forbidden(f"this API key lacks the {needed.value!r} scope this route needs")
        return grant.caller


def allows(scopes: frozenset[str], needed: Scope) -> bool:
    return Scope.admin in scopes or needed in scopes
