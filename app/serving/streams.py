"""Streams: create, observe, read, delete.

A stream is pinned at creation to the version its name, alias or "latest" meant then. Its mode
is chosen once: `step` when that version ships a step graph (recurrent, global normalization):
the state is the recurrent state and an observation costs one step; else `window` (Transformer,
instance normalization, versions without a step graph): the state is the last `input_length`
observations and each observe runs the window model on them, through the same data plane as
/predict. (So a window stream's forecast is /predict on its last input_length observations; a
step stream's is /predict on its whole history.)

A version with covariates has no step graph, so its streams run in window mode: each observe
carries the known-future values over the horizon after it (`future`), and the stream's
`series_id` and `last_timestamp`, given at creation, give its static covariates and the
calendar features of its forecast (app.serving.known_inputs). The stream's last timestamp moves
one step of the version's frequency per observation, so an observe needs no timestamp.

Observes on one stream are serialized twice over: in this process by a per-stream lock (no
wasted compute while a neighbour's observe runs), and across replicas by the store's
compare-and-set on the sequence number (a lost race re-reads and recomputes; nothing is lost).
The process remembers each stream's last write, so an observe that follows one on the same
replica costs one store round trip (the compare-and-set), not two.

Every call names the stream's owner, the tag of the API key that created it (None with auth
off): another key's streams are not found (app.serving.stream_state), and an owner may keep at
most `max_per_owner` live streams.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

import numpy as np

from app.contract import CALENDAR_INPUT_NAME, FUTURE_INPUT_NAME, STATIC_INPUT_NAME
from app.datasets.calendar import future_timestamps
from app.errors import InvalidInput, NotFound, ServiceUnavailable, TooManyRequests
from app.serving.inputs import Field, check_rows
from app.serving.known_inputs import KnownInputs, extra_inputs
from app.serving.live import LiveModels
from app.serving.resolver import Resolved
from app.serving.series import stepped, stream_start
from app.serving.steps import StepModel, StepModels
from app.serving.stream_state import StreamRecord, StreamStore, slot_of
from app.serving.version_info import VersionInfo

MAX_ATTEMPTS = 32
"""Compare-and-set rounds before an observe gives up with a 503 (only other replicas can make
it lose: observes in this process wait for each other on a lock)."""
BACKOFF_CAP_S = 0.02
MAX_REMEMBERED = 10_000
"""Streams whose last write this process keeps: their next observe here skips the store read
(one round trip instead of two); the compare-and-set still refuses it when another replica
wrote since, and the observe then reads the stream back."""
STREAM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$"


class StreamNotFound(NotFound):
    pass


@dataclass(frozen=True)
class Observed:
    """A stream after a write, and the forecast from its updated state (None before any
    observation)."""

    record: StreamRecord
    resolved: Resolved
    forecast: np.ndarray | None = None
    """[horizon, n_targets]"""
    quantiles: np.ndarray | None = None
    """[horizon, n_targets, n_quantiles]"""
    quantile_levels: tuple[float, ...] = ()
    timestamps: list[str] | None = None
    """The forecast's [horizon] timestamps, when the stream is dated."""


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        lock = lock or asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class StreamService:
    def __init__(
        self,
        plane: LiveModels,
        steps: StepModels,
        store: StreamStore,
        *,
        local_lock: bool = True,
        max_per_owner: int | None = None,
    ) -> None:
        self.plane = plane
        self.steps = steps
        self.store = store
        self.max_per_owner = max_per_owner
        """Live streams one API key may keep (SEQCAST_MAX_STREAMS_PER_KEY); None: no limit."""
        self.local_lock = local_lock
        """False leaves serialization to the compare-and-set alone (the benchmark compares)."""
        self.conflicts = 0
        """Compare-and-set writes refused so far (each one cost a recompute)."""
        self._locks = KeyedLocks()
        self._recent: OrderedDict[str, StreamRecord] = OrderedDict()

    async def create(
        self,
        model: str,
        version: int | None,
        alias: str | None,
        history: np.ndarray | None = None,
        *,
        stream_id: str | None = None,
        field: Field = "history",
        owner: str | None = None,
        series_id: str | None = None,
        last_timestamp: str | None = None,
        known: KnownInputs | None = None,
    ) -> Observed:
        """A new stream of `owner`, pinned to the version resolved now; `stream_id` replaces the
        owner's stream of that id (the OIP sequence extension's sequence_start). `series_id`
        and `last_timestamp` (of the last history row) date it; `known` carries the
        covariates over the horizon after the history, for a version that takes them."""
        resolved = await self.plane.resolve(model, version, alias)
        rows = None
        if history is not None:
            rows = check_rows(history, len(resolved.feature_columns), field)
        step = await self._step_model(resolved)
        info = await self._info(resolved, step)
        last = stream_start(series_id, last_timestamp, info, resolved.key.label)
        if known is None or not known.tensors:
            _check_servable(info, series_id, last, resolved.key.label)
        if step is not None:
            state = step.zero_state()
        else:
            state = np.zeros((0, len(resolved.feature_columns)), np.float32)  # no rows yet
        now = time.time()
        record = StreamRecord(
            id=stream_id or uuid.uuid4().hex,
            incarnation=uuid.uuid4().hex[:12],
            model=resolved.model,
            version=resolved.version,
            version_id=resolved.key.id,
            mode="step" if step else "window",
            observations=0,
            sequence=0,
            state=state,
            created_at=now,
            updated_at=now,
            owner=owner,
            series_id=series_id,
            last_timestamp=last,
        )
        observed = Observed(record, resolved)
        if rows is not None:  # the warm-up is part of the creation: sequence stays 0
            observed = await self._advance(record, resolved, step, rows, known, created=True)
            observed = replace(observed, record=replace(observed.record, sequence=0))
        elif known is not None:
            _refuse_unused(known)
        wait = await self.store.create(observed.record, self.max_per_owner)
        if wait is not None:
            raise TooManyRequests(
                f"this API key already has {self.max_per_owner} live streams, its limit "
                f"(SEQCAST_MAX_STREAMS_PER_KEY={self.max_per_owner}); delete one (DELETE "
                "/streams/{id}, or end an OIP sequence) or retry when the oldest expires",
                wait,
            )
        self._remember(observed.record)
        return observed

    async def observe(
        self,
        stream_id: str,
        values: np.ndarray,
        field: Field = "values",
        owner: str | None = None,
        known: KnownInputs | None = None,
    ) -> Observed:
        """Append observations to the owner's stream and forecast from the updated state
        (`known`: the covariates over the horizon after them); retried on a lost race."""
        if not self.local_lock:
            return await self._observe(stream_id, values, field, owner, known)
        async with self._locks.hold(slot_of(owner, stream_id)):
            return await self._observe(stream_id, values, field, owner, known)

    async def _observe(
        self,
        stream_id: str,
        values: np.ndarray,
        field: Field,
        owner: str | None,
        known: KnownInputs | None,
    ) -> Observed:
        key = slot_of(owner, stream_id)
        for attempt in range(MAX_ATTEMPTS):
            record = self._recent.get(key) if attempt == 0 else None
            if record is None:
                record = await self.get(stream_id, owner)
            resolved = await self.pinned(record)
            rows = check_rows(values, len(resolved.feature_columns), field)
            step = await self._step_model(resolved) if record.mode == "step" else None
            observed = await self._advance(record, resolved, step, rows, known)
            written = await self.store.replace(observed.record, record)
            if written is None:
                self._recent.pop(key, None)
                raise self._gone(stream_id)
            if written:
                self._remember(observed.record)
                return observed
            self._recent.pop(key, None)  # another replica wrote since: read it back
            self.conflicts += 1
            # Jittered, growing backoff: replicas that collide on one stream take turns
            # instead of one starving the other.
            await asyncio.sleep(random.uniform(0, min(BACKOFF_CAP_S, 0.0005 * 2**attempt)))
        raise ServiceUnavailable(
            f"stream {stream_id} is being observed by other API replicas at once; retry"
        )

    async def get(self, stream_id: str, owner: str | None = None) -> StreamRecord:
        record = await self.store.get(stream_id, owner)
        if record is None:
            raise self._gone(stream_id)
        return record

    async def delete(self, stream_id: str, owner: str | None = None) -> None:
        self._recent.pop(slot_of(owner, stream_id), None)
        if not await self.store.delete(stream_id, owner):
            raise self._gone(stream_id)

    def _remember(self, record: StreamRecord) -> None:
        self._recent[record.slot] = record
        self._recent.move_to_end(record.slot)
        if len(self._recent) > MAX_REMEMBERED:
            self._recent.popitem(last=False)

    def expires_at(self, record: StreamRecord) -> float:
        return record.updated_at + self.store.ttl_seconds

    def _gone(self, stream_id: str) -> StreamNotFound:
        return StreamNotFound(
            f"stream {stream_id} has expired (streams idle for {self.store.ttl_seconds:g} s are "
            "dropped), was deleted, or never existed"
        )

    async def pinned(self, record: StreamRecord) -> Resolved:
        """The stream's own version, whatever its aliases point at now."""
        missing = NotFound(
            f"stream {record.id} is pinned to {record.model} v{record.version}, which no longer "
            "exists; create a new stream"
        )
        try:
            resolved = await self.plane.resolve(record.model, record.version, None)
        except NotFound:
            raise missing from None
        if resolved.key.id != record.version_id:  # deleted, and the number given again
            raise missing
        return resolved

    async def _step_model(self, resolved: Resolved) -> StepModel | None:
        step = self.steps.peek(resolved.key.id)
        if step is False:
            step = await asyncio.to_thread(self.steps.get, resolved)
        assert step is not True
        if step is not None:
            step.batcher.reconfigure(resolved.batch_config)
        return step

    async def _info(self, resolved: Resolved, step: StepModel | None) -> VersionInfo:
        """The version's serving facts: from its step graph's manifest when it streams by
        steps (the window graph is then never loaded), else from the window graph's."""
        if step is not None:
            return step.info
        return (await self.plane.load(resolved)).info

    async def _advance(
        self,
        record: StreamRecord,
        resolved: Resolved,
        step: StepModel | None,
        rows: np.ndarray,
        known: KnownInputs | None = None,
        *,
        created: bool = False,
    ) -> Observed:
        """The stream after `rows` and its forecast; `created`: the rows are the history of a
        new stream, whose last timestamp is already that of its last row."""
        last, stamps = record.last_timestamp, None
        if last is not None:
            frequency = (await self._info(resolved, step)).frequency
            assert frequency is not None  # a stream is dated only by a version that can
            last = last if created else stepped(last, frequency, len(rows))
            stamps = future_timestamps(last, frequency, resolved.horizon)
        if step is not None:
            if known is not None:
                _refuse_unused(known)
            result = await step.advance(record.state, rows)
            state, forecast, quantiles = result.state, result.forecast, result.quantiles
            levels = tuple(step.quantile_levels)
        else:
            state = np.concatenate([record.state, rows])[-resolved.input_length :]
            served = await self.plane.load(resolved)
            extras = ()
            if served.info.extra_inputs or known is not None:
                extras = extra_inputs(
                    served.info,
                    resolved.horizon,
                    1,
                    served.key.label,
                    known,
                    record.series_id,
                    None if stamps is None else [stamps],
                )
            window = await self.plane.infer(served, state[None], extras)
            forecast = window.point[0]
            quantiles = None if window.quantiles is None else window.quantiles[0]
            levels = served.info.quantiles
        updated = replace(
            record,
            observations=record.observations + len(rows),
            sequence=record.sequence + 1,
            state=state,
            updated_at=time.time(),
            last_timestamp=last,
        )
        return Observed(updated, resolved, forecast, quantiles, levels, stamps)


def _check_servable(info: VersionInfo, series_id: str | None, last: str | None, label: str) -> None:
    """A stream of a version with calendar features must be dated, and one with static
    covariates must name its series: refused at creation, not at the first observe."""
    if info.calendar and last is None:
        raise InvalidInput(
            "last_timestamp",
            f"required: {label} takes calendar features ({', '.join(info.calendar)}) of the "
            "forecast's timestamps: give last_timestamp (of the last history row), or series_id "
            "of a series whose training data had timestamps",
        )
    if info.static_features and series_id is None and list(info.static_values) != [""]:
        raise InvalidInput(
            "series_id",
            f"required: {label} looks up its static covariates by series: give series_id",
        )


def _refuse_unused(known: KnownInputs) -> None:
    """Covariates sent where nothing runs on them (a version without any: a step stream, or a
    creation without history)."""
    for name, value in (
        (FUTURE_INPUT_NAME, known.future),
        (CALENDAR_INPUT_NAME, known.calendar),
        (STATIC_INPUT_NAME, known.static),
    ):
        if value is not None:
            raise InvalidInput(
                name,
                f"nothing runs on it here: a stream takes {name} with the observations its "
                "forecast follows (with history at creation, with values at observe), and only "
                "for a version with covariates",
            )
