"""The data plane: the one call each transport makes per operation (MLServer's
`handlers/dataplane.py` is the model). /predict and the Open Inference Protocol's infer call
`predict`; /streams and the OIP sequence extension call `observe` (and the stream lifecycle);
the OIP metadata routes call `metadata`.

Transports turn bytes into these calls and results back into bytes; everything between (which
version, is the input servable, batching, dating the forecast) happens here, and every check
runs before the batch is queued, so a refused request costs no model run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np

from app.errors import InvalidInput
from app.serving.inputs import Field, check_batch
from app.serving.known_inputs import KnownInputs, extra_inputs
from app.serving.live import LiveModels
from app.serving.recording import Recorder, check_dated, check_recordable
from app.serving.resolver import Resolved
from app.serving.series import forecast_timestamps
from app.serving.sessions import ServedModel
from app.serving.streams import Observed, StreamService
from app.serving.version_info import Forecast, VersionInfo

INLINE_CALENDAR_STEPS = 2_048
"""Forecast steps (windows × horizon) whose dates and calendar features a request computes on
the event loop; more go to a thread (pure Python, ~5 µs a distinct step: 1,024 windows × 24
steps of distinct hours took 140 ms)."""


@dataclass(slots=True)
class PredictCall:
    """One forecast request, as every transport hands it over (not frozen: a frozen init costs
    a setattr per field, per request)."""

    model: str
    version: int | None
    alias: str | None
    inputs: np.ndarray
    series_id: str | list[str] | None = None
    last_timestamp: str | list[str] | None = None
    outputs: tuple[str, ...] | None = None
    """Output tensors asked for (OIP); None: all of the version's outputs."""
    field: Field = "inputs"
    """Where `inputs` came from in the request, for error messages."""
    known: KnownInputs | None = None
    """Covariates the request sent (app.serving.known_inputs); None: none."""
    record: bool = False
    """Store the forecast for live accuracy (app.serving.recording)."""


@dataclass(slots=True)
class Prediction:
    resolved: Resolved
    info: VersionInfo
    forecast: Forecast
    timestamps: list[list[str]] | None


@dataclass(frozen=True, slots=True)
class Metadata:
    resolved: Resolved
    info: VersionInfo
    versions: list[int]


class DataPlane:
    def __init__(
        self,
        models: LiveModels,
        streams: StreamService,
        max_windows: int,
        recorder: Recorder | None = None,
    ) -> None:
        self.models = models
        self.streams = streams
        self.max_windows = max_windows
        self.recorder = recorder

    async def predict(self, call: PredictCall) -> Prediction:
        resolved = await self.models.resolve(call.model, call.version, call.alias)
        batch = check_batch(call.inputs, resolved, self.max_windows, call.field)
        served = await self.models.load(resolved)
        if call.outputs is not None:
            _check_outputs(call.outputs, served.info.output_names)
        info = served.info
        if call.record:
            check_recordable(info, call.series_id)
        if info.extra_inputs or call.known is not None:
            timestamps, extras = await self._covariates(call, resolved, served, len(batch))
        else:
            extras, timestamps = (), _dates(call, resolved, served, len(batch))
        if call.record:
            check_dated(timestamps, len(batch) * resolved.horizon * len(resolved.target_columns))
        forecast = await self.models.infer(served, batch, extras)
        return Prediction(resolved, info, forecast, timestamps)

    async def record(self, call: PredictCall, prediction: Prediction) -> int:
        """Store a recorded forecast (in a thread: a database write); the records stored."""
        if self.recorder is None:
            raise InvalidInput("record", "this server does not store forecasts")
        assert prediction.timestamps is not None
        resolved = prediction.resolved
        return await asyncio.to_thread(
            self.recorder,
            resolved.key.id,
            call.inputs,
            call.series_id,
            call.last_timestamp,
            prediction.info,
            resolved.feature_columns,
            prediction.forecast.point,
            prediction.timestamps,
        )

    async def _covariates(
        self, call: PredictCall, resolved: Resolved, served: ServedModel, windows: int
    ) -> tuple[list[list[str]] | None, tuple[np.ndarray, ...]]:
        """The forecast's timestamps and the version's extra graph inputs (checked); in a
        thread when there are many calendar steps to compute, so that one large request does
        not hold the event loop."""

        def work() -> tuple[list[list[str]] | None, tuple[np.ndarray, ...]]:
            timestamps = _dates(call, resolved, served, windows)
            extras = extra_inputs(
                served.info,
                resolved.horizon,
                windows,
                served.key.label,
                call.known,
                call.series_id,
                timestamps,
            )
            return timestamps, extras

        if served.info.calendar and windows * resolved.horizon > INLINE_CALENDAR_STEPS:
            return await asyncio.to_thread(work)
        return work()

    async def observe(
        self,
        stream_id: str,
        rows: np.ndarray,
        field: Field = "values",
        owner: str | None = None,
        known: KnownInputs | None = None,
    ) -> Observed:
        """Observe the stream `stream_id` of `owner` (an API key's tag; None with auth off);
        `known`: the covariates over the forecast's horizon, for a version that takes them."""
        return await self.streams.observe(stream_id, rows, field, owner, known)

    async def metadata(self, model: str, version: int | None, alias: str | None) -> Metadata:
        resolved = await self.models.resolve(model, version, alias)
        served = await self.models.load(resolved)
        versions = await asyncio.to_thread(self.models.resolver.versions, model)
        return Metadata(resolved, served.info, versions)

    async def outputs(self, resolved: Resolved, asked: tuple[str, ...] | None) -> list[str]:
        """The version's output tensors, in order (loading it when needed), after checking that
        it has every one `asked` for."""
        available = (await self.models.load(resolved)).info.output_names
        if asked is not None:
            _check_outputs(asked, available)
        return available

    async def load(self, model: str, version: int) -> ServedModel:
        """Load a version into the serving cache now (POST .../load)."""
        return await self.models.load(await self.models.resolve(model, version, None))

    async def unload(self, model: str, version: int) -> None:
        resolved = await self.models.resolve(model, version, None)
        self.models.cache.unload(resolved.key.id)

    def forget(self, model: str, version_id: int | None = None) -> None:
        """After a registry change: drop cached resolutions, and a deleted version's session."""
        self.models.forget(model, version_id)


def _dates(
    call: PredictCall, resolved: Resolved, served: ServedModel, windows: int
) -> list[list[str]] | None:
    """[windows][horizon] timestamps of the forecast, when the request says where it ends."""
    if call.series_id is None and call.last_timestamp is None:
        return None
    return forecast_timestamps(
        call.series_id,
        call.last_timestamp,
        served.info,
        windows,
        resolved.horizon,
        served.key.label,
    )


def _check_outputs(names: tuple[str, ...], available: list[str]) -> None:
    for name in names:
        if name not in available:
            listed = ", ".join(repr(n) for n in available)
            message = f"unknown output {name!r}; this model's outputs are {listed}"
            raise InvalidInput("outputs", message)
