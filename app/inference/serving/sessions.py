"""onnxruntime sessions, one per model version, loaded once and kept in a bounded LRU cache.

Every artifact is checked against the sha256 the registry recorded before it is loaded. The
provider is chosen once: CUDA only when onnxruntime can really use it, else CPU with one clear
log line (onnxruntime-gpu otherwise falls back with only a cryptic library-loading error).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort

from app.artifacts import LocalArtifactStore
from app.config import Device
from app.contract import INPUT_NAME, OUTPUT_NAME, sha256_bytes
from app.errors import SeqcastError

log = logging.getLogger("seqcast.serving")

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


class ArtifactCorrupt(SeqcastError):
    """The file no longer matches the registry's sha256; served as a 500, never loaded."""


@dataclass(frozen=True)
class VersionKey:
    """What the cache needs to know of a registry version to load it."""

    id: int
    artifact_uri: str
    sha256: str


@dataclass
class LoadedModel:
    version_id: int
    session: ort.InferenceSession
    provider: str

    def run(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run([OUTPUT_NAME], {INPUT_NAME: batch})[0]


class SessionCache:
    def __init__(
        self, store: LocalArtifactStore, *, max_sessions: int, device: Device, intra_op_threads: int
    ) -> None:
        self._store = store
        self._max = max_sessions
        self._device = device
        self._threads = intra_op_threads
        self._sessions: OrderedDict[int, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[int, threading.Lock] = {}
        self._cuda_usable: bool | None = None if device != "cpu" else False

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, key: VersionKey) -> LoadedModel:
        with self._lock:
            loaded = self._sessions.get(key.id)
            if loaded is not None:
                self._sessions.move_to_end(key.id)
                return loaded
            gate = self._loading.setdefault(key.id, threading.Lock())
        with gate:  # one load per version, however many requests arrive at once
            with self._lock:
                if key.id in self._sessions:
                    return self._sessions[key.id]
            loaded = self._load(key)
            with self._lock:
                self._sessions[key.id] = loaded
                self._loading.pop(key.id, None)
                while len(self._sessions) > self._max:
                    self._sessions.popitem(last=False)
            return loaded

    def evict(self, version_id: int) -> None:
        with self._lock:
            self._sessions.pop(version_id, None)

    def _load(self, key: VersionKey) -> LoadedModel:
        data = self._store.get(key.artifact_uri)
        actual = sha256_bytes(data)
        if actual != key.sha256:
            raise ArtifactCorrupt(
                f"artifact {key.artifact_uri} has sha256 {actual}, the registry recorded "
                f"{key.sha256}; refusing to load it"
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        session = self._session(data, options)
        provider = session.get_providers()[0]
        self._warm_up(session)
        log.info("loaded model version %s on %s", key.id, provider)
        return LoadedModel(version_id=key.id, session=session, provider=provider)

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
    def _warm_up(session: ort.InferenceSession) -> None:
        """One run so the first real request does not pay for lazy initialization."""
        shape = session.get_inputs()[0].shape
        n_features = shape[2] if isinstance(shape[2], int) else 1
        session.run([OUTPUT_NAME], {INPUT_NAME: np.zeros((1, 1, n_features), np.float32)})
