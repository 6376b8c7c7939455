"""A version's step graph (`step.onnx`, app.contract STEP_*): one observation per stream and the
stream's state in, the forecast and the next state out. Observations of different streams share
one onnxruntime run through the serving batcher, which stays generic: each request is packed
into one float32 row, `[k × n_features observations | state_layers × hidden state]`, and the
result row is `[forecast | quantiles | next state]`. Requests group by row width, so streams
sending the same number of observations batch together.

On CPU the step run is timed at load (`StepCost`): a one-observation step of a small recurrent
model costs a few tens of µs, less than handing it to a thread and waking the event loop back,
so the batcher runs it inline (within `max_inline_run_ms`); warm-ups of many rows, large batches
and CUDA still go to the executor.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort

from app.artifacts import ArtifactStore
from app.contract import (
    INPUT_NAME,
    STATE_INPUT_NAME,
    STEP_INPUT_NAME,
    Manifest,
    manifest_uri_for,
    sha256_bytes,
    step_output_names,
)
from app.serving.batcher import AdaptiveBatcher, BatchConfig, RunCost, measure_line
from app.serving.resolver import Resolved
from app.serving.sessions import CPU, ArtifactCorrupt, SessionCache
from app.serving.version_info import VersionInfo

log = logging.getLogger("seqcast.streams")


@dataclass(frozen=True)
class StepResult:
    forecast: np.ndarray
    """[horizon, n_targets] after the last observation."""
    quantiles: np.ndarray | None
    """[horizon, n_targets, n_quantiles], when the version has quantiles."""
    state: np.ndarray
    """[state_layers, hidden]: the stream's next state."""


