"""onnxruntime sessions, one per model version, loaded once (and warmed up) and kept in a cache
bounded by count and by bytes. Each loaded version has its own adaptive batcher.

Every artifact is checked against the sha256 the registry recorded before it is loaded, and its
manifest is read beside it (quantile levels, frequency, series, covariates: see version_info);
a graph whose inputs are not the ones its manifest's covariates call for is refused. The
provider is chosen once: CUDA only when onnxruntime can really use it, else CPU with one clear
log line (onnxruntime-gpu otherwise falls back with only a cryptic library-loading error).

Evicting a version only drops the cache's reference: requests already holding its
`ServedModel` finish on it, which is what lets an alias move without failing a request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort

from app.artifacts import ArtifactStore
from app.config import Device
from app.contract import (
    CALENDAR_INPUT_NAME,
    FUTURE_INPUT_NAME,
    INPUT_NAME,
    OUTPUT_NAME,
    QUANTILES_NAME,
    STATIC_INPUT_NAME,
    Manifest,
    manifest_uri_for,
    sha256_bytes,
)
from app.errors import SeqcastError
from app.metrics import BATCH_SIZE, ORT_RUN_SECONDS, version_labels
from app.serving.batcher import AdaptiveBatcher, BatchConfig, RunCost, measure_line
from app.serving.version_info import VersionInfo

log = logging.getLogger("seqcast.serving")

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


class ArtifactCorrupt(SeqcastError):
    """The file no longer matches the registry's sha256; served as a 500, never loaded."""


@dataclass(frozen=True)
class VersionKey:
    """What the cache needs to know of a registry version to load and serve it."""

    id: int
    artifact_uri: str
    sha256: str
    label: str = ""
    """Human name for logs and errors, e.g. `demand v3`."""
    model: str = ""
    version: int = 0
    """Model name and version number, the metrics' labels (label alone when unset)."""


@dataclass
class ServedModel:
    key: VersionKey
    session: ort.InferenceSession
    provider: str
    size_bytes: int
    batcher: AdaptiveBatcher
    info: VersionInfo


