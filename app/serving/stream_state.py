"""Where a stream lives between observes, behind one interface with two stores.

- `RedisStreamStore`: one hash per stream (`seq`, `meta`, `state`) with a TTL refreshed on every
  write. Any API replica can continue any stream, and an API restart loses nothing.
- `MemoryStreamStore`: the same in this process, for the embedded default (one process, no Redis).

Every update is a compare-and-set on the stream's sequence number (a Lua script in Redis): the
writer says which sequence it read, and the write is refused when another observe got there
first. The service then re-reads and recomputes, so two concurrent observes are serialized and
neither is lost.

A stream belongs to the API key that created it (`owner`: the key's tag, see
app.auth.service.Caller; None with auth off): its id lives in that key's namespace, so another
key asking for the same id finds nothing (a 404 that does not tell whether the id is taken), and
its own stream of that id is another stream. Each owner's live streams are counted for the
per-key quota: in Redis a sorted set per owner, scored by each stream's expiry and kept by the
same scripts that write the stream, so the count is exact and the check atomic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from typing import Literal, Protocol

import numpy as np
import orjson
import redis.asyncio as aioredis

Mode = Literal["step", "window"]
KEY_PREFIX = "seqcast:stream:"
OWNER_PREFIX = "seqcast:stream-owner:"
MEMORY_URL = "memory://"

_NOW_MS = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

_CREATE = (
    _NOW_MS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local limit = tonumber(ARGV[5])
if limit > 0 and not redis.call('ZSCORE', KEYS[2], ARGV[6])
    and redis.call('ZCARD', KEYS[2]) >= limit then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return tonumber(first[2]) - now
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'meta', ARGV[2], 'state', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return -1
"""
)
"""KEYS: the stream, its owner's set. ARGV: token, meta, state, ttl ms, limit (0: none), id.
-1 when written; else the milliseconds until the owner's first stream expires."""

_CAS = (
    _NOW_MS
    + """
local current = redis.call('HGET', KEYS[1], 'seq')
if not current then return -1 end
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'meta', ARGV[3], 'state', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
"""
)

