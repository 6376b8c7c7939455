"""One training job from start to registered version: load data, fit, evaluate, export in the
worker process's warm export process, gate on parity, store the artifact, register the version.

The job row is the source of truth: the task only carries its id, re-reads it, skips a job that
is already finished or alive on another worker, and writes progress after every epoch so that the
API can show it and a cancel request is seen within one epoch. A thread of the task writes its
heartbeat every few seconds meanwhile (workers.heartbeat), however long an epoch takes.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import socket
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.orm import Session

from app.artifacts import ArtifactStore, make_store
from app.config import Settings
from app.contract import (
    MANIFEST_FILENAME,
    MAX_LENGTH_FACTOR,
    ONNX_FILENAME,
    STEP_FILENAME,
    WEIGHTS_FILENAME,
    Manifest,
    StepGraph,
    manifest_uri_for,
    model_artifact_key,
    segment_plans,
    sha256_bytes,
)
from app.datasets import service as datasets
from app.datasets.storage import SeriesTable
from app.db import utcnow
from app.logs import job_context
from app.models import JobStatus, TrainingJob
from app.registry import service as registry
from app.registry.models import ModelVersion
from app.training.schemas import JobSpec, WarmStart
from workers.db import worker_sessions
from workers.heartbeat import Heartbeat
from workers.metrics import (
    EPOCH_SECONDS,
    EXPORT_SECONDS,
    JOB_SECONDS,
    JOBS_FINISHED,
    JOBS_RUNNING,
)
from workers.registration import keep_candidate, register
from workers.training.data import prepare
from workers.training.export import export_onnx, save_checkpoint
from workers.training.loop import (
    EpochStats,
    fit,
    refit_served,
    seed_everything,
    training_options,
)
from workers.training.metrics import dataset_season, evaluate
from workers.training.nets import Forecaster, build_net, net_config
from workers.training.warm import load_weights, warm_config, warm_net

log = logging.getLogger("seqcast.worker")

HOST = socket.gethostname()


class JobCancelled(Exception):
    pass


class JobTakenOver(Exception):
    """The job was re-queued while this worker trained it (its heartbeat looked dead: the
    database was out of reach, or the clocks disagree) and another delivery owns it now: stop,
    and leave its row to the new owner."""


def pick_device(preference: str) -> torch.device:
    if preference != "cpu" and torch.cuda.is_available():
        return torch.device("cuda")
    if preference == "cuda":
        log.warning("SEQCAST_TRAINING_DEVICE=cuda but torch sees no usable GPU; training on CPU")
    return torch.device("cpu")


def run_job(job_id: str, settings: Settings) -> None:
    with job_context(job_id):  # every log line of this job carries its id
        _run_job(job_id, settings)


def _run_job(job_id: str, settings: Settings) -> None:
    Session_ = worker_sessions(settings)
    with Session_() as session:
        # Locked from the check to the claim in _start: two deliveries of one job (a redelivery
        # racing the reconciler's re-queue) cannot both find it free. SQLite ignores the lock.
        job = session.get(TrainingJob, job_id, with_for_update=True)
        if job is None:
            log.error("job %s not found; dropping the message", job_id)
            return
        if job.status.terminal:
            log.info("job %s already %s; nothing to do", job_id, job.status.value)
            return
        if job.cancel_requested:
            _finish(session, job, JobStatus.cancelled, "cancelled before it started")
            return
        if job.status == JobStatus.running and _alive_elsewhere(job, settings):
            log.warning(
                "job %s is running on %s; ignoring a duplicate delivery", job_id, job.worker
            )
            return
        started, architecture = time.perf_counter(), job.architecture
        outcome = JobStatus.failed
        heartbeat = Heartbeat(
            Session_, job_id, _worker_id(), settings.job_heartbeat_interval_seconds
        )
        JOBS_RUNNING.inc()
        try:
            device = _start(session, job, settings)
            heartbeat.start()
            _train_and_register(session, job, settings, device)
            outcome = JobStatus.succeeded
        except JobTakenOver:
            session.rollback()
            outcome = JobStatus.queued
            log.warning("job %s was re-queued and taken over; stopping this copy", job_id)
        except JobCancelled:
            outcome = JobStatus.cancelled
            session.rollback()
            _finish(session, job, JobStatus.cancelled, "cancelled while running")
        except SoftTimeLimitExceeded:
            session.rollback()
            _finish(
                session,
                job,
                JobStatus.failed,
                f"exceeded its deadline of {settings.job_deadline_seconds} s "
                "(SEQCAST_JOB_DEADLINE_SECONDS) and was stopped",
            )
        except Exception as exc:
            log.exception("job %s failed", job_id)
            session.rollback()
            _finish(session, job, JobStatus.failed, f"{type(exc).__name__}: {exc}")
        finally:
            heartbeat.stop()  # after the handlers above: the job's row is finished and unlocked
            JOBS_RUNNING.dec()
            if outcome != JobStatus.queued:  # a copy that was taken over did not finish
                labels = (architecture, outcome.value)
                JOB_SECONDS.labels(*labels).observe(time.perf_counter() - started)
                JOBS_FINISHED.labels(*labels).inc()


def _start(session: Session, job: TrainingJob, settings: Settings) -> torch.device:
    device = pick_device(settings.training_device)
    now = utcnow()
    job.status = JobStatus.running
    job.attempts += 1
    job.worker = _worker_id()
    job.heartbeat_at = now
    job.device = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    job.error = None
    if job.started_at is None:  # a resumed job keeps its first start
        job.started_at = now
        job.timings = {"queued": (now - job.created_at).total_seconds()}
    session.commit()
    return device


def _worker_id() -> str:
    """host:pid of this process (a prefork child: read after the fork)."""
    return f"{HOST}:{os.getpid()}"


def _alive_elsewhere(job: TrainingJob, settings: Settings) -> bool:
    """Is the worker recorded on a running job still alive? On this host its pid says so
    exactly (a prefork child killed mid-job is dead at once); elsewhere the heartbeat decides."""
    host, _, pid = (job.worker or "").rpartition(":")
    if host == HOST and pid.isdigit():
        if int(pid) == os.getpid():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    if job.heartbeat_at is None:
        return False
    silent = (utcnow() - job.heartbeat_at).total_seconds()
    return silent < settings.heartbeat_timeout


def _finish(session: Session, job: TrainingJob, status: JobStatus, error: str | None) -> None:
    session.refresh(job)
    job.status = status
    job.error = error
    job.finished_at = utcnow()
    if job.started_at is not None:
        job.timings = {**job.timings, "total": (job.finished_at - job.started_at).total_seconds()}
    session.commit()


def _train_and_register(
    session: Session, job: TrainingJob, settings: Settings, device: torch.device
) -> None:
    spec = JobSpec.model_validate(job.spec)
    hp = spec.hyperparameters
    store = make_store(settings)
    dataset = datasets.get(session, job.dataset_id)
    # the revision current when the job was submitted, not whatever is newest now
    table = datasets.load_revision(session, store, dataset, job.dataset_revision)
    segments = segment_plans(
        table.series_rows(), spec.input_length, spec.horizon, spec.validation_fraction
    )
    varied = hp.window_lengths == "varied"
    parent = _parent(session, store, spec.warm_start)
    data = prepare(
        table.values,
        table.columns,
        spec.feature_columns,
        spec.target_columns,
        segments,
        device,
        max_length=MAX_LENGTH_FACTOR * spec.input_length if varied else None,
        future_columns=spec.future_columns,
        calendar=spec.calendar,
        timestamps=table.timestamps,
        static_columns=spec.static_columns,
        categorical_columns=spec.categorical_columns,
        static_features=parent.static_features if parent is not None else None,
    )

    seed_everything(hp.seed)
    season = dataset_season(data, spec.season_length)
    cfg = net_config(
        job.architecture, hp, data, horizon=spec.horizon, quantiles=spec.quantiles, season=season
    )
    if parent is not None:  # its network, statistics and season (workers.training.warm)
        cfg = warm_config(parent.checkpoint, cfg)

    def initial_net() -> Forecaster:
        """A fresh network, or the parent version's for a warm start (fit and refit both
        start from it)."""
        return (build_net(cfg) if parent is None else warm_net(parent.checkpoint, cfg)).to(device)

    net = initial_net()
    checkpoint_key = f"checkpoints/{job.id}/last.pt"
    resume = _load_checkpoint(store, checkpoint_key)
    if resume is not None:
        log.info("job %s resumes after epoch %d", job.id, resume["epoch"])
        # The checkpoint is the truth: the row may record epochs trained after it (they are
        # trained again now), or miss the epoch the attempt that died checkpointed last.
        job.history = list(resume["history"])
        job.epochs_done = resume["epoch"]
        session.commit()

    def on_checkpoint(state: dict) -> None:
        buffer = io.BytesIO()
        torch.save(state, buffer)
        store.put(checkpoint_key, buffer.getvalue())

    epoch_seconds = EPOCH_SECONDS.labels(job.architecture, device.type)
    worker_id = _worker_id()

    def on_epoch(stats: EpochStats, *, record: bool = True) -> None:
        """Progress and the cancel check after every epoch (the heartbeat is the thread's).
        Refit epochs are not recorded (the history is the run the metrics describe) but still
        see a cancel."""
        epoch_seconds.observe(stats.seconds)
        session.refresh(job)
        if job.status != JobStatus.running or job.worker != worker_id:
            raise JobTakenOver
        if record:
            history = [h for h in job.history if h["epoch"] < stats.epoch]  # a resume rewrites
            job.epochs_done = stats.epoch
            job.history = [*history, asdict(stats)]
        session.commit()
        if job.cancel_requested:
            raise JobCancelled

    t0 = time.perf_counter()
    result = fit(
        net,
        data,
        epochs=hp.epochs,
        early_stopping_patience=hp.early_stopping_patience,
        on_epoch=on_epoch,
        on_checkpoint=on_checkpoint,
        checkpoint_interval=settings.checkpoint_interval_seconds,
        resume=resume,
        keep_initial=parent is not None,
        **training_options(hp),
    )
    train_seconds = time.perf_counter() - t0 + (resume["train_seconds"] if resume else 0.0)
    metrics = evaluate(net, data, spec.season_length)
    metrics.update(
        best_epoch=result.best_epoch,
        best_val_loss=result.best_val_loss,
        stopped_early=result.stopped_early,
        windows_per_second=result.windows_per_second,
        refit_epochs=0,
    )
    if hp.refit and result.best_epoch > 0:  # 0: a warm start no epoch improved keeps its weights
        # The metrics above are the held-out truth; the served model then learns the held-out
        # stretch too, for the epoch count early stopping chose (benchmarks/RESULTS.md,
        # "Accuracy with defaults": the largest single gain on short series).
        seed_everything(hp.seed)
        net, averaged = refit_served(
            net,
            initial_net(),
            data,
            epochs=result.best_epoch,
            average=hp.average_refit,
            on_epoch=functools.partial(on_epoch, record=False),
            **training_options(hp),
        )
        metrics["refit_epochs"] = result.best_epoch
        if averaged is not None:
            metrics["refit_averaged"] = averaged
        train_seconds = time.perf_counter() - t0 + (resume["train_seconds"] if resume else 0.0)

    t1 = time.perf_counter()
    net = net.cpu()
    with tempfile.TemporaryDirectory(prefix="seqcast-export-") as tmp:
        checkpoint, onnx_path = Path(tmp) / "checkpoint.pt", Path(tmp) / ONNX_FILENAME
        save_checkpoint(net, cfg, checkpoint)
        weights_bytes = checkpoint.read_bytes()
        warm = settings.export_process == "warm"
        report = export_onnx(checkpoint, onnx_path, settings.parity_tolerance, warm=warm)
        onnx_bytes = onnx_path.read_bytes()
        step_bytes = (onnx_path.parent / STEP_FILENAME).read_bytes() if report.step else None
    export_seconds = time.perf_counter() - t1
    EXPORT_SECONDS.labels(job.architecture).observe(export_seconds)

    sha = sha256_bytes(onnx_bytes)
    key = model_artifact_key(job.model_name, job.id)
    uri = store.put(f"{key}/{ONNX_FILENAME}", onnx_bytes)
    weights_uri = store.put(f"{key}/{WEIGHTS_FILENAME}", weights_bytes)
    step: StepGraph | None = None
    if report.step and step_bytes is not None:  # recurrent, globally normalized: streams step it
        store.put(f"{key}/{STEP_FILENAME}", step_bytes)
        layers, hidden = report.step["state_shape"]
        step = StepGraph(
            file=report.step["file"],
            state_shape=(layers, hidden),
            parity_error=report.step["parity_error"],
            sha256=sha256_bytes(step_bytes),
        )
    manifest = Manifest(
        architecture=job.architecture,
        feature_columns=spec.feature_columns,
        target_columns=spec.target_columns,
        input_length=spec.input_length,
        horizon=spec.horizon,
        opset=report.opset,
        exporter=report.exporter,
        sha256=sha,
        size_bytes=len(onnx_bytes),
        parity_error=report.parity_error,
        normalization={
            "mode": cfg.normalization,
            "feature_mean": cfg.feature_mean,
            "feature_std": cfg.feature_std,
            "target_mean": cfg.target_mean,
            "target_std": cfg.target_std,
        },
        quantiles=list(spec.quantiles),
        frequency=dataset.frequency,
        series=_series_ends(table),
        step=step,
        future_columns=list(spec.future_columns),
        calendar=list(spec.calendar),
        static_columns=list(spec.static_columns),
        static_features=data.static_features,
        static_values=data.static_values,
    )
    store.put(f"{key}/{MANIFEST_FILENAME}", manifest.to_json())

    version_fields = dict(
        registry.manifest_fields(manifest),
        hyperparameters=hp.model_dump(),
        metrics=metrics,
        artifact_uri=uri,
        dataset_id=job.dataset_id,
        dataset_revision=job.dataset_revision,
        weights_uri=weights_uri,
        parent_version_id=spec.warm_start.version_id if spec.warm_start else None,
    )
    timings = {**job.timings, "training": train_seconds, "export": export_seconds}
    if job.parent_id is not None:  # an auto candidate: its auto job registers the best one
        if not keep_candidate(session, job, version_fields, timings):
            raise JobCancelled
        store.delete(checkpoint_key)
        log.info("candidate %s stored (parity %.2e)", job.id, report.parity_error)
        return
    if not register(session, job, version_fields, timings, device=job.device or "cpu"):
        raise JobCancelled
    store.delete(checkpoint_key)
    log.info("job %s registered %s (parity %.2e)", job.id, job.model_name, report.parity_error)


@dataclass(frozen=True)
class Parent:
    """What a warm start takes from the version it begins from."""

    checkpoint: dict
    static_features: list[str]
    """Its static input's layout: the new data is encoded the same way (app.covariates)."""


def _parent(session: Session, store: ArtifactStore, warm_start: WarmStart | None) -> Parent | None:
    """A warm start's parent checkpoint and static layout (None: from scratch). The parent may
    have been deleted since the job was queued: the job fails saying so."""
    if warm_start is None:
        return None
    parent = session.get(ModelVersion, warm_start.version_id)
    if parent is None or parent.weights_uri is None:
        raise RuntimeError(
            f"model {warm_start.model!r} version {warm_start.version} (to warm-start from) was "
            "deleted, or has no stored weights, since the job was queued"
        )
    manifest = Manifest.from_json(store.get(manifest_uri_for(parent.artifact_uri)))
    return Parent(load_weights(store.get(parent.weights_uri)), manifest.static_features)


def _load_checkpoint(store: ArtifactStore, key: str) -> dict | None:
    """The last checkpoint of an earlier attempt, if any (weights_only: tensors and plain
    values, nothing that unpickles code)."""
    if not store.exists(key):
        return None
    return torch.load(io.BytesIO(store.get(key)), map_location="cpu", weights_only=True)


def _series_ends(table: SeriesTable) -> dict[str, str | None]:
    """Series id -> its last timestamp (forecasts continue from it); {} for one unnamed series."""
    if table.series is None:
        return {}
    stamps = table.timestamps
    return {
        series_id: stamps[rows.stop - 1] if stamps is not None else None
        for series_id, rows in table.series_slices()
    }
