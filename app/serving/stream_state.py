"""Where a stream lives between observes, behind one interface with two stores.

- `RedisStreamStore`: one hash per stream (`seq`, `meta`, `state`) with a TTL refreshed on every
  write. Any API replica can continue any stream, and an API restart loses nothing.
- `MemoryStreamStore`: the same in this process, for the embedded default (one process, no Redis).

Every update is a compare-and-set on the stream's sequence number (a Lua script in Redis): the
writer says which sequence it read, and the write is refused when another observe got there
first. The service then re-reads and recomputes, so two concurrent observes are serialized and
neither is lost.
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
MEMORY_URL = "memory://"

_CAS = """
local current = redis.call('HGET', KEYS[1], 'seq')
if not current then return -1 end
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'meta', ARGV[3], 'state', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""


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

    async def create(self, record: StreamRecord) -> None:
        """Write a new stream (replacing any stream of that id) with a fresh TTL."""

    async def get(self, stream_id: str) -> StreamRecord | None:
        """The stream, or None when it expired or never existed."""

    async def replace(self, record: StreamRecord, previous: StreamRecord) -> bool | None:
        """Write `record` if the stored stream is still `previous` (same sequence number and
        incarnation), refreshing the TTL: True when written, False when another write came
        first, None when the stream is gone (expired or deleted)."""

    async def delete(self, stream_id: str) -> bool:
        """False when there was nothing to delete."""

    async def close(self) -> None: ...


class RedisStreamStore:
    def __init__(self, url: str, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self.url = url
        self._redis = aioredis.Redis.from_url(url)
        self._cas = self._redis.register_script(_CAS)

    @property
    def _ttl_ms(self) -> int:
        return max(1, round(self.ttl_seconds * 1000))

    async def create(self, record: StreamRecord) -> None:
        key = KEY_PREFIX + record.id
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(
                key,
                mapping={
                    "seq": record.token,
                    "meta": record.meta(),
                    "state": record.state_bytes(),
                },
            )
            pipe.pexpire(key, self._ttl_ms)
            await pipe.execute()

    async def get(self, stream_id: str) -> StreamRecord | None:
        fields = await self._redis.hgetall(KEY_PREFIX + stream_id)
        if not fields:
            return None
        return StreamRecord.load(fields[b"seq"], fields[b"meta"], fields[b"state"])

    async def replace(self, record: StreamRecord, previous: StreamRecord) -> bool | None:
        args = [previous.token, record.token, record.meta(), record.state_bytes()]
        result = await self._cas(keys=[KEY_PREFIX + record.id], args=[*args, self._ttl_ms])
        return None if result == -1 else bool(result)

    async def delete(self, stream_id: str) -> bool:
        return bool(await self._redis.delete(KEY_PREFIX + stream_id))

    async def close(self) -> None:
        await self._redis.aclose()


class MemoryStreamStore:
    """In this process only: streams are lost on restart and not shared with other replicas."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._streams: dict[str, tuple[StreamRecord, float]] = {}
        self._next_sweep = time.monotonic() + ttl_seconds

    async def create(self, record: StreamRecord) -> None:
        self._sweep()
        self._streams[record.id] = (record, time.monotonic() + self.ttl_seconds)

    async def get(self, stream_id: str) -> StreamRecord | None:
        entry = self._streams.get(stream_id)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            del self._streams[stream_id]
            return None
        return entry[0]

    async def replace(self, record: StreamRecord, previous: StreamRecord) -> bool | None:
        current = await self.get(record.id)
        if current is None:
            return None
        if current.token != previous.token:
            return False
        self._streams[record.id] = (record, time.monotonic() + self.ttl_seconds)
        return True

    async def delete(self, stream_id: str) -> bool:
        if await self.get(stream_id) is None:
            return False
        del self._streams[stream_id]
        return True

    async def close(self) -> None:
        self._streams.clear()

    def _sweep(self) -> None:
        """Drop expired streams at most once per TTL, so abandoned streams do not pile up."""
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.ttl_seconds
        for stream_id in [k for k, (_, deadline) in self._streams.items() if deadline <= now]:
            del self._streams[stream_id]


def make_stream_store(url: str, ttl_seconds: float) -> StreamStore:
    """`memory://` or a Redis URL (`redis://`, `rediss://`, `unix://`); see Settings.streams_url."""
    if url == MEMORY_URL:
        return MemoryStreamStore(ttl_seconds)
    return RedisStreamStore(url, ttl_seconds)