_LIVE = (
    _NOW_MS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
"""
)


def slot_of(owner: str | None, stream_id: str) -> str:
    """Where stream `stream_id` of `owner` is kept: ids cannot hold '/', so owners never meet
    (and an install with auth off keeps the plain ids it always had)."""
    return stream_id if owner is None else f"{owner}/{stream_id}"


def owner_key(owner: str | None) -> str:
    return OWNER_PREFIX + ("-" if owner is None else owner)


@dataclass(frozen=True)
class StreamRecord:
    """One stream: its pinned version, counters and state (never mutated: replace() it)."""

    id: str
    incarnation: str
    """Random per create: a write computed on a stream that was since replaced (same id, e.g. a
    new OIP sequence_start) is refused even when the sequence numbers match."""
    model: str
    version: int
    version_id: int
    mode: Mode
    observations: int
    sequence: int
    """Observe calls applied so far (0 after create): with `incarnation`, what the next write's
    compare-and-set checks."""
    state: np.ndarray = field(repr=False)
    """float32. step: the step graph's state [state_layers, hidden]; window: the last rows
    [rows, n_features] (at most the version's input_length)."""
    created_at: float
    updated_at: float
    """Unix seconds."""
    owner: str | None = None
    """The tag of the API key that created it (None with auth off)."""
    series_id: str | None = None
    """The series the stream continues: where a version with static covariates finds them."""
    last_timestamp: str | None = None
    """The timestamp of the latest observation (advanced one step of the version's frequency
    per observation), which dates the forecast and gives its calendar features; None: undated."""

    @property
    def slot(self) -> str:
        return slot_of(self.owner, self.id)

    @property
    def token(self) -> str:
        """What the compare-and-set compares."""
        return f"{self.sequence}.{self.incarnation}"

    def meta(self) -> bytes:
        """Everything but the state and the compare-and-set token, as JSON."""
        doc = {name: getattr(self, name) for name in META_FIELDS}
        doc["state_shape"] = self.state.shape
        return orjson.dumps(doc)

    def state_bytes(self) -> bytes:
        return np.ascontiguousarray(self.state, dtype="<f4").tobytes()

    @classmethod
    def load(cls, token: bytes, meta: bytes, state: bytes) -> StreamRecord:
        sequence, incarnation = token.decode().split(".", 1)
        doc = orjson.loads(meta)
        shape = tuple(doc.pop("state_shape"))
        array = np.frombuffer(state, dtype="<f4").reshape(shape).astype(np.float32)
        return cls(sequence=int(sequence), incarnation=incarnation, state=array, **doc)


META_FIELDS = tuple(
    f.name for f in fields(StreamRecord) if f.name not in ("state", "sequence", "incarnation")
)


class StreamStore(Protocol):
    ttl_seconds: float

    async def create(self, record: StreamRecord, limit: int | None = None) -> float | None:
        """Write a new stream (replacing its owner's stream of that id) with a fresh TTL: None
        when written. When the owner already has `limit` live streams, none of them this id,
        nothing is written and the seconds until the first of them expires are returned."""

    async def get(self, stream_id: str, owner: str | None = None) -> StreamRecord | None:
        """The owner's stream, or None when it expired or never existed."""

    async def replace(self, record: StreamRecord, previous: StreamRecord) -> bool | None:
        """Write `record` if the stored stream is still `previous` (same sequence number and
        incarnation), refreshing the TTL: True when written, False when another write came
        first, None when the stream is gone (expired or deleted)."""

    async def delete(self, stream_id: str, owner: str | None = None) -> bool:
        """False when there was nothing to delete."""

    async def live(self, owner: str | None) -> int:
        """The owner's streams that have not expired."""

    async def close(self) -> None: ...


class RedisStreamStore:
    def __init__(self, url: str, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self.url = url
        self._redis = aioredis.Redis.from_url(url)
        self._create = self._redis.register_script(_CREATE)
        self._cas = self._redis.register_script(_CAS)
        self._live = self._redis.register_script(_LIVE)

    @property
    def _ttl_ms(self) -> int:
        return max(1, round(self.ttl_seconds * 1000))

    async def create(self, record: StreamRecord, limit: int | None = None) -> float | None:
        keys = [KEY_PREFIX + record.slot, owner_key(record.owner)]
        args = [record.token, record.meta(), record.state_bytes(), self._ttl_ms, limit or 0]
        wait_ms = await self._create(keys=keys, args=[*args, record.id])
        return None if wait_ms < 0 else wait_ms / 1000

    async def get(self, stream_id: str, owner: str | None = None) -> StreamRecord | None:
        fields = await self._redis.hgetall(KEY_PREFIX + slot_of(owner, stream_id))
        if not fields:
            return None
        return StreamRecord.load(fields[b"seq"], fields[b"meta"], fields[b"state"])

    async def replace(self, record: StreamRecord, previous: StreamRecord) -> bool | None:
        keys = [KEY_PREFIX + record.slot, owner_key(record.owner)]
        args = [previous.token, record.token, record.meta(), record.state_bytes()]
        result = await self._cas(keys=keys, args=[*args, self._ttl_ms, record.id])
        return None if result == -1 else bool(result)

    async def delete(self, stream_id: str, owner: str | None = None) -> bool:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(KEY_PREFIX + slot_of(owner, stream_id))
            pipe.zrem(owner_key(owner), stream_id)
            deleted, _ = await pipe.execute()
        return bool(deleted)

    async def live(self, owner: str | None) -> int:
        return int(await self._live(keys=[owner_key(owner)]))

    async def close(self) -> None:
        await self._redis.aclose()


class MemoryStreamStore:
    """In this process only: streams are lost on restart and not shared with other replicas."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._streams: dict[str, tuple[StreamRecord, float]] = {}
        """slot → (stream, monotonic deadline)"""
        self._owned: dict[str | None, set[str]] = {}
        """owner → the slots of its streams (expired ones until they are next looked at)"""
        self._next_sweep = time.monotonic() + ttl_seconds

    async def create(self, record: StreamRecord, limit: int | None = None) -> float | None:
        self._sweep()
        now = time.monotonic()
        if limit is not None:
            deadlines = self._live_deadlines(record.owner, now)
            if record.slot not in deadlines and len(deadlines) >= limit:
                return min(deadlines.values()) - now
        self._streams[record.slot] = (record, now + self.ttl_seconds)
        self._owned.setdefault(record.owner, set()).add(record.slot)
        return None

    async def get(self, stream_id: str, owner: str | None = None) -> StreamRecord | None:
        key = slot_of(owner, stream_id)
        entry = self._streams.get(key)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            self._drop(key, owner)
            return None
        return entry[0]

    async def replace(self, record: StreamRecord, previous: StreamRecord) -> bool | None:
        current = await self.get(record.id, record.owner)
        if current is None:
            return None
        if current.token != previous.token:
            return False
        self._streams[record.slot] = (record, time.monotonic() + self.ttl_seconds)
        return True

    async def delete(self, stream_id: str, owner: str | None = None) -> bool:
        if await self.get(stream_id, owner) is None:
            return False
        self._drop(slot_of(owner, stream_id), owner)
        return True

    async def live(self, owner: str | None) -> int:
        return len(self._live_deadlines(owner, time.monotonic()))

    async def close(self) -> None:
        self._streams.clear()
        self._owned.clear()

    def _live_deadlines(self, owner: str | None, now: float) -> dict[str, float]:
        """The owner's live streams' deadlines; forgets its expired ones on the way."""
        live = {}
        for key in list(self._owned.get(owner, ())):
            entry = self._streams.get(key)
            if entry is None or entry[1] <= now:
                self._drop(key, owner)
            else:
                live[key] = entry[1]
        return live

    def _drop(self, key: str, owner: str | None) -> None:
        self._streams.pop(key, None)
        owned = self._owned.get(owner)
        if owned is not None:
            owned.discard(key)
            if not owned:
                del self._owned[owner]

    def _sweep(self) -> None:
        """Drop expired streams at most once per TTL, so abandoned streams do not pile up."""
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.ttl_seconds
        expired = [(k, r.owner) for k, (r, deadline) in self._streams.items() if deadline <= now]
        for key, owner in expired:
            self._drop(key, owner)


def make_stream_store(url: str, ttl_seconds: float) -> StreamStore:
    """`memory://` or a Redis URL (`redis://`, `rediss://`, `unix://`); see Settings.streams_url."""
    if url == MEMORY_URL:
        return MemoryStreamStore(ttl_seconds)
    return RedisStreamStore(url, ttl_seconds)
