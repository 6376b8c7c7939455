"""Where a stream lives between observes, behind one interface with two stores.

- `RedisStreamStore`: one hash per stream (`seq`, `meta`, `state`) with a TTL refreshed on every
  write. Any API replica can continue any stream, and an API restart loses nothing.
- `MemoryStreamStore`: the same in this process, for the embedded default (one process, no Redis).

Every update is a compare-and-set on the stream's sequence number (a Lua script in Redis): the
writer says which sequence it read, and the write is refused when another observe got there
first. The service then re-reads and recomputes, so two concurrent observes are serialized and
neither is lost.

The observe path's two commands (the compare-and-set and the read) go over `RespPipe`: one
connection per process, requests pipelined and replies matched in order, parsed by hiredis.
redis-py's asyncio client costs ~60 µs of Python per command (pool checkout and release under a
lock, retry wrapper, observability hooks), more than the round trip itself on loopback. A
compare-and-set whose reply is lost with the connection is settled by reading the stream back,
never by sending it again (a resend of a write that landed would be refused, and the service
would then apply the observation a second time). Creates and deletes, and TLS (`rediss://`) or
credential-provider setups, stay on redis-py.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Protocol

import numpy as np
import orjson
import redis.asyncio as aioredis
from redis.asyncio.connection import AbstractConnection, Connection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse, ResponseError

try:
    import hiredis
except ImportError:  # pragma: no cover - a dependency; without it, redis-py for every command
    hiredis = None

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


class _RespProtocol(asyncio.Protocol):
    """One Redis connection speaking RESP2: each request appends a future, each reply settles
    the oldest (Redis answers in order), straight from `data_received`."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.pending: deque[asyncio.Future[Any]] = deque()
        self.reader = hiredis.Reader(protocolError=InvalidResponse, replyError=ResponseError)
        self.lost_because = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        try:
            while (reply := self.reader.gets()) is not False:
                future = self.pending.popleft()
                if not future.done():  # else its caller left (cancelled): drop the reply
                    future.set_result(reply)
        except (InvalidResponse, IndexError) as exc:  # out of step: trust nothing after it
            self._fail(RedisConnectionError(f"unreadable reply from Redis: {exc}"))
            if self.transport is not None:
                self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        reason = self.lost_because or f"lost the connection to Redis ({exc or 'closed'})"
        self._fail(RedisConnectionError(reason))

    def expire(self, future: asyncio.Future[Any]) -> None:
        """No reply in time: drop the connection, failing every request still on it."""
        if not future.done() and self.transport is not None:
            self.lost_because = "Timeout reading from Redis"
            self.transport.abort()

    def _fail(self, error: Exception) -> None:
        while self.pending:
            future = self.pending.popleft()
            if not future.done():
                future.set_exception(error)

    def request(self, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        self.pending.append(future)
        self.transport.write(hiredis.pack_command(args))  # type: ignore[union-attr]
        return future


class RespPipe:
    """Commands over one pipelined connection, opened on first use with the settings redis-py
    parsed from the URL (host and port or socket path, username and password, db, client name,
    timeouts), and reopened after it drops or when the event loop changes. No retries here: a
    command whose connection drops, or that gets no reply within the socket timeout, raises
    redis-py's ConnectionError, and the caller decides."""

    def __init__(self, params: AbstractConnection) -> None:
        self._params = params
        self._protocol: _RespProtocol | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opening: asyncio.Future[_RespProtocol] | None = None

    async def call(self, *args: Any) -> Any:
        protocol = self._protocol
        if (
            protocol is None
            or protocol.transport is None
            or protocol.transport.is_closing()
            or self._loop is not asyncio.get_running_loop()
        ):
            protocol = await self._connect()
        return await self._wait(protocol, protocol.request(args))

    async def _wait(self, protocol: _RespProtocol, future: asyncio.Future[Any]) -> Any:
        """The reply, or ConnectionError when the connection drops or no reply comes within
        the socket timeout (the connection is then dropped, as redis-py does: the caller
        cannot know whether the command ran). A timer per request, not asyncio.wait_for,
        which costs a task wrapper and its callbacks per command."""
        timeout = self._params.socket_timeout
        if timeout is None:
            reply = await future
        else:
            timer = asyncio.get_running_loop().call_later(timeout, protocol.expire, future)
            try:
                reply = await future
            finally:
                timer.cancel()
        if isinstance(reply, ResponseError):
            raise reply
        return reply

    async def _connect(self) -> _RespProtocol:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests): the old connection is unusable
            self._abandon()
            self._loop = loop
        if self._opening is None:  # one connect, however many requests wait for it
            opening = self._opening = asyncio.ensure_future(self._open())

            def opened(done: asyncio.Future[_RespProtocol]) -> None:
                if self._opening is done:
                    self._opening = None
                if not done.cancelled() and done.exception() is None:
                    self._protocol = done.result()

            opening.add_done_callback(opened)
        return await asyncio.shield(self._opening)

    async def _open(self) -> _RespProtocol:
        params, loop = self._params, asyncio.get_running_loop()
        if isinstance(params, UnixDomainSocketConnection):
            connecting = loop.create_unix_connection(_RespProtocol, params.path)
        else:
            connecting = loop.create_connection(_RespProtocol, params.host, params.port)
        try:
            _, protocol = await asyncio.wait_for(connecting, params.socket_connect_timeout)
        except (OSError, TimeoutError) as exc:
            raise RedisConnectionError(f"cannot connect to Redis: {exc!r}") from exc
        setup: list[tuple[Any, ...]] = []
        if params.password:
            auth = (params.username, params.password) if params.username else (params.password,)
            setup.append(("AUTH", *auth))
        if params.db:
            setup.append(("SELECT", params.db))
        if params.client_name:
            setup.append(("CLIENT", "SETNAME", params.client_name))
        try:
            for future in [protocol.request(args) for args in setup]:
                await self._wait(protocol, future)
        except BaseException:
            if protocol.transport is not None:
                protocol.transport.abort()
            raise
        return protocol

    def _abandon(self) -> None:
        protocol, self._protocol, self._opening = self._protocol, None, None
        if protocol is not None and protocol.transport is not None:
            with contextlib.suppress(Exception):  # its loop may be closed already
                protocol.transport.abort()

    async def close(self) -> None:
        protocol, self._protocol = self._protocol, None
        if protocol is not None and protocol.transport is not None:
            if self._loop is asyncio.get_running_loop():
                protocol.transport.close()
            else:
                with contextlib.suppress(Exception):
                    protocol.transport.abort()