@dataclass(frozen=True, slots=True)
class StepCost(RunCost):
    """A step graph's measured run time. The batcher asks for `seconds(rows, width)` of a packed
    batch; a row's width is `k × n_features + state`, and the run is k onnxruntime steps, each
    `fixed + per_cell × rows` seconds."""

    n_features: int = 1
    state_size: int = 0

    def seconds(self, rows: int, length: int) -> float:
        steps = max(1, (length - self.state_size) // self.n_features)
        return steps * (self.fixed + self.per_cell * rows)


class StepModel:
    """One version's step graph and its batcher."""

    def __init__(
        self,
        session: ort.InferenceSession,
        manifest: Manifest,
        state_shape: tuple[int, int],
        cache: SessionCache,
        config: BatchConfig,
        name: str,
    ) -> None:
        self.session = session
        self.n_features = len(manifest.feature_columns)
        self.state_shape = state_shape
        self.quantile_levels = list(manifest.quantiles)
        self.info = VersionInfo.from_manifest(manifest)
        """The version's serving facts (frequency, series), for dating its streams."""
        self._forecast_shape = (manifest.horizon, len(manifest.target_columns))
        self._quantiles_shape = (*self._forecast_shape, len(self.quantile_levels))
        self._outputs = step_output_names(bool(self.quantile_levels))
        self._state_size = state_shape[0] * state_shape[1]
        self._forecast_size = int(np.prod(self._forecast_shape))
        self._quantile_size = int(np.prod(self._quantiles_shape)) if self.quantile_levels else 0
        self.batcher = AdaptiveBatcher(self._run, cache.executor, config, name=f"{name} step")

    def measure_cost(self) -> StepCost:
        """One observation's step at batch 1 and at `max_batch_size` rows (medians of a few
        runs, after a warm-up), as `fixed + per_cell × rows` per step: what lets the batcher
        run a cheap step inline."""
        width = self.n_features + self._state_size
        fixed, per_row = measure_line(
            self._run,
            lambda rows: np.zeros((rows, width), np.float32),
            self.batcher.config.max_batch_size,
        )
        return StepCost(fixed, per_row, self.n_features, self._state_size)

    def zero_state(self) -> np.ndarray:
        return np.zeros(self.state_shape, np.float32)

    async def advance(self, state: np.ndarray, rows: np.ndarray) -> StepResult:
        """Feed `rows` [k, n_features] one at a time from `state`; batched with other streams."""
        packed = np.concatenate([rows.reshape(-1), state.reshape(-1)], dtype=np.float32)
        out = (await self.batcher.predict(packed[None]))[0]
        forecast_size, quantile_size = self._forecast_size, self._quantile_size
        forecast = out[:forecast_size].reshape(self._forecast_shape)
        quantiles = None
        if quantile_size:
            quantiles = out[forecast_size : forecast_size + quantile_size]
            quantiles = quantiles.reshape(self._quantiles_shape)
        next_state = out[forecast_size + quantile_size :].reshape(self.state_shape)
        return StepResult(forecast, quantiles, next_state.copy())

    def _run(self, packed: np.ndarray) -> np.ndarray:
        """[batch, k × n_features + state] -> [batch, forecast | quantiles | next state]: k steps
        of onnxruntime at this batch size, on the executor (never the event loop)."""
        batch = packed.shape[0]
        steps = (packed.shape[1] - self._state_size) // self.n_features
        observations = packed[:, : steps * self.n_features].reshape(batch, steps, self.n_features)
        state = packed[:, steps * self.n_features :].reshape(batch, *self.state_shape)
        state = np.ascontiguousarray(state.transpose(1, 0, 2))  # [layers, batch, hidden]
        outputs: list[np.ndarray] = []
        for t in range(steps):
            observation = np.ascontiguousarray(observations[:, t])
            outputs = self.session.run(
                self._outputs, {STEP_INPUT_NAME: observation, STATE_INPUT_NAME: state}
            )
            state = outputs[-1]
        parts = [o.reshape(batch, -1) for o in outputs[:-1]]
        parts.append(state.transpose(1, 0, 2).reshape(batch, -1))
        return np.concatenate(parts, axis=1)


class StepModels:
    """Step graphs by version id, loaded on first use beside the window graph's session cache
    (same provider and thread settings), bounded like it. A version without a step graph is
    remembered as None: its streams run in window mode."""

    def __init__(self, store: ArtifactStore, cache: SessionCache, max_models: int) -> None:
        self._store = store
        self._cache = cache
        self._max = max_models
        self._models: OrderedDict[int, StepModel | None] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, version_id: int) -> StepModel | bool | None:
        """The loaded step model, None for a version known to have none, False when unknown:
        cheap enough for the event loop."""
        return self._models.get(version_id, False)

    def get(self, resolved: Resolved) -> StepModel | None:
        """Load on first use (blocking: call it off the event loop)."""
        with self._lock:  # loads are rare; one at a time keeps the cache simple
            if resolved.key.id in self._models:
                self._models.move_to_end(resolved.key.id)
                return self._models[resolved.key.id]
            model = self._load(resolved)
            self._models[resolved.key.id] = model
            while len(self._models) > self._max:
                self._models.popitem(last=False)
            return model

    def _load(self, resolved: Resolved) -> StepModel | None:
        key = resolved.key
        manifest = Manifest.from_json(self._store.get(manifest_uri_for(key.artifact_uri)))
        step = manifest.step
        if not step or manifest.normalization.get("mode", "global") != "global":
            return None
        if manifest.input_names != [INPUT_NAME]:  # covariates: streams run the window graph
            return None
        uri = f"{key.artifact_uri.rsplit('/', 1)[0]}/{step.file}"
        data = self._store.get(uri)
        if sha256_bytes(data) != step.sha256:
            raise ArtifactCorrupt(
                f"step graph of {key.label} ({uri}) does not match the sha256 in its manifest; "
                "refusing to load it"
            )
        layers, hidden = step.state_shape
        session = self._cache.open_session(data)
        model = StepModel(
            session, manifest, (layers, hidden), self._cache, resolved.batch_config, key.label
        )
        model._run(np.zeros((1, model.n_features + layers * hidden), np.float32))  # warm up
        if session.get_providers()[0] == CPU:  # a CUDA run ends in a device sync: never inline
            model.batcher.cost = model.measure_cost()
        log.info("loaded the step graph of %s (state %d × %d)", key.label, layers, hidden)
        return model