class SessionCache:
    def __init__(
        self,
        store: ArtifactStore,
        executor: Executor,
        *,
        max_sessions: int,
        max_bytes: int,
        device: Device,
        intra_op_threads: int,
        batch_config: BatchConfig,
    ) -> None:
        self._store = store
        self._executor = executor
        self._max = max_sessions
        self._max_bytes = max_bytes
        self._device = device
        self._threads = intra_op_threads
        self.batch_config = batch_config
        self._models: OrderedDict[int, ServedModel] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[int, threading.Lock] = {}
        self._cuda_usable: bool | None = None if device != "cpu" else False

    def __len__(self) -> int:
        return len(self._models)

    @property
    def bytes_loaded(self) -> int:
        return sum(m.size_bytes for m in self._models.values())

    def loaded(self) -> list[ServedModel]:
        with self._lock:
            return list(self._models.values())

    def peek(self, version_id: int) -> ServedModel | None:
        """The loaded model, without loading: cheap enough for the event loop."""
        served = self._models.get(version_id)
        if served is not None:
            with self._lock:
                if version_id in self._models:
                    self._models.move_to_end(version_id)
        return served

    def get(self, key: VersionKey, config: BatchConfig | None = None) -> ServedModel:
        """Load on first use (blocking: call it off the event loop)."""
        served = self.peek(key.id)
        if served is not None:
            return served
        with self._lock:
            gate = self._loading.setdefault(key.id, threading.Lock())
        with gate:  # one load per version, however many requests arrive at once
            served = self.peek(key.id)
            if served is not None:
                return served
            try:
                served = self._load(key, config or self.batch_config)
            except BaseException:
                with self._lock:
                    self._loading.pop(key.id, None)
                raise
            with self._lock:
                self._models[key.id] = served
                self._loading.pop(key.id, None)
                self._shrink(keep=key.id)
            return served

    def unload(self, version_id: int) -> bool:
        with self._lock:
            return self._models.pop(version_id, None) is not None

    def _shrink(self, keep: int) -> None:
        while len(self._models) > 1 and (
            len(self._models) > self._max or self.bytes_loaded > self._max_bytes
        ):
            oldest = next(iter(self._models))
            if oldest == keep:
                self._models.move_to_end(keep)
                continue
            dropped = self._models.pop(oldest)
            log.info("unloaded %s to stay within the session cache bounds", dropped.key.label)

    def _load(self, key: VersionKey, config: BatchConfig) -> ServedModel:
        data = self._store.get(key.artifact_uri)
        actual = sha256_bytes(data)
        if actual != key.sha256:
            raise ArtifactCorrupt(
                f"artifact of {key.label or key.id} ({key.artifact_uri}) has sha256 {actual}, "
                f"the registry recorded {key.sha256}; refusing to load it"
            )
        session = self.open_session(data)
        provider = session.get_providers()[0]
        manifest, info = self._info(key, session)
        extras = zero_extras(manifest, info)
        self._warm_up(session, info.output_names, extras)
        cost = None
        if provider == CPU:  # a CUDA run ends in a device sync: never on the event loop
            cost = measure_cost(session, info.output_names, manifest.input_length, config, extras)
        log.info("loaded %s on %s", key.label or key.id, provider)

        labels = version_labels(key)
        run_seconds = ORT_RUN_SECONDS.labels(*labels)
        names, pack = info.output_names, info.pack
        extra_names = info.extra_inputs

        def run(batch: np.ndarray, *others: np.ndarray) -> np.ndarray:
            """One synchronous onnxruntime run; the batcher calls it on the executor. `others`
            are the version's extra inputs (covariates), in `extra_names` order."""
            start = time.perf_counter()
            feeds = {INPUT_NAME: batch}
            if others:
                feeds.update(zip(extra_names, others, strict=True))
            outputs = session.run(names, feeds)
            run_seconds.observe(time.perf_counter() - start)
            return pack(outputs)

        batcher = AdaptiveBatcher(
            run,
            self._executor,
            config,
            name=key.label,
            batch_sizes=BATCH_SIZE.labels(*labels),
            cost=cost,
        )
        return ServedModel(key, session, provider, len(data), batcher, info)

    def _info(self, key: VersionKey, session: ort.InferenceSession) -> tuple[Manifest, VersionInfo]:
        """The manifest and its serving facts, refused when they contradict the graph."""
        manifest = Manifest.from_json(self._store.get(manifest_uri_for(key.artifact_uri)))
        label = key.label or key.id
        try:
            info = VersionInfo.from_manifest(manifest)
        except ValueError as exc:
            raise ArtifactCorrupt(
                f"{label}: the manifest's static_values do not match its static_features "
                f"({len(manifest.static_features)}): {exc}"
            ) from None
        graph_inputs = [i.name for i in session.get_inputs()]
        if sorted(graph_inputs) != sorted(manifest.input_names):  # fed by name: order is free
            raise ArtifactCorrupt(
                f"{label}: the graph's inputs are {graph_inputs} but its manifest's covariates "
                f"make them {manifest.input_names}; refusing to serve it"
            )
        shapes = {o.name: o.shape for o in session.get_outputs()}
        levels = shapes.get(QUANTILES_NAME, [None])[-1]
        if (
            OUTPUT_NAME not in shapes
            or bool(info.quantiles) != (QUANTILES_NAME in shapes)
            or (isinstance(levels, int) and levels != len(info.quantiles))
        ):
            raise ArtifactCorrupt(
                f"{label}: the manifest lists quantiles {list(info.quantiles)} but "
                f"the graph's outputs are {shapes}; refusing to serve it"
            )
        return manifest, info

    def open_session(self, data: bytes) -> ort.InferenceSession:
        """An onnxruntime session with the serving thread counts and provider: for the window
        graphs here and for other graphs of a version (the step graphs of app.serving.steps)."""
        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        return self._session(data, options)

    @property
    def executor(self) -> Executor:
        """The thread pool onnxruntime runs on (never the event loop)."""
        return self._executor

    def _session(self, data: bytes, options: ort.SessionOptions) -> ort.InferenceSession:
        if self._cuda_usable is not False:
            if CUDA not in ort.get_available_providers():
                self._cuda_usable = False
                if self._device == "cuda":
                    log.warning(
                        "CUDA was requested (SEQCAST_INFERENCE_DEVICE=cuda) but this onnxruntime "
                        "build has no CUDAExecutionProvider (install seqcast[gpu]); serving on CPU"
                    )
            else:
                session = ort.InferenceSession(data, options, providers=[CUDA, CPU])
                if session.get_providers()[0] == CUDA:
                    self._cuda_usable = True
                    return session
                self._cuda_usable = False
                log.warning(
                    "onnxruntime-gpu is installed but CUDA is unusable here (driver, CUDA or "
                    "cuDNN libraries missing); serving on CPU"
                )
        return ort.InferenceSession(data, options, providers=[CPU])

    @staticmethod
    def _warm_up(
        session: ort.InferenceSession,
        names: list[str],
        extras: dict[str, Callable[[int], np.ndarray]] | None = None,
    ) -> None:
        """One run so the first real request does not pay for lazy initialization."""
        shape = session.get_inputs()[0].shape
        n_features = shape[2] if isinstance(shape[2], int) else 1
        feeds = {INPUT_NAME: np.zeros((1, 1, n_features), np.float32)}
        feeds.update({name: zeros(1) for name, zeros in (extras or {}).items()})
        session.run(names, feeds)


def zero_extras(manifest: Manifest, info: VersionInfo) -> dict[str, Callable[[int], np.ndarray]]:
    """Graph input name -> zeros of that input for a batch of `rows`, for each of the version's
    covariate inputs (for the warm-up and the cost measurement)."""
    horizon = manifest.horizon
    widths = {
        FUTURE_INPUT_NAME: (horizon, len(info.future_columns)),
        CALENDAR_INPUT_NAME: (horizon, len(info.calendar)),
        STATIC_INPUT_NAME: (len(info.static_features),),
    }
    return {
        name: lambda rows, shape=widths[name]: np.zeros((rows, *shape), np.float32)
        for name in info.extra_inputs
    }


def measure_cost(
    session: ort.InferenceSession,
    names: list[str],
    length: int,
    config: BatchConfig,
    extras: dict[str, Callable[[int], np.ndarray]] | None = None,
) -> RunCost:
    """The run time at batch 1 and at `max_batch_size` rows of the trained window length
    (medians of a few runs, after the warm-up), as a line in rows × length: what the batcher
    compares with `max_inline_run_ms` to run a batch on the event loop or on the executor."""
    n_features = session.get_inputs()[0].shape[2]
    n_features = n_features if isinstance(n_features, int) else 1
    length = max(1, length)
    extras = extras or {}

    def feeds(rows: int) -> dict[str, np.ndarray]:
        batch = {INPUT_NAME: np.zeros((rows, length, n_features), np.float32)}
        return batch | {name: zeros(rows) for name, zeros in extras.items()}

    fixed, per_cell = measure_line(
        lambda batch: session.run(names, batch),
        feeds,
        config.max_batch_size,
        cells_per_row=length,
    )
    return RunCost(fixed=fixed, per_cell=per_cell)