def _pipe_for(client: aioredis.Redis) -> RespPipe | None:
    """A RespPipe with the client's connection settings; None where redis-py must do it all
    (no hiredis, TLS, a credential provider, or a connection class of someone else's)."""
    pool = client.connection_pool
    if hiredis is None or pool.connection_class not in (Connection, UnixDomainSocketConnection):
        return None
    params = pool.connection_class(**pool.connection_kwargs)  # never connected: its settings
    if params.credential_provider is not None:
        return None
    return RespPipe(params)


class RedisStreamStore:
    def __init__(self, url: str, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self.url = url
        self._redis = aioredis.Redis.from_url(url)
        self._cas = self._redis.register_script(_CAS)
        self._pipe = _pipe_for(self._redis)

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
        key = KEY_PREFIX + stream_id
        if self._pipe is None:
            fields = await self._redis.hgetall(key)
            if not fields:
                return None
            return StreamRecord.load(fields[b"seq"], fields[b"meta"], fields[b"state"])
        try:
            token, meta, state = await self._pipe.call("HMGET", key, "seq", "meta", "state")
        except RedisConnectionError:  # a read: safe to send again, on a fresh connection
            token, meta, state = await self._pipe.call("HMGET", key, "seq", "meta", "state")
        if token is None:
            return None
        return StreamRecord.load(token, meta, state)

    async def replace(self, record: StreamRecord, previous: StreamRecord) -> bool | None:
        key = KEY_PREFIX + record.id
        args = (previous.token, record.token, record.meta(), record.state_bytes(), self._ttl_ms)
        if self._pipe is None:
            result = await self._cas(keys=[key], args=args)
            return None if result == -1 else bool(result)
        try:
            result = await self._cas_call(key, args)
        except RedisConnectionError as lost:
            result = await self._settle_lost_write(key, args, lost)
        return None if result == -1 else bool(result)

    async def _cas_call(self, key: str, args: tuple[Any, ...]) -> int:
        pipe = self._pipe
        assert pipe is not None
        try:
            return await pipe.call("EVALSHA", self._cas.sha, 1, key, *args)
        except ResponseError as exc:
            if not str(exc).startswith("NOSCRIPT"):
                raise
            # Redis restarted or flushed its scripts: EVAL sends the script and caches it again.
            return await pipe.call("EVAL", _CAS, 1, key, *args)

    async def _settle_lost_write(
        self, key: str, args: tuple[Any, ...], lost: RedisConnectionError
    ) -> int:
        """The compare-and-set's connection dropped before its reply: read the stream back (on a
        new connection). Our own write stored (token, meta and state all ours) was applied; a
        missing stream is gone; another writer's token means ours was refused (or will be: its
        precondition no longer holds). The previous token still stored leaves it unknown (the
        command may yet run), so the error stands: resending could apply the observation
        twice."""
        previous, token, meta, state, _ = args
        assert self._pipe is not None
        stored = await self._pipe.call("HMGET", key, "seq", "meta", "state")
        if stored[0] is None:
            return -1
        if stored == [token.encode(), meta, state]:
            return 1
        if stored[0] != previous.encode():
            return 0
        raise lost

    async def delete(self, stream_id: str) -> bool:
        return bool(await self._redis.delete(KEY_PREFIX + stream_id))

    async def close(self) -> None:
        if self._pipe is not None:
            await self._pipe.close()
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
